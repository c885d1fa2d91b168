"""MaxHoursPerDay (AML § 10-6 (8)): total minutes of shifts starting on one day stay within the cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    cap = c.rule_params[int(c.e_rule_set[e])].max_day
    days = {int(c.n_day[n]) for n in sub.candidates[e]}
    for d in days:
        fixed = sum(int(c.n_minutes[n]) for n in sub.fixed[e] if c.n_day[n] == d)
        cands = [n for n in sub.candidates[e] if c.n_day[n] == d]
        if fixed + sum(int(c.n_minutes[n]) for n in cands) > cap:
            sub.model.add(sum(int(c.n_minutes[n]) * sub.x[e, n] for n in cands) <= cap - fixed)
