"""A fast construction heuristic: roster one employee at a time against the cover left by the others.

Every hard rule of the benchmark concerns one employee, so each single-employee model is small and its
feasibility does not depend on the others; with the others fixed, its objective is the exact marginal cost
of that employee's roster (requests plus the change in cover penalties).
"""

from __future__ import annotations

import random
import time

from ortools.sat.python import cp_model

from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled
from ressursbank.solver.curtois.model import CurtoisModel
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.pattern import pattern_roster
from ressursbank.solver.curtois.rules import post_rules

_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


def roster_one(
    compiled: Compiled, assignment: Assignment, e: int, *, time_limit: float, seed: int
) -> Assignment | None:
    """Return ``assignment`` with employee ``e`` re-rostered at least cost, or ``None`` if none was found.

    Parameters
    ----------
    compiled
        The compiled instance.
    assignment
        The current roster; every other employee stays as it is.
    e
        The employee to roster.
    time_limit
        Seconds for the single-employee model.
    seed
        CP-SAT random seed.
    """
    free: list[range | tuple[()]] = [()] * compiled.employees
    free[e] = range(compiled.days)
    m = CurtoisModel(compiled, fixed=assignment, free=free)
    post_rules(m)
    add_objective(m)
    if any(s != OFF for s in assignment[e]):
        m.add_hint(assignment)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m.model)
    if status not in _SOLVED:
        return None
    return m.extract(solver)


def construct(compiled: Compiled, *, deadline: float, seed: int, exact: bool = True) -> Assignment | None:
    """Build a lawful roster greedily, employee by employee, before ``deadline`` (a ``time.monotonic`` value).

    Employees with the least freedom (fewest allowed cells) go first. With ``exact`` each employee gets a
    small CP-SAT model at the exact marginal cost (the pattern constructor of :mod:`.pattern` is the fallback);
    without it, the pattern constructor goes first and CP-SAT is the fallback (for year-long instances).
    Returns ``None`` when some employee could not be rostered in time.
    """
    rng = random.Random(seed)
    assignment = compiled.empty()
    order = sorted(
        range(compiled.employees),
        key=lambda e: sum(len(compiled.allowed[e][d]) > 0 for d in range(compiled.days)),
    )
    for position, e in enumerate(order):
        remaining = deadline - time.monotonic()
        share = remaining / (len(order) - position)
        result: Assignment | None = None
        if not exact or remaining <= 0:
            # Past the deadline only the fast pattern constructor runs, so the roster is still completed.
            row = pattern_roster(compiled, e, assignment, rng)
            if row is not None:
                assignment[e] = row
                continue
            if remaining <= 0:
                return None
        result = roster_one(compiled, assignment, e, time_limit=min(remaining, max(0.05, share)), seed=seed)
        if result is None and exact:
            row = pattern_roster(compiled, e, assignment, rng)
            if row is not None:
                assignment[e] = row
                continue
        if result is None:
            return None
        assignment = result
    return assignment
