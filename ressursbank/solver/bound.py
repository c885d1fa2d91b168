"""A proven lower bound on the objective of any lawful plan.

Coverage: needs that start at the same moment overlap, so nobody can work two of them. For each such group, a
maximum flow from people (aggregated by identical eligibility) to need classes bounds how many of the group's
places can be filled; summed over groups this bounds total coverage from above, and so the unmet places from below.
The same is done for critical needs alone. Rest, hours and all other rules are relaxed, so the bound is valid.
Money: every filled place costs at least the cheapest eligible person's wage and supplements.
Priced weekly flow: a minimum-cost flow of minutes per week prices unmet needs, overtime and PositionNorm extra
hours at (under-estimated) objective rates; with the wages of every place it is a second bound.
Whole shifts: ``bound_shifts`` prices whole shifts per person-week, travel, moves and the unsocial spread; the
largest of the three is reported (docs/objective.md, "The lower bound").
"""

from __future__ import annotations

import time

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from ressursbank.solver.bound_lagrange import lagrangian_bound
from ressursbank.solver.bound_shifts import eligibility_profiles, shift_flow_bound, shift_flow_bound_and_prices
from ressursbank.solver.compile import Compiled


class _Profiles:
    """Employees aggregated by identical eligibility over all need classes."""

    def __init__(self, c: Compiled) -> None:
        columns, of_employee = eligibility_profiles(c.class_mask)
        self.matrix = columns  # [class, profile]
        self.of_employee = of_employee
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


def coverage_upper_bounds(c: Compiled, profiles: _Profiles | None = None) -> tuple[int, int]:
    """Upper bounds on (all places filled, critical places filled): the smaller of two relaxations.

    Per day (or start moment, see ``_groups``): nobody works two needs of the group (a max flow per group). Per
    week: nobody works more minutes than their weekly limit (a max flow of minutes; unmet minutes become places
    by the longest shift).
    """
    profiles = profiles or _Profiles(c)
    n_classes = c.class_mask.shape[0]
    by_moment = [0, 0]
    for group in _groups(c):
        absent_all: set[int] | None = None
        for n in group.tolist():
            absent = set(c.need_absent.get(n, np.zeros(0, dtype=np.int64)).tolist())
            absent_all = absent if absent_all is None else absent_all & absent
            if not absent_all:
                break  # the intersection is empty: nobody is absent for the whole group
        supply = profiles.counts.copy()
        if absent_all:
            supply -= np.bincount(profiles.of_employee[list(absent_all)], minlength=len(supply))
        for which, only_critical in ((0, False), (1, True)):
            chosen = group[c.n_critical[group]] if only_critical else group
            demand = np.bincount(c.n_class[chosen], weights=c.n_count[chosen], minlength=n_classes).astype(np.int64)
            by_moment[which] += _flow(profiles.matrix, supply, demand)
    by_week = _weekly_bounds(c, profiles)
    return min(by_moment[0], by_week[0]), min(by_moment[1], by_week[1])


def minutes_beyond_full_time(c: Compiled, profiles: _Profiles | None = None) -> int:
    """A lower bound on minutes of need that cannot be met within full-time hours (each is overtime or unmet)."""
    return _weekly_bounds(c, profiles or _Profiles(c), no_overtime=True)[0]


def _days_free(c: Compiled, week: int, in_week: np.ndarray) -> np.ndarray:
    """Per employee, the days of ``week`` they can work: days with at least one need they are not absent for."""
    absent_days = np.zeros(c.n_employees, dtype=np.int64)
    first_day = week * 7
    for d in range(first_day, first_day + c.week_days[week]):
        on_day = in_week[c.n_day[in_week] == d]
        absent_all: set[int] | None = None
        for n in on_day.tolist():
            absent = set(c.need_absent.get(n, np.zeros(0, dtype=np.int64)).tolist())
            absent_all = absent if absent_all is None else absent_all & absent
            if not absent_all:
                break  # the intersection is empty: nobody is absent for the whole group
        if absent_all:
            absent_days[list(absent_all)] += 1
    return c.week_days[week] - absent_days


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
        days_free = _days_free(c, week, in_week)
        limit = c.e_full[:, week] if no_overtime else c.e_full[:, week] + ot_week
        capacity = np.minimum(np.minimum(max_week, limit), days_free * max_day)
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


