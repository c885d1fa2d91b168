"""Build and solve one CP-SAT (sub)model from the rules: the whole data set or a neighbourhood of it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from ressursbank.solver.timefold.compile import Compiled
from ressursbank.solver.timefold.rules import RULES, Rule, Weights
from ressursbank.solver.timefold.submodel import SubModel


def build_submodel(
    compiled: Compiled,
    free: Sequence[int],
    group: Sequence[int],
    assign: npt.NDArray[np.int64],
    weights: Weights,
    *,
    kept: dict[int, list[int]] | None = None,
    allow_unassigned: bool = True,
    rules: Sequence[Rule] = RULES,
) -> SubModel:
    """Build the model that reassigns ``free`` shifts among ``group`` employees.

    Parameters
    ----------
    compiled
        The compiled data set.
    free
        Shifts to (re)assign; their current holders must be in ``group`` or they are unassigned.
    group
        Employees that may take free shifts.
    assign
        The current roster: shift -> employee index, ``-1`` when unassigned.
    weights
        Objective weights.
    kept
        Per group employee, the shifts it keeps; computed from ``assign`` when omitted.
    allow_unassigned
        When true, a free shift may stay unassigned at ``weights.unassigned``; otherwise it must be taken.
    rules
        The rules to apply (all of them unless a test says otherwise).

    Returns
    -------
    SubModel
        The model, its variables and its objective (already set); the hint is the current roster.
    """
    if kept is None:
        free_set = set(free)
        group_set = set(group)
        kept = {e: [] for e in group}
        for s in np.flatnonzero(assign >= 0):
            e = int(assign[s])
            if e in group_set and int(s) not in free_set:
                kept[e].append(int(s))
    sub = SubModel(compiled=compiled, free=free, group=group, fixed=kept)
    model = sub.model
    for employee in group:
        checks = [r.allows(compiled, employee, kept.get(employee, [])) for r in rules if r.allows is not None]
        pairs: list[tuple[int, cp_model.IntVar]] = []
        for shift in free:
            if all(check(shift) for check in checks):
                var = model.new_bool_var(f"x_{shift}_{employee}")
                sub.x[shift, employee] = var
                pairs.append((shift, var))
        sub.by_employee[employee] = pairs
    takers: dict[int, list[cp_model.IntVar]] = {s: [] for s in free}
    for (shift, _), var in sub.x.items():
        takers[shift].append(var)
    for shift in free:
        if allow_unassigned:
            u = model.new_bool_var(f"u_{shift}")
            sub.unassigned[shift] = u
            model.add_exactly_one([*takers[shift], u])
            sub.terms.append(("unassigned", weights.unassigned, u))
        else:
            model.add_exactly_one(takers[shift])
    for rule in rules:
        if rule.post is not None:
            rule.post(sub, weights)
    model.minimize(sum(coef * var for _, coef, var in sub.terms))
    for (shift, employee), var in sub.x.items():
        model.add_hint(var, int(assign[shift]) == employee)
    for shift, u in sub.unassigned.items():
        model.add_hint(u, int(assign[shift]) < 0)
    for employee, (count, square) in sub.balance.items():
        n = len(kept.get(employee, ())) + sum(1 for s in free if int(assign[s]) == employee)
        model.add_hint(count, n)
        model.add_hint(square, n * n)
    return sub


def solve_submodel(sub: SubModel, *, time_limit: float, workers: int, seed: int) -> tuple[str, dict[int, int] | None]:
    """Solve ``sub`` and return its status name and the new holder of each free shift (-1: unassigned).

    Parameters
    ----------
    sub
        The model.
    time_limit
        Seconds.
    workers
        CP-SAT search workers.
    seed
        CP-SAT random seed.

    Returns
    -------
    tuple
        ``(status name, shift -> employee or None when no solution was found)``.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Neighbourhoods are small and start from a complete hint: symmetry detection, probing and a hint-guided
    # search cost more than they save (measured: about 2.5x faster to optimality on X5 neighbourhoods).
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.hint_conflict_limit = 0
    status = solver.solve(sub.model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return name, None
    result = dict.fromkeys(sub.free, -1)
    for (shift, employee), var in sub.x.items():
        if solver.boolean_value(var):
            result[shift] = employee
    return name, result
