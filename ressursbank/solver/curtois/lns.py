"""Large neighbourhood search: free some employees and/or days, fix the rest, re-solve, keep improvements.

Five neighbourhoods: a few employees over the whole horizon (moves work between people), every employee over
a window of days (re-balances cover locally), some employees over a window, and two induced by the cover
residuals: a costly (day, shift) cell drawn by its penalty, with either some employees who could repair it (off
or on another shift there when under-covered, on it when over-covered) over the whole horizon, or everyone over
a window of days around it. Each kind adapts its size: it grows when the sub-problem was solved to optimality in
time and shrinks when it was not.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled
from ressursbank.solver.curtois.model import CurtoisModel
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.presets import apply_preset
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


@dataclass(frozen=True, slots=True)
class LnsStats:
    """What the LNS did: iterations, accepted improvements and the final objective."""

    iterations: int
    improvements: int
    objective: int


#: Above this horizon an employee neighbourhood frees a window of ``LONG_WINDOW`` days, not the whole horizon:
#: a few year-long rows are a sub-problem CP-SAT does not even re-solve to its hint in a second (instance 24).
LONG_HORIZON = 84
LONG_WINDOW = 28


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


def _neighbourhood(kind: _Kind, compiled: Compiled, rng: random.Random, best: Assignment) -> list[range | tuple[()]]:
    n_e, n_d = compiled.employees, compiled.days
    free: list[range | tuple[()]] = [()] * n_e
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
        CP-SAT workers for each sub-problem.
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

    Returns
    -------
    tuple[Assignment, LnsStats]
        The best roster found (never worse than ``assignment``) and statistics.
    """
    rng = random.Random(seed)
    best = [row[:] for row in assignment]
    best_value = compiled.objective(best)
    n_e, n_d = compiled.employees, compiled.days
    kinds = [
        _Kind("employees", min(n_e, 3.0), 2.0, float(n_e)),
        _Kind("days", min(n_d, 7.0), 2.0, float(n_d)),
        _Kind("block", min(n_d, 14.0), 3.0, float(n_d)),
        _Kind("cover", min(n_e, 3.0), 2.0, float(n_e)),
        _Kind("cover_days", min(n_d, 7.0), 2.0, float(n_d)),
    ]
    iterations = improvements = 0
    last_build = 0.0
    while True:
        remaining = deadline - time.monotonic()
        # Building a neighbourhood costs real time on year-long instances: do not start one that cannot finish.
        if remaining < 0.05 + last_build or (stop is not None and stop()):
            break
        found = incoming() if incoming is not None else None
        if found is not None and found[0] < best_value:
            best_value, best = found[0], [row[:] for row in found[1]]
        if target is not None and best_value <= target:
            break
        kind = rng.choice(kinds)
        free = _neighbourhood(kind, compiled, rng, best)
        started = time.monotonic()
        m = CurtoisModel(compiled, fixed=best, free=free)
        post_rules(m)
        add_objective(m)
        m.add_hint(best)
        last_build = time.monotonic() - started
        solver = cp_model.CpSolver()
        # A sub-problem that took long to build deserves at least as long to solve.
        limit = min(max(sub_time_limit, last_build), deadline - time.monotonic())
        if limit < 0.05:
            break
        apply_preset(solver, "neighbourhood", time_limit=limit, workers=workers, seed=rng.randrange(1 << 30))
        status = solver.solve(m.model)
        iterations += 1
        kind.tries += 1
        logger.debug(
            "lns %s size %.1f vars %d: %s in %.2fs",
            kind.name,
            kind.size,
            len(m.x),
            solver.status_name(status),
            solver.wall_time,
        )
        improved = False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = m.extract(solver)
            value = compiled.objective(candidate)
            if value < best_value:
                improved = True
                improvements += 1
                kind.wins += 1
                best, best_value = candidate, value
                logger.info("lns %s(%.0f): %d", kind.name, kind.size, value)
                if on_improvement is not None:
                    on_improvement(value)
            elif value == best_value:
                best = candidate
        # Grow while sub-problems are solved or still pay off; shrink when they neither close nor improve.
        grow = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE) or improved
        kind.size = min(kind.high, kind.size * 1.15 + 0.3) if grow else max(kind.low, kind.size * 0.85)
    return best, LnsStats(iterations, improvements, best_value)