def _priced_weekly_flow(c: Compiled, profiles: _Profiles, cheapest: np.ndarray) -> int | None:
    """A lower bound on unmet + overtime + PositionNorm warnings, less the wages of unmet places (see ``priced``).

    Per week, a minimum-cost flow of minutes from people (by eligibility profile) to needs (by class and
    criticality). Each person supplies, up to ``min(max per week, full time + weekly overtime cap, free days x max
    per day)``: minutes up to their contract at no cost, minutes up to full time at the PositionNorm rate
    (``cost // 60`` per minute, free for volunteers when the rule allows), minutes beyond full time at the overtime
    weight plus their overtime supplement. A need's minutes may instead be left unmet at ``(unmet weight - the
    dearest wage of one of its places) // its longest shift`` per minute. A lawful plan gives a flow whose cost is
    at most its overtime + warnings + unmet cost - (wages the unmet places would have cost), because each person's
    minutes per week fall in the tiers in order, floors only lower the rates, and rest, per-day structure, the
    4-week and yearly caps, travel and preferences are relaxed. ``None`` when the discounted unmet rate would be
    negative (unusual weights): the relaxation is then not used.
    """
    w = c.weights
    rp = [c.rule_params[int(r)] for r in c.e_rule_set]
    max_week = np.array([p.max_week for p in rp], dtype=np.int64)
    ot_week = np.array([p.overtime_week for p in rp], dtype=np.int64)
    max_day = np.array([p.max_day for p in rp], dtype=np.int64)
    position_rate = np.array(
        [
            0 if (p.position_volunteers_free and bool(c.e_volunteer[e])) else p.position_cost_per_hour // 60
            for e, p in enumerate(rp)
        ],
        dtype=np.int64,
    )
    overtime_rate = w.overtime_per_minute + w.cost_per_ore * c.e_overtime_ore.astype(np.int64)
    n_profiles = profiles.matrix.shape[1]
    total = 0
    for week in range(c.weeks):
        in_week = np.flatnonzero(c.n_week == week)
        if len(in_week) == 0:
            continue
        full = c.e_full[:, week].astype(np.int64)
        contract = c.e_contract[:, week].astype(np.int64)
        capacity = np.maximum(
            0, np.minimum(np.minimum(max_week, full + ot_week), _days_free(c, week, in_week) * max_day)
        )
        up_to_full = np.minimum(capacity, np.maximum(full, 0))
        free = np.minimum(up_to_full, np.maximum(contract, 0))
        tiers = (
            (free, np.zeros(c.n_employees, dtype=np.int64)),
            (up_to_full - free, position_rate),
            (capacity - up_to_full, overtime_rate),
        )
        # supply arcs: one per (profile, rate), capacities summed over the profile's people
        sup_profile: list[np.ndarray] = []
        sup_rate: list[np.ndarray] = []
        sup_cap: list[np.ndarray] = []
        for cap, rate in tiers:
            keep = cap > 0
            keys, inverse = np.unique(np.stack([profiles.of_employee[keep], rate[keep]]), axis=1, return_inverse=True)
            sup_profile.append(keys[0])
            sup_rate.append(keys[1])
            sup_cap.append(np.bincount(inverse.reshape(-1), weights=cap[keep], minlength=keys.shape[1]))
        s_profile = np.concatenate(sup_profile).astype(np.int64)
        s_rate = np.concatenate(sup_rate).astype(np.int64)
        s_cap = np.concatenate(sup_cap).astype(np.int64)
        # demand nodes: (class, critical)
        node_key = c.n_class[in_week].astype(np.int64) * 2 + c.n_critical[in_week].astype(np.int64)
        nodes, node_of = np.unique(node_key, return_inverse=True)
        node_of = node_of.reshape(-1)
        minutes = (c.n_count[in_week] * c.n_minutes[in_week]).astype(np.int64)
        demand = np.bincount(node_of, weights=minutes, minlength=len(nodes)).astype(np.int64)
        longest = np.zeros(len(nodes), dtype=np.int64)
        np.maximum.at(longest, node_of, c.n_minutes[in_week].astype(np.int64))
        dearest = np.zeros(len(nodes), dtype=np.int64)
        np.maximum.at(dearest, node_of, cheapest[in_week])
        weight = np.where(nodes % 2 == 1, w.unmet_critical, w.unmet_other).astype(np.int64)
        unmet_rate = (weight - w.cost_per_ore * dearest) // np.maximum(1, longest)
        if (unmet_rate < 0).any():
            return None
        node_class = nodes // 2
        # node ids: 0 source, 1.. profiles, then demand nodes
        source = 0
        first_node = 1 + n_profiles
        k_idx, p_idx = np.nonzero(profiles.matrix[node_class])
        big = int(demand.sum())
        tails = np.concatenate(
            [np.zeros(len(s_profile), dtype=np.int64), 1 + p_idx, np.zeros(len(nodes), dtype=np.int64)]
        )
        heads = np.concatenate([1 + s_profile, first_node + k_idx, first_node + np.arange(len(nodes))])
        caps = np.concatenate([s_cap, np.full(len(k_idx), big, dtype=np.int64), demand])
        costs = np.concatenate([s_rate, np.zeros(len(k_idx), dtype=np.int64), unmet_rate])
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
        )
        supplies = np.zeros(first_node + len(nodes), dtype=np.int64)
        supplies[source] = big
        supplies[first_node:] = -demand
        flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
        if flow.solve() != flow.OPTIMAL:
            return None
        total += int(flow.optimal_cost())
    return total


