"""The engine's own objective, computed from compiled integers (it must equal the checker's, to the unit).

The terms and their order are documented in docs/objective.md; ``cpmodel`` builds the same terms as CP-SAT
expressions. ``evaluate`` is used to accept or reject large-neighbourhood moves and to report the objective by term.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ressursbank.checker.roster import OBJECTIVE_TERMS
from ressursbank.solver.compile import Compiled


def per_employee(c: Compiled, by_need: Sequence[Sequence[int]]) -> list[list[int]]:
    """Invert need -> employees into employee -> needs (in time order)."""
    out: list[list[int]] = [[] for _ in range(c.n_employees)]
    for n, people in enumerate(by_need):
        for e in people:
            out[e].append(n)
    for needs in out:
        needs.sort(key=lambda n: (int(c.n_start[n]), n))
    return out


def employee_terms(c: Compiled, e: int, needs: Sequence[int], terms: dict[str, int]) -> None:
    """Add employee ``e``'s part of the objective (everything except unmet, warnings of other kinds, changes)."""
    if not needs:
        return
    w = c.weights
    p = c.rule_params[int(c.e_rule_set[e])]
    home = int(c.e_home[e])
    per_week = [0] * c.weeks
    unsocial = unwanted = cost = 0
    away = outside = False
    sundays: set[int] = set()
    for n in needs:
        m, u = int(c.n_minutes[n]), int(c.n_unit[n])
        per_week[int(c.n_week[n])] += m
        cost += int(c.e_wage[e]) * m * 100 // 60 + int(c.n_supplement[int(c.e_rule_set[e]), n])
        if u != home:
            away = True
            terms["travel"] += w.travel_per_km * int(c.unit_km[home, u])
            if c.u_kind[u] not in c.e_willing[e]:
                unwanted += 1
            if p.travel_cost:
                over = max(0, int(np.ceil(c.unit_distance[home, u] - c.e_travel_limit[e] - 1e-9)))
                terms["warnings"] += p.travel_cost * over
        if c.u_sector[u] != c.e_sector[e]:
            outside = True
        if c.n_night[n] and c.e_avoid_nights[e]:
            unwanted += 1
        if c.n_weekend[n] and c.e_avoid_weekends[e]:
            unwanted += 1
        unsocial += bool(c.n_unsocial[n])
        if c.n_sunday[n] >= 0:
            sundays.add(int(c.n_sunday[n]))
    overtime = [max(0, per_week[b] - int(c.e_full[e, b])) for b in range(c.weeks)]
    cost += sum(overtime) * int(c.e_overtime_ore[e])
    terms["overtime"] += w.overtime_per_minute * sum(overtime)
    terms["moved"] += w.moved_person * away
    terms["outside_sector"] += w.outside_sector_person * outside
    terms["preferences"] += w.unwanted_shift * unwanted
    terms["unsocial_spread"] += w.unsocial_squared * unsocial * unsocial
    terms["cost"] += w.cost_per_ore * cost
    if p.position_cost_per_hour and not (p.position_volunteers_free and c.e_volunteer[e]):
        for b in range(c.weeks):
            extra = max(0, min(per_week[b], int(c.e_full[e, b])) - int(c.e_contract[e, b]))
            terms["warnings"] += p.position_cost_per_hour * extra // 60
    if p.sunday_cost:
        terms["warnings"] += p.sunday_cost * sum(1 for s in sundays if s + 1 in sundays)


def evaluate(
    c: Compiled, by_need: Sequence[Sequence[int]], *, hint: set[tuple[int, int]] | None = None
) -> dict[str, int]:
    """The objective by term of a plan given as need -> employees."""
    w = c.weights
    terms = dict.fromkeys(OBJECTIVE_TERMS, 0)
    for n, people in enumerate(by_need):
        missing = max(0, int(c.n_count[n]) - len(people))
        terms["unmet_critical" if c.n_critical[n] else "unmet_other"] += missing
    terms["unmet_critical"] *= w.unmet_critical
    terms["unmet_other"] *= w.unmet_other
    for e, needs in enumerate(per_employee(c, by_need)):
        employee_terms(c, e, needs, terms)
    if hint is not None:
        now = {(e, n) for n, people in enumerate(by_need) for e in people}
        terms["changes"] = w.change * len(now ^ hint)
    return terms
