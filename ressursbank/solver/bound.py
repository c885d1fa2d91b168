"""A proven lower bound on the objective of any lawful plan.

Coverage: needs that start at the same moment overlap, so nobody can work two of them. For each such group, a
maximum flow from people (aggregated by identical eligibility) to need classes bounds how many of the group's
places can be filled; summed over groups this bounds total coverage from above, and so the unmet places from below.
The same is done for critical needs alone. Rest, hours and all other rules are relaxed, so the bound is valid.
Money: every filled place costs at least the cheapest eligible person's wage and supplements.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import max_flow

from ressursbank.solver.compile import Compiled


class _Profiles:
    """Employees aggregated by identical eligibility over all need classes."""

    def __init__(self, c: Compiled) -> None:
        columns, inverse = np.unique(c.class_mask, axis=1, return_inverse=True)
        self.matrix = columns  # [class, profile]
        self.of_employee = inverse.reshape(-1)
        self.counts = np.bincount(self.of_employee, minlength=columns.shape[1])


def _flow(matrix: np.ndarray, supply: np.ndarray, demand: np.ndarray) -> int:
    """Max flow source -> profile (supply) -> class (if eligible) -> sink (demand)."""
    wanted = np.flatnonzero(demand > 0)
    matrix, demand = matrix[wanted], demand[wanted]
    active = np.flatnonzero((supply > 0) & matrix.any(axis=0))
    if len(active) == 0 or demand.sum() == 0:
        return 0
    n_p, n_k = len(active), matrix.shape[0]
    source, sink = 0, 1 + n_p + n_k
    k_idx, p_idx = np.nonzero(matrix[:, active])
    tails = np.concatenate([np.zeros(n_p, dtype=np.int64), 1 + p_idx, 1 + n_p + np.arange(n_k)])
    heads = np.concatenate([1 + np.arange(n_p), 1 + n_p + k_idx, np.full(n_k, sink)])
    caps = np.concatenate([supply[active], supply[active][p_idx], demand]).astype(np.int64)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps)
    if flow.solve(source, sink) != flow.OPTIMAL:
        return int(demand.sum())
    return int(flow.optimal_flow())


def _groups(c: Compiled) -> list[np.ndarray]:
    """Sets of needs nobody can work two of: all needs of a day when the shortest daily rest in force separates
    any two of them, else the needs that start at the same moment."""
    rests = [c.rule_params[int(r)].daily_rest for r in np.unique(c.e_rule_set)]
    rest = min(rests) if rests else 0
    out: list[np.ndarray] = []
    for day in np.unique(c.n_day):
        on_day = np.flatnonzero(c.n_day == day)
        if int(c.n_start[on_day].max()) - int(c.n_end[on_day].min()) < rest:
            out.append(on_day)
            continue
        for moment in np.unique(c.n_start[on_day]):
            out.append(on_day[c.n_start[on_day] == moment])
    return out


def coverage_upper_bounds(c: Compiled) -> tuple[int, int]:
    """Upper bounds on (all places filled, critical places filled): the smaller of two relaxations.

    Per day (or start moment, see ``_groups``): nobody works two needs of the group (a max flow per group). Per
    week: nobody works more minutes than their weekly limit (a max flow of minutes; unmet minutes become places
    by the longest shift).
    """
    profiles = _Profiles(c)
    n_classes = c.class_mask.shape[0]
    by_moment = [0, 0]
    for group in _groups(c):
        absent_all: set[int] | None = None
        for n in group.tolist():
            absent = set(c.need_absent.get(n, np.zeros(0, dtype=np.int64)).tolist())
            absent_all = absent if absent_all is None else absent_all & absent
        supply = profiles.counts.copy()
        if absent_all:
            supply -= np.bincount(profiles.of_employee[list(absent_all)], minlength=len(supply))
        for which, only_critical in ((0, False), (1, True)):
            chosen = group[c.n_critical[group]] if only_critical else group
            demand = np.bincount(c.n_class[chosen], weights=c.n_count[chosen], minlength=n_classes).astype(np.int64)
            by_moment[which] += _flow(profiles.matrix, supply, demand)
    by_week = _weekly_bounds(c, profiles)
    return min(by_moment[0], by_week[0]), min(by_moment[1], by_week[1])


def minutes_beyond_full_time(c: Compiled) -> int:
    """A lower bound on minutes of need that cannot be met within full-time hours (each is overtime or unmet)."""
    return _weekly_bounds(c, _Profiles(c), no_overtime=True)[0]


def _weekly_bounds(c: Compiled, profiles: _Profiles, *, no_overtime: bool = False) -> tuple[int, int]:
    """Per week, minutes people can work at most against minutes needed, as places (see above)."""
    n_classes = c.class_mask.shape[0]
    rp = [c.rule_params[int(r)] for r in c.e_rule_set]
    max_week = np.array([p.max_week for p in rp], dtype=np.int64)
    ot_week = np.array([p.overtime_week for p in rp], dtype=np.int64)
    max_day = np.array([p.max_day for p in rp], dtype=np.int64)
    longest = int(c.n_minutes.max(initial=1))
    out = [0, 0]
    for week in range(c.weeks):
        in_week = np.flatnonzero(c.n_week == week)
        if len(in_week) == 0:
            continue
        days = c.week_days[week]
        # days with at least one need the person is not absent for bound the days they can work
        absent_days = np.zeros(c.n_employees, dtype=np.int64)
        first_day = week * 7
        for d in range(first_day, first_day + days):
            on_day = in_week[c.n_day[in_week] == d]
            absent_all: set[int] | None = None
            for n in on_day.tolist():
                absent = set(c.need_absent.get(n, np.zeros(0, dtype=np.int64)).tolist())
                absent_all = absent if absent_all is None else absent_all & absent
            if absent_all:
                absent_days[list(absent_all)] += 1
        limit = c.e_full[:, week] if no_overtime else c.e_full[:, week] + ot_week
        capacity = np.minimum(np.minimum(max_week, limit), (days - absent_days) * max_day)
        supply = np.bincount(profiles.of_employee, weights=np.maximum(0, capacity), minlength=profiles.matrix.shape[1])
        for which, only_critical in ((0, False), (1, True)):
            chosen = in_week[c.n_critical[in_week]] if only_critical else in_week
            places = int(c.n_count[chosen].sum())
            demand = np.bincount(
                c.n_class[chosen], weights=c.n_count[chosen] * c.n_minutes[chosen], minlength=n_classes
            ).astype(np.int64)
            flow = _flow(profiles.matrix, supply.astype(np.int64), demand)
            missing_minutes = int(demand.sum()) - flow
            if no_overtime:
                out[which] += missing_minutes
            else:
                out[which] += places - (missing_minutes + longest - 1) // longest
    return out[0], out[1]


def lower_bound(c: Compiled) -> int:
    """A lower bound on the objective (see the module docstring)."""
    return bound_with_coverage(c)[0]


def bound_with_coverage(c: Compiled) -> tuple[int, int, int]:
    """(lower bound on the objective, upper bound on places filled, upper bound on critical places filled)."""
    w = c.weights
    total_ub, critical_ub = coverage_upper_bounds(c)
    demand = int(c.n_count.sum())
    demand_critical = int(c.n_count[c.n_critical].sum())
    unmet_critical = max(0, demand_critical - critical_ub)
    unmet_total = max(0, demand - total_ub)
    unmet_other = max(0, unmet_total - unmet_critical)
    bound = w.unmet_critical * unmet_critical + w.unmet_other * unmet_other
    # every minute beyond full time is overtime unless its place is left unmet (which is dearer per minute, and
    # already counted above, for at most the longest shift per unmet place)
    longest = int(c.n_minutes.max(initial=0))
    if w.unmet_other * 1.0 / max(1, longest) >= w.overtime_per_minute:
        overtime = max(0, minutes_beyond_full_time(c) - (unmet_critical + unmet_other) * longest)
        bound += w.overtime_per_minute * overtime
    # money: each filled place costs at least its cheapest eligible person
    # (absences ignored: the minimum over more people is lower, so the bound stays valid)
    cheapest = np.zeros(c.n_needs, dtype=np.int64)
    by_class: dict[tuple[int, int], int] = {}
    for n in range(c.n_needs):
        key = (int(c.n_class[n]), int(c.n_minutes[n]) * 100_000 + int(c.n_supplement[:, n].min()))
        found = by_class.get(key)
        if found is None:
            mask = c.class_mask[c.n_class[n]]
            found = 0
            if mask.any():
                found = int((c.e_wage[mask] * int(c.n_minutes[n]) * 100 // 60).min()) + int(c.n_supplement[:, n].min())
            by_class[key] = found
        cheapest[n] = found
    filled_at_least = 0
    money = int((cheapest * c.n_count).sum()) - (unmet_critical + unmet_other) * int(cheapest.max(initial=0))
    bound += w.cost_per_ore * max(0, money) + filled_at_least
    return bound, total_ub, critical_ub
