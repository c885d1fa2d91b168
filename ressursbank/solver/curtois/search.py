"""Solve a Curtois instance: the engine (construction, full model with hint, LNS) and the plain baseline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ortools.sat.python import cp_model

from ressursbank.domain.curtois import CurtoisInstance
from ressursbank.solver.curtois.branch import BranchResult, branch_and_price
from ressursbank.solver.curtois.colgen import ColumnGenerationResult, column_generation
from ressursbank.solver.curtois.compile import Assignment, Compiled, compile_instance
from ressursbank.solver.curtois.construct import construct
from ressursbank.solver.curtois.lns import LnsStats, improve
from ressursbank.solver.curtois.lp_guided import lp_guided_search
from ressursbank.solver.curtois.model import CurtoisModel, Formulation
from ressursbank.solver.curtois.objective import add_lower_bound, add_objective
from ressursbank.solver.curtois.presets import apply_preset
from ressursbank.solver.curtois.rules import post_rules

logger = logging.getLogger(__name__)

#: Above this horizon the per-employee CP-SAT construction is too slow; the pattern constructor goes first.
EXACT_CONSTRUCTION_MAX_DAYS = 84

Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]
Method = Literal["engine", "baseline"]


@dataclass(frozen=True, slots=True)
class CurtoisParams:
    """How to solve: wall-time budget, CP-SAT workers, seed, and the method.

    ``full_model_max_vars``: up to this many shift variables the engine solves the monolithic model, hinted
    with the constructed roster; above it, or above ``full_model_max_days`` days, construction + LNS only
    (measured at 60 s: instance 20 36120 vs 49964 with the full model, 22 158927 vs 186417).
    ``concurrent_lns_max_vars``: up to this many, the monolithic model runs on one LP-heavy worker beside our
    LNS (session 12, 60 s, load 4-7, back to back: 12 5455 vs 6017 with CP-SAT's own two-worker portfolio,
    13 12273 vs 15333, 15 5390 vs 6373, 19 7544 vs 9335). Where something else already takes a core (the
    background column generation of instance 18), or with no roster to start from, the model runs alone: up
    to ``lp_worker_max_vars`` on the max-LP worker (best bounds on 2-10), above it CP-SAT's own portfolio
    (LP worker + interleaved LNS).
    ``handover_share``: beside our LNS, a full model of more than ``lp_worker_max_vars`` variables has this
    share of the remaining time to prove its worth; if by then it has found no roster better than the LNS's
    and its bound is below ``handover_max_bound_ratio`` times the incumbent (instances 12, 13, 15, 19: bounds
    of 3-2300 against rosters of 5000+), it stops and its core goes to a second LNS thread (session 12, 60 s,
    load 6, back to back: 19 7642 vs 9554 without, 15 6264 vs 6563). Its bound so far is still reported.
    ``lns_sub_time_limit``: seconds per LNS sub-problem.

    ``colgen``: up to ``colgen_max_vars`` shift variables and ``colgen_max_days`` days (instances 4-11, 18), and
    up to ``branch_max_vars`` variables and ``branch_max_days`` days (also 14 and 16) or ``branch_wide_max_vars``
    and ``branch_wide_max_days`` (also 12), column generation runs:

    - up to ``branch_max_vars`` variables and ``branch_max_days`` days (instances 4-11, 14, 16; session 14,
      60 s, load 4.5: 14 proven optimal at 1278 in 24 s, 16 at 3228 with bound 3224, against 1395 / 1272 and
      3631 / 3197 on the full model + LNS; session 15, load 2.5-5: 11 proven optimal at 3443 in 17-21 s wall,
      9-12 CPU s, the root's restricted master IP finding the roster at its bound, against 3449 / 3443 from the
      background column generation beside the full model + LNS), with ``branch``: branch-and-price (:mod:`.branch`)
      on all pricing workers (processes for the dynamic programme, ``branch_pricing_processes``: one while our
      LNS runs beside the root, all in the tree), with reduced-cost bans of cells before the tree
      (``branch_reduced_cost_fixing``), with our LNS beside the root only (``branch_lns_during_root``; beside
      the whole tree with ``branch_beside_lns``), exchanging rosters both ways. The root has until ``branch_root_share``
      of the budget to converge; its primal steps (RINS around the LP rounding and the incumbent, a
      price-and-fix dive, the restricted master IP for ``branch_root_ip_seconds``) follow. When the incumbent
      is then within ``branch_max_gap`` of the root bound the tree runs to the deadline (measured: 5 and 6
      proven optimal standalone in 17-33 s; 7 at 1056-1058 with bound 1055); otherwise (instance 9, LP gap
      7.5 %) the full model + LNS take the rest of the budget with the root bound posted. Without ``branch``,
      the older path: column generation for up to ``colgen_share`` beside our LNS, then the full model.
    - above that (not narrow), up to ``lp_guided_var_days_per_second`` times the budget in shift variables times
      days, over at most ``lp_guided_max_days`` days (at 60 s: 450,000, instances 12, 15, 18; from 109 s also 19,
      0.82 M; from 149 s also 13, 1.12 M), with ``lp_guided``: the root column generation with our LNS beside it
      until ``lp_guided_colgen_share`` of the budget (or convergence), then the LNS from the LP's heaviest columns
      (:mod:`.lp_guided`), the root bound reported. The roots of 13 and 19 need more than half a minute, and an LP
      that far from converged guides worse (session 16, 60 s, load 5-7, nice 10: 13 5415 against 5029 on the
      full model + LNS, 19 6739 against 5330); with the budget to get close, it guides far better (150 s, load
      3.6-5.6, nice 10, back to back: 13 2716 against 3695 in 115-118 CPU s, 19 3804 against 4321 in 140-150
      CPU s, both roots still unconverged at the share: LP 1968 and 4768); near the threshold a tie (19, 120 s,
      load 2.8-3.9: 4338 in 147 CPU s against 4332 in 121). 13's root alone converges to LP 1348
      = bound 1348 (its optimum) in 44 rounds, 58.5 CPU s, 41 of them in GLOP (load 5).
      Session 16, 60 s, load 5.5-7.2 (other helpers and a 600 s benchmark running), nice 10, back to back: 15
      4594 and 4587 / 3714 (35-43 CPU s) against 5568 and 5576 / 127 (32-35 CPU s) on the full model + LNS (with
      a share of 0.65: 4887); 18 4966 and 4964 / 4418 (30-36 CPU s) against 6100 and 6284 / 4418 (32-35 CPU s)
      beside the background column generation. Instance 12 (its root bound 4040 is the optimum, but its LP is
      fractional in every employee and only 55 % of its cells integral, so RINS, the dive and the restricted
      master IP find poor rosters), session 15, 60 s, load 3.7-4.4, back to back: 4054 and 4150 (60-65 CPU s)
      against 4711 and 4637 (57-60 CPU s) through the tree's root (its primal steps, then the full model + LNS
      with the bound posted), which itself beat the full model + LNS alone in three pairs at load 4.5-5 (4728 /
      5244 / 4935 with bound 4040 against 5448 / 5441 / 5229 with bound 6). Without ``lp_guided``, 12 goes
      through the tree's root (up to ``branch_wide_max_vars`` variables over ``branch_wide_max_days`` days).
    - above ``branch_max_vars`` variables or ``branch_max_days`` days (instance 18 without ``lp_guided`` or
      below 46 s), the root column
      generation runs in the background on one pricing thread for up to ``colgen_background_share`` of the
      budget while the full model searches; its bound is reported at the end (measured at 60 s, load 4.5-5: 11
      roster 3682 bound 3443 vs 3674 bound 2 without; session 14, load 4.7-5.2: 18 5988 / 4418 vs 6290 / 28).
      Session 14 with the faster pricer, 60 s pairs at load 5-6: 12 gets its bound 4040 but the roster loses
      (5142 / 5538 vs 4829 / 5245), 15 gets 3719-3790 and loses (6180 / 5978 vs 5755 / 5674): they stay
      without (``colgen_max_vars``).
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    method: Method = "engine"
    full_model_max_vars: int = 120_000
    full_model_max_days: int = 84
    lns_sub_time_limit: float = 0.5
    concurrent_lns: bool = True
    concurrent_lns_max_vars: int = 120_000
    lp_worker_max_vars: int = 5_000
    baseline_max_terms: int = 3_000_000
    colgen: bool = True
    colgen_max_vars: int = 6_000
    colgen_max_days: int = 84
    colgen_share: float = 0.5
    branch: bool = True
    branch_root_ip_seconds: float = 3.0
    branch_lns_round: float = 3.0
    branch_beside_lns: bool = False
    branch_lns_during_root: bool = True
    branch_max_gap: float = 0.02
    branch_root_share: float = 0.6
    branch_max_vars: int = 6_000
    branch_max_days: int = 56
    branch_wide_max_vars: int = 11_000
    branch_wide_max_days: int = 28
    lp_guided: bool = True
    lp_guided_var_days_per_second: float = 7_500.0
    lp_guided_max_days: int = 84
    lp_guided_colgen_share: float = 0.5
    branch_pricing_processes: bool = True
    branch_reduced_cost_fixing: bool = True
    colgen_background_share: float = 0.8
    handover_share: float = 0.3
    handover_max_bound_ratio: float = 0.5


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress event: the phase and the best objective and bound known so far."""

    phase: str
    objective: int | None
    bound: float | None
    elapsed: float


@dataclass(frozen=True, slots=True)
class CurtoisSolution:
    """The outcome of a solve: status, best roster and its objective, the best proven bound, the runtime."""

    status: Status
    objective: int | None
    bound: float | None
    runtime: float
    roster: dict[str, dict[int, str]] = field(default_factory=dict)
    phases: tuple[str, ...] = ()


ProgressCallback = Callable[[Progress], None]


class _Keeper(cp_model.CpSolverSolutionCallback):
    """Keeps the full model's latest solution for the concurrent LNS, and reports progress."""

    def __init__(
        self,
        m: CurtoisModel,
        start: float,
        progress: ProgressCallback | None,
        *,
        target: int | None = None,
        late_bound: Callable[[], int | None] | None = None,
    ) -> None:
        super().__init__()
        self.m, self.start, self.progress, self.target = m, start, progress, target
        self.late_bound = late_bound
        self.lock = threading.Lock()
        self.latest: tuple[int, Assignment] | None = None
        self.taken = True

    def on_solution_callback(self) -> None:
        assignment = [row[:] for row in self.m.fixed]
        for (e, d, s), var in self.m.x.items():
            if self.boolean_value(var):
                assignment[e][d] = s
        value = round(self.objective_value)
        with self.lock:
            self.latest, self.taken = (value, assignment), False
        if self.progress is not None:
            self.progress(Progress("full", value, self.best_objective_bound, time.monotonic() - self.start))
        if self.late_bound is not None and (late := self.late_bound()) is not None:
            self.target = late if self.target is None else max(self.target, late)
        if self.target is not None and value <= self.target:
            self.stop_search()  # a roster at a proven lower bound is optimal

    def take(self) -> tuple[int, Assignment] | None:
        with self.lock:
            if self.taken:
                return None
            self.taken = True
            return self.latest


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, phase: str, start: float, progress: ProgressCallback) -> None:
        super().__init__()
        self.phase, self.start, self.progress = phase, start, progress

    def on_solution_callback(self) -> None:
        self.progress(
            Progress(
                self.phase,
                round(self.objective_value),
                self.best_objective_bound,
                time.monotonic() - self.start,
            )
        )


