"""The published objective on a :class:`~.model.CurtoisModel`: request weights and cover under/over weights.

Terms from fixed cells are folded into the constant offset, so the model's objective value is always the
objective of the whole roster, exactly as the checker computes it.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from ressursbank.solver.curtois.compile import OFF
from ressursbank.solver.curtois.model import CurtoisModel


def add_objective(m: CurtoisModel) -> None:
    """Minimise shift on/off request penalties plus cover under/over penalties on ``m``."""
    c = m.compiled
    constant = c.request_constant
    variables: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    fixed_count = [[0] * c.shifts for _ in range(c.days)]
    for e in range(c.employees):
        row = m.fixed[e]
        for d in range(c.days):
            if m.is_free(e, d):
                continue
            s = row[d]
            if s != OFF:
                fixed_count[d][s] += 1
                constant += c.request_cost[e][d].get(s, 0)
    for (e, d, s), var in m.x.items():
        cost = c.request_cost[e][d].get(s, 0)
        if cost:
            variables.append(var)
            coefficients.append(cost)
    for d in range(c.days):
        for s in range(c.shifts):
            requirement, known = c.cover_requirement[d][s], fixed_count[d][s]
            under_w, over_w = c.cover_under[d][s], c.cover_over[d][s]
            free = m.by_cover.get((d, s), [])
            if not free:
                gap = known - requirement
                constant += gap * over_w if gap > 0 else -gap * under_w
                continue
            count = cp_model.LinearExpr.sum(free)
            if under_w and requirement - known > 0:
                under = m.model.new_int_var(0, requirement - known, f"under{d}_{s}")
                m.model.add(under >= requirement - known - count)
                m.cover_slacks.append((d, s, under, True))
                variables.append(under)
                coefficients.append(under_w)
            if over_w and known + len(free) - requirement > 0:
                over = m.model.new_int_var(0, known + len(free) - requirement, f"over{d}_{s}")
                m.model.add(over >= known - requirement + count)
                m.cover_slacks.append((d, s, over, False))
                variables.append(over)
                coefficients.append(over_w)
    m.objective_constant = constant
    m.objective_expression = cp_model.LinearExpr.weighted_sum(variables, coefficients) + constant
    m.model.minimize(m.objective_expression)


def add_lower_bound(m: CurtoisModel, lower_bound: int) -> None:
    """Post ``objective >= lower_bound`` (a proven bound, e.g. from column generation) on ``m``.

    Redundant for the optimum, it lifts CP-SAT's own bound at once, so the solver stops as soon as it finds a
    roster at that value.
    """
    if m.objective_expression is not None:
        m.model.add(m.objective_expression >= lower_bound)
