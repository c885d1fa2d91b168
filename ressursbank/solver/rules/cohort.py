"""Cohort (optional infection control): one person works at one unit per ``period_days`` block."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    days = c.rule_params[int(c.e_rule_set[e])].cohort_days
    if days <= 0:
        return
    blocks = {int(c.n_day[n]) // days for n in sub.candidates[e]}
    for block in blocks:
        fixed_units = {int(c.n_unit[n]) for n in sub.fixed[e] if int(c.n_day[n]) // days == block}
        cands = [n for n in sub.candidates[e] if int(c.n_day[n]) // days == block]
        if fixed_units:
            for n in cands:
                if int(c.n_unit[n]) not in fixed_units or len(fixed_units) > 1:
                    sub.model.add(sub.x[e, n] == 0)
            continue
        units = sorted({int(c.n_unit[n]) for n in cands})
        if len(units) < 2:
            continue
        chosen = {u: sub.model.new_bool_var(f"cohort_{e}_{block}_{u}") for u in units}
        sub.model.add_at_most_one(chosen.values())
        for n in cands:
            sub.model.add_implication(sub.x[e, n], chosen[int(c.n_unit[n])])