def _full_model(
    compiled: Compiled,
    *,
    formulation: Formulation,
    preset: str,
    time_limit: float,
    workers: int,
    seed: int,
    hint: Assignment | None,
    phase: str,
    start: float,
    progress: ProgressCallback | None,
) -> tuple[Status, Assignment | None, float | None]:
    m = CurtoisModel(compiled, formulation=formulation)
    post_rules(m)
    add_objective(m)
    if hint is not None:
        m.add_hint(hint)
    solver = cp_model.CpSolver()
    apply_preset(solver, preset, time_limit=time_limit, workers=workers, seed=seed)
    callback = _Reporter(phase, start, progress) if progress is not None else None
    status = solver.solve(m.model, callback)
    name: Status = {
        cp_model.OPTIMAL: "OPTIMAL",
        cp_model.FEASIBLE: "FEASIBLE",
        cp_model.INFEASIBLE: "INFEASIBLE",
    }.get(status, "UNKNOWN")  # type: ignore[assignment]
    if name in ("OPTIMAL", "FEASIBLE"):
        return name, m.extract(solver), solver.best_objective_bound
    return name, None, None


def solve_curtois(
    instance: CurtoisInstance, params: CurtoisParams | None = None, *, progress: ProgressCallback | None = None
) -> CurtoisSolution:
    """Solve ``instance`` within ``params.time_limit`` seconds.

    Parameters
    ----------
    instance
        The benchmark instance.
    params
        Budget, workers, seed and method (``"engine"`` or the plain monolithic ``"baseline"``).
    progress
        Called on each improving solution.

    Returns
    -------
    CurtoisSolution
        Never raises on infeasibility: the status says what was found; ``bound`` is the best proven lower
        bound, or ``None`` when no monolithic model was solved.
    """
    params = params or CurtoisParams()
    start = time.monotonic()
    deadline = start + params.time_limit
    compiled = compile_instance(instance)

    def report(phase: str, value: int | None, bound: float | None) -> None:
        if progress is not None:
            progress(Progress(phase, value, bound, time.monotonic() - start))

    if params.method == "baseline":
        if _plain_size(compiled) > params.baseline_max_terms:
            # Python would spend the whole budget (and gigabytes) building this model; report that honestly.
            logger.warning("baseline model of %s too large to build", instance.name)
            return _solution(compiled, "UNKNOWN", None, None, start, ("baseline-too-large",))
        plain_status, plain_found, plain_bound = _full_model(
            compiled,
            formulation="plain",
            preset="baseline",
            time_limit=max(0.01, deadline - time.monotonic()),
            workers=params.workers,
            seed=params.seed,
            hint=None,
            phase="baseline",
            start=start,
            progress=progress,
        )
        return _solution(compiled, plain_status, plain_found, plain_bound, start, ("baseline",))

    phases: list[str] = []
    size = sum(len(cell) for row in compiled.allowed for cell in row)
    full = size <= params.full_model_max_vars and compiled.days <= params.full_model_max_days
    # With a monolithic model the construction only seeds the hint, so it gets a small slice of the budget.
    build_share = 0.1 if full else 0.6
    best = construct(
        compiled,
        deadline=start + build_share * params.time_limit,
        seed=params.seed,
        exact=full and compiled.days <= EXACT_CONSTRUCTION_MAX_DAYS,
    )
    if best is not None:
        phases.append("construct")
        report("construct", compiled.objective(best), None)
    lower_bound: int | None = None
    tree = params.colgen and params.branch and full
    narrow = size <= params.branch_max_vars and compiled.days <= params.branch_max_days
    wide = not narrow and size <= params.branch_wide_max_vars and compiled.days <= params.branch_wide_max_days
    lp_route = (
        params.colgen
        and params.lp_guided
        and full
        and not narrow
        and size * compiled.days <= params.lp_guided_var_days_per_second * params.time_limit
        and compiled.days <= params.lp_guided_max_days
    )
    if lp_route and best is not None:
        # The root LP's bound is (nearly) the optimum but its LP is fractional everywhere: the LNS from its
        # heaviest columns (:mod:`.lp_guided`) finds far better rosters than the tree's primal steps (instance 12)
        # or the full model + LNS (15, 18).
        phases += ["colgen", "lp-guided"]
        guided = lp_guided_search(
            compiled,
            best,
            deadline=deadline,
            workers=params.workers,
            seed=params.seed,
            colgen_deadline=start + params.lp_guided_colgen_share * params.time_limit,
        )
        best, guided_bound = guided.assignment, guided.lower_bound
        report("lp-guided", guided.objective, guided_bound)
        if guided_bound is not None and guided_bound > guided.objective:
            logger.error("colgen bound %d above a roster of %d: ignored", guided_bound, guided.objective)
            guided_bound = None
        proven = guided_bound is not None and guided.objective <= guided_bound
        # an unconverged root's Lagrangian bound can be far below zero; every objective is at least 0
        bound = None if guided_bound is None else float(max(0, guided_bound))
        return _solution(compiled, "OPTIMAL" if proven else "FEASIBLE", best, bound, start, tuple(phases))
    tree = tree and (narrow or wide)
    colgen = tree or (
        params.colgen and full and size <= params.colgen_max_vars and compiled.days <= params.colgen_max_days
    )
    if colgen and not tree and (params.branch or size > params.branch_max_vars) and best is not None:
        # Too large for a tree in the budget: the root column generation runs in the background for its bound
        # (one pricing thread) while the full model searches for rosters; the bound is reported at the end.
        phases.append("colgen")
        background = _BackgroundBound(
            compiled, best, deadline=start + params.colgen_background_share * params.time_limit
        )
        phases.append("full")
        status, best, bound = _portfolio(
            compiled, best, params, deadline=deadline, start=start, progress=progress, late_bound=background.bound
        )
        late = background.join()
        if best is not None and late is not None:
            value = compiled.objective(best)
            if late > value:
                logger.error("colgen bound %d above a lawful roster's objective %d: ignored", late, value)
            else:
                bound = float(late) if bound is None else max(bound, float(late))
                if value <= bound + 1e-6:
                    status = "OPTIMAL"
        return _solution(compiled, status, best, bound, start, tuple(phases))
    if tree and best is not None:
        phases += ["colgen", "branch"]
        best, lower_bound, proven = _branch_and_price(
            compiled, best, params, start=start, deadline=deadline, progress=progress
        )
        report("branch", compiled.objective(best), lower_bound)
        if proven or (lower_bound is not None and compiled.objective(best) <= lower_bound):
            return _solution(compiled, "OPTIMAL", best, float(lower_bound or 0), start, tuple(phases))
        if time.monotonic() >= deadline - 0.5:
            bound = None if lower_bound is None else float(lower_bound)
            return _solution(compiled, "FEASIBLE", best, bound, start, tuple(phases))
    elif colgen:
        phases.append("colgen")
        best, lower_bound = _column_generation(
            compiled,
            best,
            params,
            start=start,
            deadline=start + params.colgen_share * params.time_limit,
            beside_lns=params.concurrent_lns,
            progress=progress,
        )
        report("colgen", None if best is None else compiled.objective(best), lower_bound)
        if best is not None and lower_bound is not None and compiled.objective(best) <= lower_bound:
            return _solution(compiled, "OPTIMAL", best, float(lower_bound), start, tuple(phases))
    if full:
        concurrent = (
            best is not None
            and params.workers >= 2
            and params.concurrent_lns
            and size <= params.concurrent_lns_max_vars
        )
        phases.append("full+lns" if concurrent else "full")
        status, best, bound = _portfolio(
            compiled, best, params, deadline=deadline, start=start, progress=progress, lower_bound=lower_bound
        )
        return _solution(compiled, status, best, bound, start, tuple(phases))
    if best is None:
        return _solution(compiled, "UNKNOWN", None, None, start, tuple(phases))
    phases.append("lns")
    best, stats = improve(
        compiled,
        best,
        deadline=deadline,
        workers=params.workers,
        seed=params.seed,
        sub_time_limit=params.lns_sub_time_limit,
        on_improvement=lambda value: report("lns", value, None),
    )
    logger.info("lns: %d iterations, %d improvements", stats.iterations, stats.improvements)
    return _solution(compiled, "FEASIBLE", best, None, start, tuple(phases))


