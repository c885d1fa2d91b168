"""OvertimeCaps (AML § 10-6 (4)): minutes above the full-time norm per week, per 4 weeks and per year.

Also adds the overtime term of the objective (weight plus the KS overtime supplement), since both read the
same ``overtime[week] = max(0, worked - full time)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    p = c.rule_params[int(c.e_rule_set[e])]
    w = c.weights
    per_week: list[cp_model.LinearExprT] = []
    for week in range(c.weeks):
        fixed, expr, any_free = sub.week_minutes(e, week)
        full = int(c.e_full[e, week])
        if not any_free:
            per_week.append(max(0, fixed - full))
            continue
        top = fixed + sum(int(c.n_minutes[n]) for n in sub.candidates[e] if c.n_week[n] == week)
        ot = sub.model.new_int_var(0, max(0, top - full), f"ot_{e}_{week}")
        sub.model.add_max_equality(ot, [0, fixed + expr - full])
        sub.model.add(ot <= p.overtime_week)
        sub.objective.append((w.overtime_per_minute + int(c.e_overtime_ore[e]) * w.cost_per_ore) * ot)
        per_week.append(ot)
    if any(not isinstance(v, int) for v in per_week):
        for first in range(max(1, c.weeks - 3)):
            sub.model.add(sum(per_week[first : first + 4]) <= p.overtime_4_weeks)
        sub.model.add(sum(per_week) <= p.overtime_year)
