"""PositionNorm (AML § 14-3): hours beyond the position, up to full time, only for those who want them.

``extra[week] = max(0, min(worked, full time) - contract)``; a hard rule forbids it, a warning costs
``cost * extra // 60`` (cost per hour, counted by the minute); people who want more hours work it for free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    p = c.rule_params[int(c.e_rule_set[e])]
    if p.position_volunteers_free and c.e_volunteer[e]:
        return
    if not p.position_hard and p.position_cost_per_hour == 0:
        return
    for week in range(c.weeks):
        fixed, expr, any_free = sub.week_minutes(e, week)
        if not any_free:
            continue
        full, contract = int(c.e_full[e, week]), int(c.e_contract[e, week])
        top = fixed + sum(int(c.n_minutes[n]) for n in sub.candidates[e] if c.n_week[n] == week)
        capped = sub.model.new_int_var(0, max(full, top), f"capped_{e}_{week}")
        sub.model.add_min_equality(capped, [fixed + expr, full])
        extra = sub.model.new_int_var(0, max(0, full - contract), f"extra_{e}_{week}")
        sub.model.add_max_equality(extra, [0, capped - contract])
        if p.position_hard:
            sub.model.add(extra == 0)
        elif p.position_cost_per_hour % 60 == 0:
            sub.objective.append(p.position_cost_per_hour // 60 * extra)
        else:
            penalty = sub.model.new_int_var(0, p.position_cost_per_hour * max(0, full - contract), f"pos_{e}_{week}")
            sub.model.add_division_equality(penalty, p.position_cost_per_hour * extra, 60)
            sub.objective.append(penalty)
