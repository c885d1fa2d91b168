"""The planning pipeline behind :func:`ressursbank.solve.solve`.

compile -> greedy construction -> repair (by the independent checker) -> large-neighbourhood search with CP-SAT
sub-models (in parallel processes) -> bound -> result. Each phase reports progress.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from ressursbank.checker.roster import check_plan
from ressursbank.domain.plan import Assignment, Pin, Plan
from ressursbank.domain.problem import Problem
from ressursbank.result import Result, SolveStatus
from ressursbank.solver.bound import timed_bound, timed_shift_bound
from ressursbank.solver.compile import Compiled, compile_problem
from ressursbank.solver.greedy import construct
from ressursbank.solver.objective import evaluate
from ressursbank.solver.params import Progress, SolveParams

log = logging.getLogger(__name__)


def to_plan(c: Compiled, by_need: list[list[int]]) -> Plan:
    """Turn need -> employees into a domain :class:`Plan` with the qualification each person uses."""
    problem = c.problem
    out = []
    for n, people in enumerate(by_need):
        need = c.needs[n]
        for e in people:
            employee = c.employees[e]
            used = problem.qualification_for(employee, need) or ""
            out.append(Assignment(employee.id, need.id, need.unit_id, need.start, need.end, used))
    return Plan.of(out)


def from_plan(c: Compiled, plan: Plan | None) -> set[tuple[int, int]]:
    """The ``(employee, need)`` pairs of a plan that still refer to this problem."""
    if plan is None:
        return set()
    return {
        (c.employee_index[a.employee_id], c.need_index[a.need_id])
        for a in plan.assignments
        if a.employee_id in c.employee_index and a.need_id in c.need_index
    }


def repair(
    c: Compiled, by_need: list[list[int]], pins: set[tuple[int, int]], *, rounds: int = 5
) -> tuple[list[list[int]], int]:
    """Drop assignments the independent checker finds in hard violations (never pins); returns the hard count left."""
    for _ in range(rounds):
        report = check_plan(c.problem, to_plan(c, by_need), weights=c.weights)
        hard = [v for v in report.hard_violations if v.employee_id and v.need_id]
        if not report.hard_violations:
            return by_need, 0
        dropped = 0
        for v in hard:
            e, n = c.employee_index.get(v.employee_id), c.need_index.get(v.need_id)
            if e is None or n is None or (e, n) in pins or e not in by_need[n]:
                continue
            by_need[n].remove(e)
            dropped += 1
        if dropped == 0:
            return by_need, len(report.hard_violations)
    report = check_plan(c.problem, to_plan(c, by_need), weights=c.weights)
    return by_need, len(report.hard_violations)


class _BoundJob:
    """The lower bound computed in two forked processes (the compiled problem is inherited, not pickled): the
    headcount and priced bounds with the coverage upper bounds in one, the flow of whole shifts in the other, which
    may still run during the improvement (both can take minutes on the Oslo-like preset)."""

    def __init__(self, c: Compiled, lagrange: tuple[float, int]) -> None:
        import multiprocessing

        global _BOUND_INPUT, _SHIFT_LAGRANGE
        _BOUND_INPUT = c
        _SHIFT_LAGRANGE = lagrange
        self.pool = multiprocessing.get_context("fork").Pool(1)
        self.async_result = self.pool.apply_async(_bound_in_child)
        self.shift_pool = multiprocessing.get_context("fork").Pool(1)
        self.shift_result = self.shift_pool.apply_async(_shift_bound_in_child)
        _BOUND_INPUT = None

    def get(self, wait_s: float) -> tuple[int, int, int, float] | None:
        """The headcount bound, places upper bounds and CPU seconds, waiting at most ``wait_s``; ``None`` if late."""
        value: tuple[int, int, int, float] | None = _collect(self.pool, self.async_result, wait_s)
        return value

    def shift(self, wait_s: float) -> tuple[int, float] | None:
        """The whole-shift bound and its CPU seconds, waiting at most ``wait_s``; ``None`` if not done by then."""
        value: tuple[int, float] | None = _collect(self.shift_pool, self.shift_result, wait_s)
        return value


def _collect(pool: Any, result: Any, wait_s: float) -> Any:
    """A forked worker's result, waiting at most ``wait_s`` (``None`` if late); the worker is stopped either way."""
    import multiprocessing

    try:
        return result.get(timeout=max(0.0, wait_s))
    except multiprocessing.TimeoutError:
        return None
    finally:
        pool.terminate()


