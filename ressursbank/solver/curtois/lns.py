"""Large neighbourhood search: free some employees and/or days, fix the rest, re-solve, keep improvements.

Six neighbourhoods: a few employees over the whole horizon (moves work between people), every employee over
a window of days (re-balances cover locally), some employees over a window, random cells all over the roster
(CP-SAT's own random-variable neighbourhood), and two induced by the cover residuals: a costly (day, shift) cell
drawn by its penalty, with either some employees who could repair it (off or on another shift there when
under-covered, on it when over-covered) over the whole horizon, or everyone over a window of days around it.
Each kind adapts its size: it grows when the sub-problem was solved to optimality in time or improved, and
shrinks when it did neither. Kinds are drawn in proportion to their recent gain per second (with a floor), so
the search spends its time where it pays on the instance at hand. With several workers, one sub-problem per
worker is solved at once (CP-SAT releases the GIL); an improvement found on a stale incumbent is carried over
onto the new one when the employees it changes stay lawful.

Two kinds need no CP-SAT: "respond" (a pass of exact best responses, :class:`~.construct.BestResponse`) and
"chain" (ejection chains of them, :mod:`.chains`: a costly cover cell forced on or off one employee, the
employees the change affects best-responding in turn), both at the dynamic programme's speed.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ressursbank.checker.curtois import check_employee
from ressursbank.solver.curtois.chains import Chains
from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled
from ressursbank.solver.curtois.construct import BestResponse
from ressursbank.solver.curtois.model import CurtoisModel
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.presets import apply_preset
from ressursbank.solver.curtois.pricing_dp import DpPricer
from ressursbank.solver.curtois.rules import post_rules

logger = logging.getLogger(__name__)


@dataclass
class _Kind:
    name: str
    size: float
    low: float
    high: float
    tries: int = 0
    wins: int = 0
    #: Objective gained per second spent, smoothed over recent tries: the kind's share of the draws.
    rate: float = 0.0


@dataclass(frozen=True, slots=True)
class LnsStats:
    """What the LNS did: iterations, accepted improvements and the final objective."""

    iterations: int
    improvements: int
    objective: int
    #: Seconds (summed over threads) spent building sub-problem models in Python and inside CP-SAT's solve.
    build_seconds: float = 0.0
    solve_seconds: float = 0.0


#: Above this horizon an employee neighbourhood frees a window of ``LONG_WINDOW`` days, not the whole horizon:
#: a few year-long rows are a sub-problem CP-SAT does not even re-solve to its hint in a second (instance 24).
LONG_HORIZON = 84
LONG_WINDOW = 28


#: The free days of one employee in a neighbourhood.
_Days = range | tuple[int, ...]


def _horizon_part(days: int, around: int, rng: random.Random) -> range:
    """Return the whole horizon, or on long horizons a window of ``LONG_WINDOW`` days containing ``around``."""
    if days <= LONG_HORIZON:
        return range(days)
    start = min(max(0, around - rng.randrange(LONG_WINDOW)), days - LONG_WINDOW)
    return range(start, start + LONG_WINDOW)


def _penalised_cells(compiled: Compiled, assignment: Assignment) -> list[tuple[int, int, int, bool]]:
    """Return the cover cells that cost something: (penalty, day, shift, under-covered)."""
    count = [[0] * compiled.shifts for _ in range(compiled.days)]
    for row in assignment:
        for d, s in enumerate(row):
            if s != OFF:
                count[d][s] += 1
    cells = []
    for d in range(compiled.days):
        for s in range(compiled.shifts):
            gap = count[d][s] - compiled.cover_requirement[d][s]
            if gap < 0 and compiled.cover_under[d][s]:
                cells.append((-gap * compiled.cover_under[d][s], d, s, True))
            elif gap > 0 and compiled.cover_over[d][s]:
                cells.append((gap * compiled.cover_over[d][s], d, s, False))
    return cells


def _neighbourhood(kind: _Kind, compiled: Compiled, rng: random.Random, best: Assignment) -> list[_Days]:
    n_e, n_d = compiled.employees, compiled.days
    free: list[_Days] = [()] * n_e
    if kind.name in ("cover", "cover_days"):
        cells = _penalised_cells(compiled, best)
        if cells:
            # Relaxation induced by the cover residuals: a costly cell and the people who could repair it.
            _, day, shift, under = rng.choices(cells, weights=[cell[0] for cell in cells])[0]
            if kind.name == "cover_days":
                length = max(2, min(n_d, round(kind.size)))
                start = min(max(0, day - rng.randrange(length)), n_d - length)
                for e in range(n_e):
                    free[e] = range(start, start + length)
                return free
            if under:
                fixers = [e for e in range(n_e) if shift in compiled.allowed[e][day] and best[e][day] != shift]
            else:
                fixers = [e for e in range(n_e) if best[e][day] == shift]
            count = max(1, min(n_e, round(kind.size)))
            chosen = rng.sample(fixers, min(len(fixers), max(1, count // 2 + 1)))
            others = [e for e in range(n_e) if e not in chosen]
            chosen += rng.sample(others, min(len(others), count - len(chosen)))
            for e in chosen:
                free[e] = _horizon_part(n_d, day, rng)
            return free
        kind = _Kind("employees", kind.size, kind.low, kind.high)
    if kind.name == "employees":
        days = _horizon_part(n_d, rng.randrange(n_d), rng)
        for e in rng.sample(range(n_e), max(1, min(n_e, round(kind.size)))):
            free[e] = days
    elif kind.name == "scatter":
        # Random cells all over the roster (CP-SAT's own random-variable neighbourhood): many small moves at once.
        # On long horizons the cells lie in one window, as for the employee neighbourhoods.
        share = kind.size / 100
        window = _horizon_part(n_d, rng.randrange(n_d), rng)
        for e in range(n_e):
            free[e] = tuple(d for d in window if rng.random() < share)
    elif kind.name == "days":
        length = max(2, min(n_d, round(kind.size)))
        start = rng.randrange(0, n_d - length + 1)
        for e in range(n_e):
            free[e] = range(start, start + length)
    else:
        length = max(2, min(n_d, round(kind.size)))
        start = rng.randrange(0, n_d - length + 1)
        count = max(2, min(n_e, round(n_e * 0.4)))
        for e in rng.sample(range(n_e), count):
            free[e] = range(start, start + length)
    return free


def improve(
    compiled: Compiled,
    assignment: Assignment,
    *,
    deadline: float,
    workers: int,
    seed: int,
    sub_time_limit: float = 2.0,
    on_improvement: Callable[[int], None] | None = None,
    incoming: Callable[[], tuple[int, Assignment] | None] | None = None,
    stop: Callable[[], bool] | None = None,
    target: int | None = None,
    parallel: bool = True,
) -> tuple[Assignment, LnsStats]:
    """Improve ``assignment`` by LNS until ``deadline`` (a ``time.monotonic`` value).

    Parameters
    ----------
    compiled
        The compiled instance.
    assignment
        A lawful roster to start from.
    deadline
        When to stop.
    workers
        With ``parallel``, the number of sub-problems solved at once (each on one CP-SAT worker, in its own
        thread: CP-SAT releases the GIL while it solves); otherwise the CP-SAT workers of each sub-problem.
    seed
        Seed of the neighbourhood choice and of CP-SAT.
    sub_time_limit
        Upper bound on the seconds spent on one sub-problem.
    on_improvement
        Called with the new objective after each accepted improvement.
    incoming
        Polled before each iteration for a better roster found elsewhere (objective, roster), e.g. by a
        concurrent solve of the full model; adopted when better.
    stop
        Polled before each iteration; the search ends when it returns true.
    target
        A proven lower bound: the search ends once a roster reaches it.
    parallel
        Solve ``workers`` sub-problems at once instead of one sub-problem on ``workers`` CP-SAT workers.

    Returns
    -------
    tuple[Assignment, LnsStats]
        The best roster found (never worse than ``assignment``) and statistics.
    """
    threads = max(1, workers) if parallel else 1
    search = _Search(
        compiled,
        assignment,
        deadline=deadline,
        sub_workers=1 if parallel else max(1, workers),
        sub_time_limit=sub_time_limit,
        on_improvement=on_improvement,
        incoming=incoming,
        stop=stop,
        target=target,
    )
    if threads == 1:
        search.run(random.Random(seed))
    else:
        pool = [
            threading.Thread(target=search.run_logged, args=(random.Random(seed * 7919 + t),), daemon=True)
            for t in range(threads)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    logger.info(
        "lns kinds (tries/wins/size/rate): %s",
        ", ".join(f"{kind.name} {kind.tries}/{kind.wins}/{kind.size:.1f}/{kind.rate:.1f}" for kind in search.kinds),
    )
    return search.best, LnsStats(
        search.iterations, search.improvements, search.best_value, search.build_seconds, search.solve_seconds
    )


class _Search:
    """The LNS state shared by its threads: the incumbent (with a version), the kinds and the counters."""

    def __init__(
        self,
        compiled: Compiled,
        assignment: Assignment,
        *,
        deadline: float,
        sub_workers: int,
        sub_time_limit: float,
        on_improvement: Callable[[int], None] | None,
        incoming: Callable[[], tuple[int, Assignment] | None] | None,
        stop: Callable[[], bool] | None,
        target: int | None,
    ) -> None:
        self.compiled = compiled
        self.deadline = deadline
        self.sub_workers = sub_workers
        self.sub_time_limit = sub_time_limit
        self.on_improvement = on_improvement
        self.incoming = incoming
        self.stop = stop
        self.target = target
        self.lock = threading.Lock()
        self.best = [row[:] for row in assignment]
        self.best_value = compiled.objective(self.best)
        self.version = 0
        self.kinds = _kinds(compiled)
        self.iterations = self.improvements = 0
        self.build_seconds = self.solve_seconds = 0.0

    def _done(self, last_build: float) -> bool:
        remaining = self.deadline - time.monotonic()
        # Building a neighbourhood costs real time on year-long instances: do not start one that cannot finish.
        if remaining < 0.05 + last_build or (self.stop is not None and self.stop()):
            return True
        with self.lock:
            found = self.incoming() if self.incoming is not None else None
            if found is not None and found[0] < self.best_value:
                self._adopt(found[1], found[0])
            return self.target is not None and self.best_value <= self.target

    def _adopt(self, roster: Assignment, value: int) -> None:
        """Make ``roster`` the incumbent (the caller holds the lock)."""
        self.best, self.best_value = [row[:] for row in roster], value
        self.version += 1

    def run_logged(self, rng: random.Random) -> None:
        """:meth:`run` in a thread: an error ends this thread only (the others and the incumbent stay)."""
        try:
            self.run(rng)
        except Exception:
            logger.exception("an LNS thread failed; the search goes on without it")

    def run(self, rng: random.Random) -> None:
        """Draw, build and solve neighbourhoods until the deadline, a stop or the target."""
        compiled = self.compiled
        last_build = 0.0
        pricers: dict[int, DpPricer | None] = {}  # this thread's dynamic programmes (they keep per-call state)
        while not self._done(last_build):
            with self.lock:
                kind = _draw(self.kinds, rng)
                base, base_value, version = self.best, self.best_value, self.version
            if kind.name in ("respond", "chain"):
                self._respond(kind, base, base_value, version, pricers, rng)
                continue
            free = _neighbourhood(kind, compiled, rng, base)
            started = time.monotonic()
            m = CurtoisModel(compiled, fixed=base, free=free)
            post_rules(m)
            add_objective(m)
            m.add_hint(base)
            last_build = time.monotonic() - started
            solver = cp_model.CpSolver()
            # A sub-problem that took long to build deserves at least as long to solve.
            limit = min(max(self.sub_time_limit, last_build), self.deadline - time.monotonic())
            if limit < 0.05:
                break
            apply_preset(
                solver, "neighbourhood", time_limit=limit, workers=self.sub_workers, seed=rng.randrange(1 << 30)
            )
            solve_started = time.monotonic()
            status = solver.solve(m.model)
            solve_seconds = time.monotonic() - solve_started
            logger.debug(
                "lns %s size %.1f vars %d: %s in %.2fs",
                kind.name,
                kind.size,
                len(m.x),
                solver.status_name(status),
                solver.wall_time,
            )
            candidate = m.extract(solver) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
            with self.lock:
                gain = 0 if candidate is None else self._offer(candidate, base_value, version, free)
                self.iterations += 1
                self.build_seconds += last_build
                self.solve_seconds += solve_seconds
                kind.tries += 1
                if gain > 0:
                    kind.wins += 1
                spent = time.monotonic() - started
                kind.rate = RATE_MEMORY * kind.rate + (1 - RATE_MEMORY) * gain / max(spent, 1e-3)
                # Grow while sub-problems are solved or still pay off; shrink when they neither close nor improve.
                grow = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE) or gain > 0
                kind.size = min(kind.high, kind.size * 1.15 + 0.3) if grow else max(kind.low, kind.size * 0.85)

    def _respond(
        self,
        kind: _Kind,
        base: Assignment,
        base_value: int,
        version: int,
        pricers: dict[int, DpPricer | None],
        rng: random.Random,
    ) -> None:
        """The "respond" kind: exact best responses (:class:`~.construct.BestResponse`, the dynamic programme)
        for the employees in random order for up to one sub-problem's time; the "chain" kind: ejection chains of
        them (:class:`~.chains.Chains`) for as long. Offered like a solved neighbourhood."""
        started = time.monotonic()
        candidate = [row[:] for row in base]
        deadline = min(self.deadline, started + self.sub_time_limit)
        if kind.name == "chain":
            Chains(self.compiled, candidate, pricers).run(rng=rng, deadline=deadline)
        else:
            BestResponse(self.compiled, candidate, pricers).sweep(rng=rng, deadline=deadline, passes=1)
        free: list[_Days] = [
            range(self.compiled.days) if new != old else () for new, old in zip(candidate, base, strict=True)
        ]
        with self.lock:
            gain = self._offer(candidate, base_value, version, free) if any(free) else 0
            self.iterations += 1
            self.solve_seconds += time.monotonic() - started
            kind.tries += 1
            if gain > 0:
                kind.wins += 1
            kind.rate = RATE_MEMORY * kind.rate + (1 - RATE_MEMORY) * gain / max(time.monotonic() - started, 1e-3)

    def _offer(self, candidate: Assignment, base_value: int, version: int, free: list[_Days]) -> int:
        """Accept ``candidate`` (solved from the incumbent of ``version``) if it improves; return the gain.

        When another thread replaced the incumbent meanwhile, the candidate's free cells are carried over onto
        the new incumbent, kept only if every employee they change stays lawful and the objective drops.
        The caller holds the lock.
        """
        compiled = self.compiled
        value = compiled.objective(candidate)
        if version != self.version:
            if value >= base_value:
                return 0
            merged = _merge(compiled, self.best, candidate, free)
            if merged is None:
                return 0
            candidate, value = merged, compiled.objective(merged)
        if value > self.best_value:
            return 0
        gain = self.best_value - value
        if gain == 0:
            self.best = candidate  # a sideways move: same cost, another roster (diversifies)
            return 0
        self._adopt(candidate, value)
        self.improvements += 1
        logger.info("lns: %d", value)
        if self.on_improvement is not None:
            self.on_improvement(value)
        return gain


def _merge(
    compiled: Compiled, incumbent: Assignment, candidate: Assignment, free: Sequence[_Days]
) -> Assignment | None:
    """Return ``incumbent`` with the free cells of ``candidate``, or ``None`` if a changed employee breaks a rule."""
    merged = [row[:] for row in incumbent]
    changed = []
    for e, days in enumerate(free):
        row, source = merged[e], candidate[e]
        before = row[:]
        for d in days:
            row[d] = source[d]
        if row != before:
            changed.append(e)
    instance = compiled.instance
    shift_ids = [shift.id for shift in instance.shift_types]
    for e in changed:
        shifts = {d: shift_ids[s] for d, s in enumerate(merged[e]) if s != OFF}
        if next(check_employee(instance, instance.employees[e], shifts), None) is not None:
            return None
    return merged


#: How much of a kind's smoothed gain rate survives each of its tries (the rest is the latest try).
RATE_MEMORY = 0.8
#: Each kind keeps at least this share of the draws, so a kind that stopped paying can come back.
EXPLORATION = 0.1


def _kinds(compiled: Compiled) -> list[_Kind]:
    """Return the neighbourhood kinds with their starting and extreme sizes.

    Windows over every employee start at 3 days: on instance 13 (120 employees, 18 shifts) they are solved to
    optimality in about 0.3 s, while 6 days, or 4 employees over the horizon, are not solved in a second.
    """
    n_e, n_d = compiled.employees, compiled.days
    return [
        _Kind("employees", min(n_e, 2.0), 1.0, float(n_e)),
        _Kind("days", min(n_d, 3.0), 2.0, float(n_d)),
        _Kind("block", min(n_d, 7.0), 3.0, float(n_d)),
        _Kind("cover", min(n_e, 2.0), 1.0, float(n_e)),
        _Kind("cover_days", min(n_d, 3.0), 2.0, float(n_d)),
        _Kind("scatter", 10.0, 2.0, 60.0),
        _Kind("respond", 1.0, 1.0, 1.0),
        # Not on long horizons: there a forced row is a slow Lagrangian programme, and the chains lost (20, 22, 24).
        *([_Kind("chain", 1.0, 1.0, 1.0)] if n_d <= LONG_HORIZON else []),
    ]


def _draw(kinds: list[_Kind], rng: random.Random) -> _Kind:
    """Draw a kind: untried kinds first, then in proportion to the smoothed gain rate, with a floor for each."""
    untried = [kind for kind in kinds if kind.tries == 0]
    if untried:
        return untried[0]
    total = sum(kind.rate for kind in kinds)
    if total <= 0 or rng.random() < EXPLORATION * len(kinds):
        return rng.choice(kinds)
    return rng.choices(kinds, weights=[kind.rate for kind in kinds])[0]
