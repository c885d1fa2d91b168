"""A lower bound from a weekly minimum-cost flow of whole shifts (docs/objective.md, "The lower bound").

Per week, people (aggregated into classes of identical eligibility profile, home unit, contract, full time, rates,
weekly capacity and free days) supply whole shifts through *slots*: a person's shifts of the week, sorted from
longest to shortest, fill slots 1, 2, 3, ... in order. The j-th longest shift of length ``L`` starts after at least
``(j - 1) * L`` minutes of the same week, and the week's extra-hours and overtime cost ``f(minutes)`` is convex, so
that shift adds at least ``f(j * L) - f((j - 1) * L)``: the slot's price. A shift of length ``L`` cannot be the
j-th longest when ``j * L`` exceeds the person's weekly capacity, and nobody has more slots than free days when
the daily rest separates every two shifts of a day (one shift per day).

A shift at the home unit goes straight to a home need; a shift elsewhere passes through the profile's pool at the
price of the nearest eligible host (travel per shift, the move and outside-sector costs spread over the most
shifts anyone can work in the horizon). Every shift also costs its wage (exact per class, wages rounded down) and
the least supplement of its need. A need's places may instead be left unmet at the unmet weight.

Any lawful plan maps to a flow of at most its unmet + overtime + PositionNorm + cost + travel + moved +
outside-sector terms; the flow's optimum is therefore a lower bound on those terms, and the other terms are >= 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from ressursbank.solver.compile import BIG, Compiled

IntArray = npt.NDArray[np.int64]


def _one_shift_per_day(c: Compiled, in_week: IntArray) -> bool:
    """True when, on every day of the week, the shortest daily rest in force separates any two needs of the day."""
    rests = [c.rule_params[int(r)].daily_rest for r in np.unique(c.e_rule_set)]
    rest = min(rests) if rests else 0
    for day in np.unique(c.n_day[in_week]):
        on_day = in_week[c.n_day[in_week] == day]
        if int(c.n_start[on_day].max()) - int(c.n_end[on_day].min()) >= rest:
            return False
    return True


def _days_free(c: Compiled, week: int, in_week: IntArray) -> IntArray:
    """Per employee, the days of ``week`` with at least one need they are not absent for."""
    absent_days = np.zeros(c.n_employees, dtype=np.int64)
    for d in np.unique(c.n_day[in_week]).tolist():
        on_day = in_week[c.n_day[in_week] == d]
        absent_all: set[int] | None = None
        for n in on_day.tolist():
            absent = set(c.need_absent.get(n, np.zeros(0, dtype=np.int64)).tolist())
            absent_all = absent if absent_all is None else absent_all & absent
            if not absent_all:
                break
        if absent_all:
            absent_days[list(absent_all)] += 1
    days_with_needs = len(np.unique(c.n_day[in_week]))
    out: IntArray = days_with_needs - absent_days
    return out


class _Week:
    """Per-employee figures of one week: capacity (minutes), slots, contract, full time."""

    def __init__(self, c: Compiled, week: int, in_week: IntArray) -> None:
        rp = [c.rule_params[int(r)] for r in c.e_rule_set]
        max_week = np.array([p.max_week for p in rp], dtype=np.int64)
        ot_week = np.array([p.overtime_week for p in rp], dtype=np.int64)
        max_day = np.array([p.max_day for p in rp], dtype=np.int64)
        self.full = np.maximum(0, c.e_full[:, week].astype(np.int64))
        self.contract = np.minimum(self.full, np.maximum(0, c.e_contract[:, week].astype(np.int64)))
        days = _days_free(c, week, in_week)
        self.capacity = np.maximum(0, np.minimum(np.minimum(max_week, self.full + ot_week), days * max_day))
        shortest = int(c.n_minutes[in_week].min())
        slots = self.capacity // max(1, shortest)
        if _one_shift_per_day(c, in_week):
            slots = np.minimum(slots, days)
        self.slots = np.maximum(0, slots)


def _horizon_shifts(c: Compiled, weeks: list[_Week | None]) -> int:
    """The most shifts anyone can work in the horizon (spreads per-person costs over shifts)."""
    total = np.zeros(c.n_employees, dtype=np.int64)
    for wk in weeks:
        if wk is not None:
            total += wk.slots
    return max(1, int(total.max(initial=1)))


def _away_prices(
    c: Compiled,
    pairs: IntArray,
    node_unit: IntArray,
    node_len: IntArray,
    node_ok: npt.NDArray[np.bool_],
    per_shift: int,
) -> IntArray:
    """Per (home unit, profile, length) row of ``pairs``: the least price of one shift away from home.

    ``node_ok[p]`` marks the need nodes profile ``p`` may fill. The price is the travel to the nearest eligible host
    plus the spread move cost, plus the spread outside-sector cost where that host is in another sector; BIG when
    no eligible host exists away from home.
    """
    w = c.weights
    out = np.full(len(pairs), BIG, dtype=np.int64)
    outside_share = w.outside_sector_person // per_shift
    moved_share = w.moved_person // per_shift
    for p in np.unique(pairs[:, 1]).tolist():
        rows = np.flatnonzero(pairs[:, 1] == p)
        homes, lengths = pairs[rows, 0], pairs[rows, 2]
        eligible = np.flatnonzero(node_ok[p])
        if len(eligible) == 0:
            continue
        hosts = node_unit[eligible]
        price = w.travel_per_km * c.unit_km[np.ix_(homes, hosts)].astype(np.int64)
        price += outside_share * (c.u_sector[homes][:, None] != c.u_sector[hosts][None, :])
        price[(homes[:, None] == hosts[None, :]) | (lengths[:, None] != node_len[eligible][None, :])] = BIG
        out[rows] = np.minimum(BIG, price.min(axis=1) + moved_share)
    return out


def shift_flow_bound(c: Compiled) -> int | None:
    """The bound of the module docstring; ``None`` when a flow fails (the caller then keeps its other bounds)."""
    w = c.weights
    if c.n_needs == 0:
        return 0
    rp = [c.rule_params[int(r)] for r in c.e_rule_set]
    position_rate = np.array(
        [
            0 if (p.position_volunteers_free and bool(c.e_volunteer[e])) else p.position_cost_per_hour // 60
            for e, p in enumerate(rp)
        ],
        dtype=np.int64,
    )
    wage = c.e_wage.astype(np.int64)
    overtime_rate = w.overtime_per_minute + w.cost_per_ore * c.e_overtime_ore.astype(np.int64)
    class_columns, profile_of = np.unique(c.class_mask, axis=1, return_inverse=True)
    profile_of = profile_of.reshape(-1)
    supplement = c.n_supplement.min(axis=0) if c.n_supplement.size else np.zeros(c.n_needs, dtype=np.int64)

    week_needs = [np.flatnonzero(c.n_week == b) for b in range(c.weeks)]
    weeks: list[_Week | None] = [_Week(c, b, in_week) if len(in_week) else None for b, in_week in enumerate(week_needs)]
    per_shift = _horizon_shifts(c, weeks)
    total = 0
    for in_week, wk in zip(week_needs, weeks, strict=True):
        if wk is None:
            continue
        cost = _week_flow(
            c, in_week, wk, profile_of, class_columns, position_rate, overtime_rate, wage, supplement, per_shift
        )
        if cost is None:
            return None
        total += cost
    return total


def _week_flow(
    c: Compiled,
    in_week: IntArray,
    wk: _Week,
    profile_of: IntArray,
    class_columns: npt.NDArray[np.bool_],
    position_rate: IntArray,
    overtime_rate: IntArray,
    wage: IntArray,
    supplement: IntArray,
    per_shift: int,
) -> int | None:
    w = c.weights
    # need nodes: (class, critical, length, least supplement)
    need_key = np.stack([c.n_class[in_week], c.n_critical[in_week].astype(np.int64), c.n_minutes[in_week]])
    nodes, node_of = np.unique(need_key, axis=1, return_inverse=True)
    node_of = node_of.reshape(-1)
    n_nodes = nodes.shape[1]
    node_class, node_critical, node_len = nodes
    # supplements are counted for every place up front; an unmet place gives back at most its node's dearest
    dearest_supplement = np.zeros(n_nodes, dtype=np.int64)
    np.maximum.at(dearest_supplement, node_of, supplement[in_week])
    node_unit = np.array([c.n_unit[c.class_needs[int(k)][0]] for k in node_class.tolist()], dtype=np.int64)
    demand = np.bincount(node_of, weights=c.n_count[in_week], minlength=n_nodes).astype(np.int64)
    lengths, node_len_index = np.unique(node_len, return_inverse=True)
    node_len_index = node_len_index.reshape(-1)
    n_len = len(lengths)
    node_ok = class_columns[node_class].T  # [profile, node]

    # people classes
    can_work: npt.NDArray[np.bool_] = np.asarray(class_columns.any(axis=0), dtype=np.bool_)
    useful = can_work[profile_of] & (wk.slots > 0)
    # the wage and the overtime supplement of a class are its members' least (lower prices keep the bound valid)
    key = np.stack([profile_of, c.e_home, wk.contract, wk.full, position_rate, wk.capacity, wk.slots])[:, useful]
    classes, class_of = np.unique(key, axis=1, return_inverse=True)
    class_of = class_of.reshape(-1)
    n_g = classes.shape[1]
    members = np.bincount(class_of, minlength=n_g)
    g_profile, g_home, g_contract, g_full, g_position, g_capacity, g_slots = classes
    g_wage = np.full(n_g, BIG, dtype=np.int64)
    np.minimum.at(g_wage, class_of, wage[useful])
    g_overtime = np.full(n_g, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(g_overtime, class_of, overtime_rate[useful])
    # the slot prices need a convex weekly cost: an extra-hours rate above the overtime rate is lowered to it
    g_position = np.minimum(g_position, g_overtime)
    max_slots = int(g_slots.max(initial=0))

    # node numbering
    source = 0
    slot0 = 1
    glen0 = slot0 + n_g * max_slots
    pool0 = glen0 + n_g * n_len
    n_profiles = class_columns.shape[1]
    need0 = pool0 + n_profiles * n_len
    n_all = need0 + n_nodes

    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []

    def arcs(t: npt.NDArray[Any], h: npt.NDArray[Any], cap: npt.NDArray[Any], cost: npt.NDArray[Any]) -> None:
        tails.append(t.astype(np.int64))
        heads.append(h.astype(np.int64))
        caps.append(cap.astype(np.int64))
        costs.append(cost.astype(np.int64))

    def week_cost(m: IntArray) -> IntArray:
        extra = np.maximum(0, np.minimum(m, g_full) - g_contract)
        over = np.maximum(0, m - g_full)
        out: IntArray = g_position * extra + g_overtime * over
        return out

    g = np.arange(n_g, dtype=np.int64)
    big = int(demand.sum())
    for j in range(1, max_slots + 1):
        has = g_slots >= j
        arcs(
            np.zeros(int(has.sum()), dtype=np.int64),
            slot0 + g[has] * max_slots + (j - 1),
            members[has],
            np.zeros(int(has.sum())),
        )
        for li, length in enumerate(lengths.tolist()):
            ok = has & (j * length <= g_capacity)
            gg = g[ok]
            price = week_cost(np.full(n_g, j * length, dtype=np.int64)) - week_cost(
                np.full(n_g, (j - 1) * length, dtype=np.int64)
            )
            price = price + w.cost_per_ore * (g_wage * length * 100 // 60)
            arcs(slot0 + gg * max_slots + (j - 1), glen0 + gg * n_len + li, members[ok], price[ok])

    # home shifts: (class, length) -> need nodes at the home unit the profile may fill
    by_unit: dict[int, IntArray] = {}
    order = np.argsort(node_unit, kind="stable")
    units_sorted = node_unit[order]
    for u in np.unique(g_home).tolist():
        lo, hi = np.searchsorted(units_sorted, u, side="left"), np.searchsorted(units_sorted, u, side="right")
        by_unit[u] = order[lo:hi]
    for gi in range(n_g):
        at_home = by_unit.get(int(g_home[gi]))
        if at_home is None or len(at_home) == 0:
            continue
        k = at_home[node_ok[g_profile[gi], at_home]]
        if len(k) == 0:
            continue
        arcs(
            glen0 + gi * n_len + node_len_index[k],
            need0 + k,
            np.full(len(k), big),
            np.zeros(len(k), dtype=np.int64),
        )

    # away shifts: (class, length) -> (profile, length) pool at the nearest host's price -> eligible need nodes
    gl_class = np.repeat(g, n_len)
    gl_len = np.tile(np.arange(n_len), n_g)
    triples = np.stack([g_home[gl_class], g_profile[gl_class], lengths[gl_len]], axis=1)
    uniq, back = np.unique(triples, axis=0, return_inverse=True)
    away = _away_prices(c, uniq, node_unit, node_len, node_ok, per_shift)[back.reshape(-1)]
    ok = away < BIG
    arcs(
        glen0 + gl_class[ok] * n_len + gl_len[ok],
        pool0 + g_profile[gl_class[ok]] * n_len + gl_len[ok],
        np.full(int(ok.sum()), big),
        away[ok],
    )
    p_idx, k_idx = np.nonzero(node_ok)
    arcs(pool0 + p_idx * n_len + node_len_index[k_idx], need0 + k_idx, np.full(len(k_idx), big), np.zeros(len(k_idx)))

    # unmet places
    unmet = np.where(node_critical == 1, w.unmet_critical, w.unmet_other).astype(np.int64)
    unmet = unmet - w.cost_per_ore * dearest_supplement
    arcs(np.zeros(n_nodes, dtype=np.int64), need0 + np.arange(n_nodes), demand, unmet)

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps),
        np.concatenate(costs),
    )
    supplies = np.zeros(n_all, dtype=np.int64)
    supplies[source] = big
    supplies[need0:] = -demand
    flow.set_nodes_supplies(np.arange(n_all, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    return int(flow.optimal_cost()) + w.cost_per_ore * int((supplement[in_week] * c.n_count[in_week]).sum())
