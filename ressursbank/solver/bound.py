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


def coverage_upper_bounds(c: Compiled) -> tuple[int, int]:
    """Upper bounds on (all places filled, critical places filled)."""
    total = critical = 0
    start = 0
    while start < c.n_needs:
        stop = start
        while stop < c.n_needs and c.n_start[stop] == c.n_start[start]:
            stop += 1
        group = list(range(start, stop))
        total += _group_flow(c, group)
        critical += _group_flow(c, [n for n in group if c.n_critical[n]])
        start = stop
    return total, critical


def _group_flow(c: Compiled, group: list[int]) -> int:
    if not group:
        return 0
    classes: dict[int, int] = {}
    rows: list[np.ndarray] = []
    demand: list[int] = []
    for n in group:
        k = int(c.n_class[n])
        row = c.eligible_mask(n)
        if k in classes:
            i = classes[k]
            rows[i] = rows[i] | row
            demand[i] += int(c.n_count[n])
        else:
            classes[k] = len(rows)
            rows.append(row)
            demand.append(int(c.n_count[n]))
    matrix = np.array(rows, dtype=np.bool_)
    useful = matrix.any(axis=0)
    if not useful.any():
        return 0
    profiles, counts = np.unique(matrix[:, useful], axis=1, return_counts=True)
    n_profiles, n_classes = profiles.shape[1], len(rows)
    source, sink = 0, 1 + n_profiles + n_classes
    tails, heads, caps = [], [], []
    for p in range(n_profiles):
        tails.append(source)
        heads.append(1 + p)
        caps.append(int(counts[p]))
        for k in np.flatnonzero(profiles[:, p]).tolist():
            tails.append(1 + p)
            heads.append(1 + n_profiles + k)
            caps.append(int(counts[p]))
    for k in range(n_classes):
        tails.append(1 + n_profiles + k)
        heads.append(sink)
        caps.append(demand[k])
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(
        np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32), np.array(caps, dtype=np.int64)
    )
    if flow.solve(source, sink) != flow.OPTIMAL:
        return sum(demand)
    return int(flow.optimal_flow())


def lower_bound(c: Compiled) -> int:
    """A lower bound on the objective (see the module docstring)."""
    w = c.weights
    total_ub, critical_ub = coverage_upper_bounds(c)
    demand = int(c.n_count.sum())
    demand_critical = int(c.n_count[c.n_critical].sum())
    unmet_critical = max(0, demand_critical - critical_ub)
    unmet_total = max(0, demand - total_ub)
    unmet_other = max(0, unmet_total - unmet_critical)
    bound = w.unmet_critical * unmet_critical + w.unmet_other * unmet_other
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
    return bound
