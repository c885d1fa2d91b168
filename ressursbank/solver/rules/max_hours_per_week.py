"""MaxHoursPerWeek (AML § 10-6 (8)): total minutes per week (7-day block) stay within the cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    cap = c.rule_params[int(c.e_rule_set[e])].max_week
    for week in range(c.weeks):
        fixed, expr, any_free = sub.week_minutes(e, week)
        if any_free:
            sub.model.add(expr <= cap - fixed)