_BOUND_INPUT: Compiled | None = None
#: Until when (``time.perf_counter()``) and for how many price points the whole-shift child refines its bound by
#: the Lagrangian over day-level rosters (``bound_lagrange``); 0 points: the weekly flow alone.
_SHIFT_LAGRANGE: tuple[float, int] = (0.0, 0)
#: The Lagrangian stops this long before the solve's deadline (at least), so the child is done when collected.
LAGRANGE_MARGIN_S = 3.0
#: Seconds kept per place for the final check (about 1.5 times what it took on session 18's slower machine).
CHECK_SECONDS_PER_PLACE = 1e-4
#: Seconds the headcount bound is waited for even when the deadline has passed.
BOUND_GRACE_S = 10.0


def _bound_in_child() -> tuple[int, int, int, float]:
    assert _BOUND_INPUT is not None
    return timed_bound(_BOUND_INPUT, with_shifts=False)


def _shift_bound_in_child() -> tuple[int, float]:
    assert _BOUND_INPUT is not None
    deadline, evaluations = _SHIFT_LAGRANGE
    return timed_shift_bound(_BOUND_INPUT, deadline=deadline, lagrange_evaluations=evaluations)


def _start_bound(c: Compiled, lagrange: tuple[float, int]) -> _BoundJob:
    return _BoundJob(c, lagrange)