def lower_bound(c: Compiled) -> int:
    """A lower bound on the objective (see the module docstring)."""
    return bound_with_coverage(c)[0]


def cheapest_per_need(c: Compiled) -> np.ndarray:
    """Per need, the least wage and supplements (øre) one filled place of it costs: its cheapest eligible person.

    Absences are ignored: the minimum over more people is lower, so bounds built on it stay valid.
    """
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
    return cheapest


def headcount_bound(
    c: Compiled, profiles: _Profiles | None = None, cheapest: np.ndarray | None = None
) -> tuple[int, int, int]:
    """The bound from coverage alone: unmet places, overtime beyond full time, money (see the module docstring).

    Returns (lower bound on the objective, upper bound on places filled, upper bound on critical places filled).
    """
    w = c.weights
    profiles = profiles or _Profiles(c)
    total_ub, critical_ub = coverage_upper_bounds(c, profiles)
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
        overtime = max(0, minutes_beyond_full_time(c, profiles) - (unmet_critical + unmet_other) * longest)
        bound += w.overtime_per_minute * overtime
    # money: each filled place costs at least its cheapest eligible person
    cheapest = cheapest if cheapest is not None else cheapest_per_need(c)
    money = int((cheapest * c.n_count).sum()) - (unmet_critical + unmet_other) * int(cheapest.max(initial=0))
    bound += w.cost_per_ore * max(0, money)
    return bound, total_ub, critical_ub


def priced_bound(c: Compiled, profiles: _Profiles | None = None, cheapest: np.ndarray | None = None) -> int | None:
    """The bound from the weekly minimum-cost flow (see ``_priced_weekly_flow``) plus the wages of every place.

    ``None`` when the relaxation does not apply (unmet weights below a shift's wages).
    """
    cheapest = cheapest if cheapest is not None else cheapest_per_need(c)
    priced = _priced_weekly_flow(c, profiles or _Profiles(c), cheapest)
    if priced is None:
        return None
    return priced + c.weights.cost_per_ore * int((cheapest * c.n_count).sum())


def bound_with_coverage(c: Compiled, *, with_shifts: bool = True) -> tuple[int, int, int]:
    """(lower bound on the objective, upper bound on places filled, upper bound on critical places filled).

    The largest of the headcount bound, the priced weekly flow of minutes and the weekly flow of whole shifts
    (``bound_shifts``); each is valid, so the largest is too.
    """
    profiles = _Profiles(c)
    cheapest = cheapest_per_need(c)
    bound, total_ub, critical_ub = headcount_bound(c, profiles, cheapest)
    others = [priced_bound(c, profiles, cheapest)]
    if with_shifts:
        others.append(shift_flow_bound(c, (profiles.matrix, profiles.of_employee)))
    for other in others:
        if other is not None:
            bound = max(bound, other)
    return bound, total_ub, critical_ub


def timed_bound(c: Compiled, *, with_shifts: bool = True) -> tuple[int, int, int, float]:
    """``bound_with_coverage`` (without the whole-shift flow unless ``with_shifts``) and the CPU seconds it took."""
    started = time.process_time()
    bound, total_ub, critical_ub = bound_with_coverage(c, with_shifts=with_shifts)
    return bound, total_ub, critical_ub, time.process_time() - started


def timed_shift_bound(
    c: Compiled, *, deadline: float | None = None, lagrange_evaluations: int = 1_000_000
) -> tuple[int, float]:
    """The whole-shift flow bound (0 when it does not apply) and the CPU seconds it took.

    With a ``deadline`` (``time.perf_counter()``), the Lagrangian bound over day-level rosters
    (``bound_lagrange``) then runs until it, or for ``lagrange_evaluations`` price points (none: the flow alone),
    and the larger of the two is returned; both are valid."""
    started = time.process_time()
    if deadline is None or lagrange_evaluations <= 0:
        return shift_flow_bound(c) or 0, time.process_time() - started
    flow, prices = shift_flow_bound_and_prices(c, with_prices=True, deadline=deadline)
    bound = flow or 0
    if time.perf_counter() < deadline:
        try:
            found = lagrangian_bound(
                c,
                deadline=deadline,
                initial=prices if prices is not None else cheapest_per_need(c),
                max_iterations=lagrange_evaluations,
            )
        except (MemoryError, RuntimeError):
            found = None  # the refinement is optional: its failure must not cost the flow's proven bound
        if found is not None:
            bound = max(bound, found)
    return bound, time.process_time() - started