class _BackgroundBound:
    """The root column generation of :mod:`.colgen` in a daemon thread on one pricing thread, for its bound."""

    def __init__(self, compiled: Compiled, best: Assignment, *, deadline: float) -> None:
        self._result: list[ColumnGenerationResult] = []

        def run() -> None:
            try:
                self._result.append(
                    column_generation(
                        compiled,
                        deadline=deadline,
                        workers=1,
                        initial_rosters=best,
                        master_ip_seconds=0.0,
                        dive_seconds=0.0,
                    )
                )
            except Exception:  # the bound is an extra: a failure there must not cost the roster
                logger.exception("column generation failed; continuing without its bound")

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def bound(self) -> int | None:
        """Return the proven bound once column generation has ended, else ``None``."""
        return self._result[0].lower_bound if self._result else None

    def join(self) -> int | None:
        self._thread.join()
        if self._result:
            result = self._result[0]
            logger.info("colgen (background): bound %s, converged %s", result.lower_bound, result.converged)
        return self.bound()


class _Exchange:
    """Rosters passed between branch-and-price (a thread) and our LNS (the caller's thread), under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.from_lns: tuple[int, Assignment] | None = None
        self.from_tree: tuple[int, Assignment] | None = None
        self.tree_taken = True

    def lns_found(self, value: int, roster: Assignment) -> None:
        with self.lock:
            if self.from_lns is None or value < self.from_lns[0]:
                self.from_lns = (value, [row[:] for row in roster])

    def tree_found(self, value: int, roster: Assignment) -> None:
        with self.lock:
            if self.from_tree is None or value < self.from_tree[0]:
                self.from_tree, self.tree_taken = (value, [row[:] for row in roster]), False

    def for_tree(self) -> tuple[int, Assignment] | None:
        with self.lock:
            return self.from_lns

    def for_lns(self) -> tuple[int, Assignment] | None:
        with self.lock:
            if self.tree_taken:
                return None
            self.tree_taken = True
            return self.from_tree


def _branch_and_price(
    compiled: Compiled,
    best: Assignment,
    params: CurtoisParams,
    *,
    start: float,
    deadline: float,
    progress: ProgressCallback | None,
) -> tuple[Assignment, int | None, bool]:
    """Branch-and-price (:mod:`.branch`) in a thread on ``workers - 1`` pricing threads, our LNS on the other core.

    The two exchange rosters: the LNS adopts every better roster of the tree (LP roundings, integral nodes,
    the restricted master IP), and the tree adopts the LNS's (as incumbent for pruning and as columns). The LNS
    runs in short rounds so its roster can be handed over (``improve`` reports only values while it runs).
    Returns the best roster, the proven lower bound and whether the tree proved the roster optimal.
    """
    exchange = _Exchange()
    exchange.lns_found(compiled.objective(best), best)
    outcome: list[BranchResult] = []
    beside = params.branch_beside_lns and params.workers >= 2
    # Pricing processes share the cores with the LNS beside the tree (the tree waits on them); threads would not.
    pricing_threads = max(1, params.workers - 1) if beside and not params.branch_pricing_processes else params.workers
    root_done = threading.Event()
    # Our LNS beside the root keeps one core: the root prices on the other, the tree on all of them.
    lns_beside_root = params.branch_lns_during_root and not beside and pricing_threads > 1
    root_processes = pricing_threads - 1 if lns_beside_root else None

    def run() -> None:
        try:
            outcome.append(
                branch_and_price(
                    compiled,
                    deadline=deadline,
                    workers=pricing_threads,
                    initial_rosters=[best],
                    incumbent=exchange.for_tree,
                    on_roster=exchange.tree_found,
                    root_ip_seconds=min(params.branch_root_ip_seconds, 0.1 * params.time_limit),
                    max_gap=params.branch_max_gap,
                    root_deadline=start + params.branch_root_share * params.time_limit,
                    on_root=root_done.set,
                    pricing_processes=params.branch_pricing_processes,
                    reduced_cost_fixing=params.branch_reduced_cost_fixing,
                    root_processes=root_processes,
                )
            )
        except Exception:  # the tree is an extra: a failure there must not cost the roster
            logger.exception("branch-and-price failed; continuing without its bound")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if beside or (params.branch_lns_during_root and params.workers >= 2):
        # Beside the whole tree, or only while the root's column generation runs (the tree then gets both
        # cores): the root takes 5-35 s on 7-12, and without a search beside it the roster would wait.
        round_number = 0

        def over() -> bool:
            return not thread.is_alive() or (not beside and root_done.is_set())

        while not over() and time.monotonic() < deadline - 0.05:
            best, _ = improve(
                compiled,
                best,
                deadline=min(deadline, time.monotonic() + params.branch_lns_round),
                workers=1,
                seed=params.seed + round_number,
                sub_time_limit=params.lns_sub_time_limit,
                on_improvement=(
                    None
                    if progress is None
                    else lambda value: progress(Progress("lns", value, None, time.monotonic() - start))
                ),
                incoming=exchange.for_lns,
                stop=over,
            )
            exchange.lns_found(compiled.objective(best), best)
            round_number += 1
    thread.join()
    found = exchange.for_lns()
    if found is not None and found[0] < compiled.objective(best):
        best = found[1]
    if not outcome:
        return best, None, False
    result = outcome[0]
    logger.info(
        "branch-and-price: root bound %s (%.1fs), bound %s, %d nodes, proven %s, roster %s",
        result.root_bound,
        result.root_seconds,
        result.lower_bound,
        result.nodes,
        result.proven,
        result.objective,
    )
    if result.assignment is not None and compiled.objective(result.assignment) < compiled.objective(best):
        best = result.assignment
    lower_bound = result.lower_bound
    value = compiled.objective(best)
    if lower_bound is not None and value < lower_bound:
        logger.error("branch-and-price bound %d above a lawful roster's objective %d: ignored", lower_bound, value)
        return best, None, False
    proven = result.proven and result.objective is not None and value <= result.objective
    return best, lower_bound, proven


def _column_generation(
    compiled: Compiled,
    best: Assignment | None,
    params: CurtoisParams,
    *,
    start: float,
    deadline: float,
    beside_lns: bool,
    progress: ProgressCallback | None,
) -> tuple[Assignment | None, int | None]:
    """Run column generation until ``deadline``; return the better roster and the proven bound.

    With ``beside_lns`` (two workers or more and a roster), column generation runs in a thread on
    ``workers - 1`` pricing threads while our LNS improves the roster on the other core.
    """
    outcome: list[ColumnGenerationResult] = []

    def run(workers: int) -> None:
        try:
            outcome.append(
                column_generation(
                    compiled,
                    deadline=deadline,
                    workers=workers,
                    initial_rosters=best,
                    master_ip_seconds=min(3.0, 0.05 * params.time_limit),
                )
            )
        except Exception:  # the bound is an extra: a failure there must not cost the roster
            logger.exception("column generation failed; continuing without its bound")

    if beside_lns and best is not None and params.workers >= 2:
        thread = threading.Thread(target=run, args=(params.workers - 1,), daemon=True)
        thread.start()
        best, stats = _lns_beside(compiled, best, params, thread, start=start, deadline=deadline, progress=progress)
        logger.info("lns beside colgen: %d iterations, %d improvements", stats.iterations, stats.improvements)
        thread.join()
    else:
        run(params.workers)
    if not outcome:
        return best, None
    result = outcome[0]
    logger.info(
        "colgen: bound %s, lp %s, converged %s, roster %s in %.1fs",
        result.lower_bound,
        result.lp_value,
        result.converged,
        result.objective,
        result.elapsed,
    )
    if result.assignment is not None and (
        best is None or compiled.objective(result.assignment) < compiled.objective(best)
    ):
        best = result.assignment
    lower_bound = result.lower_bound
    if lower_bound is not None and best is not None and compiled.objective(best) < lower_bound:
        # A lawful roster below a "proven" bound means the bound is wrong: never report it.
        logger.error("colgen bound %d above a lawful roster's objective: ignored", lower_bound)
        lower_bound = None
    return best, lower_bound


def _portfolio(
    compiled: Compiled,
    best: Assignment | None,
    params: CurtoisParams,
    *,
    deadline: float,
    start: float,
    progress: ProgressCallback | None,
    lower_bound: int | None = None,
    late_bound: Callable[[], int | None] | None = None,
    beside_lns: bool = True,
) -> tuple[Status, Assignment | None, float | None]:
    """Solve the monolithic model in a thread (bound + solutions) while the LNS improves on one core.

    ``late_bound``: polled on each solution for a proven bound that arrives during the search (column
    generation in the background); the search stops when a roster reaches it.

    The two share solutions one way: the LNS adopts every better roster the full model finds. The full model
    gets ``workers - 1`` CP-SAT workers; with a single worker there is no LNS. A proven ``lower_bound`` is
    posted on the model, and both stop once a roster reaches it.
    """
    m = CurtoisModel(compiled)
    post_rules(m)
    add_objective(m)
    if lower_bound is not None:
        add_lower_bound(m, lower_bound)
    if best is not None:
        m.add_hint(best)
    size = len(m.x)
    solver = cp_model.CpSolver()
    lns = (
        beside_lns
        and best is not None
        and params.workers >= 2
        and params.concurrent_lns
        and size <= params.concurrent_lns_max_vars
    )
    apply_preset(
        solver,
        "portfolio" if lns else "full" if best is None or size <= params.lp_worker_max_vars else "default",
        time_limit=max(0.01, deadline - time.monotonic()),
        workers=max(1, params.workers - 1) if lns else params.workers,
        seed=params.seed,
    )
    keeper = _Keeper(m, start, progress, target=lower_bound, late_bound=late_bound)
    live_bound: list[float] = []
    solver.best_bound_callback = live_bound.append
    outcome: list[cp_model.CpSolverStatus] = []
    thread = threading.Thread(target=lambda: outcome.append(solver.solve(m.model, keeper)), daemon=True)
    thread.start()
    if lns and best is not None:
        useful = [0]

        def incoming() -> tuple[int, Assignment] | None:
            found = keeper.take()
            if found is not None and found[0] < lns_value[0]:
                useful[0] += 1
            return found

        lns_value = [compiled.objective(best)]
        # On 14, 16, 18 the LP worker's bound rises late and is worth keeping: only larger models may hand over.
        large = size > params.lp_worker_max_vars and params.handover_share < 1
        checkpoint = time.monotonic() + params.handover_share * max(0.0, deadline - time.monotonic())
        best, stats = _lns_beside(
            compiled,
            best,
            params,
            thread,
            start=start,
            deadline=checkpoint if large else deadline,
            progress=progress,
            incoming=incoming,
            target=lower_bound,
            on_value=lambda value: lns_value.__setitem__(0, value),
        )
        value = compiled.objective(best)
        known_bound = max(live_bound[-1] if live_bound else 0.0, float(lower_bound or 0))
        weak = known_bound < params.handover_max_bound_ratio * value
        more: LnsStats | None = None
        if large and thread.is_alive() and time.monotonic() < deadline - 0.05 and not useful[0] and weak:
            # The full model gave no better roster and its bound proves little: its core goes to a second LNS
            # thread (instances 12, 13, 15, 19). Its bound so far stays valid and is reported.
            solver.stop_search()
            thread.join()
            logger.info("full model handed its core to the LNS at %.1fs", time.monotonic() - start)
            best, more = improve(
                compiled,
                best,
                deadline=deadline,
                workers=params.workers,
                seed=params.seed + 1,
                sub_time_limit=params.lns_sub_time_limit,
                on_improvement=lambda found: _announce(found, progress, None, start),
                target=lower_bound,
            )
        elif large and thread.is_alive():
            best, more = _lns_beside(
                compiled,
                best,
                params,
                thread,
                start=start,
                deadline=deadline,
                progress=progress,
                incoming=keeper.take,
                target=lower_bound,
            )
        if more is not None:
            stats = LnsStats(stats.iterations + more.iterations, stats.improvements + more.improvements, more.objective)
        logger.info("lns: %d iterations, %d improvements", stats.iterations, stats.improvements)
        solver.stop_search()
    thread.join()
    status = outcome[0] if outcome else cp_model.UNKNOWN
    if status == cp_model.INFEASIBLE:
        return "INFEASIBLE", None, None
    if keeper.latest is not None and (best is None or keeper.latest[0] <= compiled.objective(best)):
        best = keeper.latest[1]
    if best is None:
        return "UNKNOWN", None, None
    bound = solver.best_objective_bound if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    if lower_bound is not None:
        bound = float(lower_bound) if bound is None else max(bound, float(lower_bound))
    if bound is not None and compiled.objective(best) <= bound + 1e-6:
        return "OPTIMAL", best, bound
    return "FEASIBLE", best, bound


def _plain_size(compiled: Compiled) -> int:
    """Estimate the terms of the plain model; its pairwise forbidden successions dominate."""
    pairs = sum(len(successors) for successors in compiled.forbidden_next)
    cells = sum(len(cell) for row in compiled.allowed for cell in row)
    return cells + 2 * pairs * compiled.employees * compiled.days


def _solution(
    compiled: Compiled,
    status: Status,
    assignment: Assignment | None,
    bound: float | None,
    start: float,
    phases: tuple[str, ...],
) -> CurtoisSolution:
    if assignment is None:
        return CurtoisSolution(status, None, bound, time.monotonic() - start, {}, phases)
    return CurtoisSolution(
        status,
        compiled.objective(assignment),
        bound,
        time.monotonic() - start,
        compiled.to_roster(assignment),
        phases,
    )


def _lns_beside(
    compiled: Compiled,
    best: Assignment,
    params: CurtoisParams,
    thread: threading.Thread,
    *,
    start: float,
    deadline: float,
    progress: ProgressCallback | None,
    incoming: Callable[[], tuple[int, Assignment] | None] | None = None,
    target: int | None = None,
    on_value: Callable[[int], None] | None = None,
) -> tuple[Assignment, LnsStats]:
    """Our LNS on one core while ``thread`` (column generation or the full model) works; stops when it ends."""
    return improve(
        compiled,
        best,
        deadline=deadline,
        workers=1,
        seed=params.seed,
        sub_time_limit=params.lns_sub_time_limit,
        on_improvement=lambda value: _announce(value, progress, on_value, start),
        incoming=incoming,
        stop=lambda: not thread.is_alive(),
        target=target,
    )


def _announce(
    value: int, progress: ProgressCallback | None, on_value: Callable[[int], None] | None, start: float
) -> None:
    """An LNS improvement: tell ``on_value`` (the handover's watch on the LNS) and the progress callback."""
    if on_value is not None:
        on_value(value)
    if progress is not None:
        progress(Progress("lns", value, None, time.monotonic() - start))