def run(
    problem: Problem,
    params: SolveParams,
    *,
    hint: Plan | None = None,
    pins: Iterable[Pin] = (),
    progress: Progress | None = None,
) -> Result:
    """Run the pipeline (see the module docstring); never raises on infeasibility."""
    started = time.perf_counter()
    deadline = started + params.time_limit_s
    stats: dict[str, float | int | str] = {}

    def report(phase: str, objective: int, bound: int, fraction: float) -> None:
        if progress is not None:
            gap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
            progress(phase, objective, bound, gap, fraction)

    c = compile_problem(problem, params.weights)
    stats["compile_s"] = round(time.perf_counter() - started, 3)
    hint_pairs = from_plan(c, hint) if hint is not None else None
    pin_pairs = {
        (c.employee_index[p.employee_id], c.need_index[p.need_id])
        for p in pins
        if p.employee_id in c.employee_index and p.need_id in c.need_index
    }
    report("compile", 0, 0, 0.05)

    # the bound does not depend on the plan: with a second process, compute it while constructing
    # each Lagrangian price point costs seconds of the core the search shares (2-3 CPU s on Asker): a preset's budget
    evaluations = 0 if params.construction_only else params.bound_lagrange_evaluations
    lagrange = (deadline - max(LAGRANGE_MARGIN_S, 0.1 * params.time_limit_s), evaluations)
    bound_job = _start_bound(c, lagrange) if params.processes > 1 else None
    t = time.perf_counter()
    if params.monolithic:  # the baseline starts from nothing but the pins
        by_need: list[list[int]] = [[] for _ in range(c.n_needs)]
        for e, n in sorted(pin_pairs):
            by_need[n].append(e)
    else:
        by_need = construct(c, pins=sorted(pin_pairs), hint=hint_pairs)
    terms = evaluate(c, by_need, hint=hint_pairs)
    stats["construct_s"] = round(time.perf_counter() - t, 3)
    stats["construct_objective"] = sum(terms.values())
    report("construct", sum(terms.values()), 0, 0.2)
    # the final check by the independent checker took at most 0.45 times the construction on Asker and 0.15 times
    # the compilation on the Oslo-like preset (bench/results), and about 65 microseconds a place on the slower
    # machine of session 18 whatever the construction's speed (small demo and Asker alike)
    final_reserve = 1.0 + max(
        0.2 * float(stats["compile_s"]),
        0.6 * float(stats["construct_s"]),
        CHECK_SECONDS_PER_PLACE * float(c.n_count.sum()),
    )
    if not params.monolithic and not params.construction_only and params.local_search_rounds > 0:
        # transfers and ejection chains take most of the extra hours the time-ordered construction leaves
        from ressursbank.solver.local_search import improve_locally

        # the CP-SAT parts are kept for open places (the local search never fills one); with every place covered
        # they found nothing on Asker that the local search does not, so it gets the whole time
        covered = all(len(people) >= int(c.n_count[n]) for n, people in enumerate(by_need))
        share = 1.0 if covered else params.local_search_share

        by_need, local_stats = improve_locally(
            c,
            by_need,
            pins=pin_pairs,
            hint=hint_pairs,
            deadline=min(started + params.time_limit_s * share, deadline - final_reserve),
            rounds=params.local_search_rounds,
            processes=params.processes,
        )
        stats.update(local_stats)
        terms = evaluate(c, by_need, hint=hint_pairs)
        stats["local_objective"] = sum(terms.values())
        report("local search", sum(terms.values()), 0, 0.25)

    t = time.perf_counter()
    # on a starved machine the headcount bound may not be done by the deadline: the plan is not held back for it
    # (beyond a short grace that small problems always meet),
    # the bound then falls back to nothing proven (0) and the places' upper bounds to the demand itself
    headcount = (
        bound_job.get(max(BOUND_GRACE_S, deadline - final_reserve - time.perf_counter()))
        if bound_job is not None
        else timed_bound(c, with_shifts=False)
    )
    if headcount is None:
        stats["headcount_bound"] = "not ready"
        headcount = (0, int(c.n_count.sum()), int(c.n_count[c.n_critical].sum()), 0.0)
    proven, total_ub, critical_ub, bound_cpu_s = headcount
    shift_inline = timed_shift_bound(c) if bound_job is None else None
    stats["places_upper_bound"] = total_ub
    stats["critical_places_upper_bound"] = critical_ub
    stats["bound_s"] = round(time.perf_counter() - t, 3)  # waited for it after the construction
    stats["bound_cpu_s"] = round(bound_cpu_s, 3)  # computing it
    report("bound", sum(terms.values()), min(proven, sum(terms.values())), 0.25)

    if params.monolithic:
        from ressursbank.solver.cpmodel import solve_monolithic

        by_need, mono_stats = solve_monolithic(
            c, by_need, params, deadline=deadline - final_reserve, hint=hint_pairs, pins=pin_pairs
        )
        stats.update(mono_stats)
    elif not params.construction_only:
        from ressursbank.solver.lns import improve

        start_objective = sum(terms.values())
        by_need, lns_stats = improve(
            c,
            by_need,
            params,
            deadline=deadline - final_reserve,
            hint=hint_pairs,
            pins=pin_pairs,
            progress=lambda gain, frac: report("improve", start_objective + gain, 0, 0.2 + 0.7 * frac),
        )
        stats.update(lns_stats)
    # the independent checker has the last word: anything it finds against a hard rule is dropped
    t = time.perf_counter()
    by_need, hard_left = repair(c, by_need, pin_pairs)
    terms = evaluate(c, by_need, hint=hint_pairs)
    stats["check_s"] = round(time.perf_counter() - t, 3)

    # the whole-shift bound: waited for until the deadline at most, not at all for the construction alone
    # (computed above with one process)
    wait_s = 0.0 if params.construction_only else deadline - time.perf_counter()
    shift = bound_job.shift(wait_s) if bound_job is not None else shift_inline
    stats["shift_bound"] = "not ready" if shift is None else shift[0]
    if shift is not None:
        proven = max(proven, shift[0])
        stats["shift_bound_cpu_s"] = round(shift[1], 3)
    bound = min(proven, sum(terms.values()))
    stats["places"] = int(c.n_count.sum())
    stats["places_filled"] = sum(min(len(p), int(c.n_count[n])) for n, p in enumerate(by_need))
    stats["critical_places"] = int(c.n_count[c.n_critical].sum())
    stats["critical_places_filled"] = sum(
        min(len(p), int(c.n_count[n])) for n, p in enumerate(by_need) if c.n_critical[n]
    )
    plan = to_plan(c, by_need)
    objective = sum(terms.values())
    if hard_left:
        status = SolveStatus.INFEASIBLE
    elif objective == bound:
        status = SolveStatus.OPTIMAL
    else:
        status = SolveStatus.FEASIBLE
    report("done", objective, bound, 1.0)
    return Result(
        status=status,
        plan=plan,
        terms=terms,
        bound=bound,
        runtime_s=time.perf_counter() - started,
        statistics=stats,
        hard_violations=hard_left,
    )
