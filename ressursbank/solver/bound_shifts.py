"""A lower bound from weekly minimum-cost flows of whole shifts (docs/objective.md, "The lower bound").

Per week, people (aggregated into classes of identical eligibility profile, home unit, contract, full time, rates,
weekly capacity and slots) supply whole shifts through *slots*: a person's shifts of the week, sorted from longest
to shortest, fill slots 1, 2, 3, ... in order. The j-th longest shift of length ``L`` starts after at least
``(j - 1) * L`` minutes of the same week, and the week's extra-hours and overtime cost ``f(minutes)`` is convex, so
that shift adds at least ``f(j * L) - f((j - 1) * L)``: the slot's price. A shift of length ``L`` cannot be the
j-th longest when ``j * L`` exceeds the person's weekly capacity, nobody has more slots than free days when the
daily rest separates every two shifts of a day, and one fewer when working every day leaves no weekly rest.

A shift at the home unit goes straight to a home need; a shift elsewhere passes through the profile's pool at the
price of the nearest eligible host (travel per shift, the outside-sector cost spread over the most shifts anyone
can work) plus, in the week's first "free" slots (those the shortest shift fills within the contract), the move
spread over all of the person's free slots of the horizon: at most one move per person is ever charged. Every
shift costs its wage (the class's least) and its need's least supplement. A place may be left unmet at its weight.
Classes also share a *taste* (unit kinds volunteered for, avoiding nights, avoiding weekends), so a shift pays the
preferences term: away at a kind not volunteered for, a night or a weekend the taste avoids (need nodes keep
weekends apart; a host pool that mixes nights and days is priced at its least).

The unsocial spread is a separate flow over the horizon (the k-th evening, night or weekend shift of a person adds
``2k - 1`` squares) that is given a small part of each unmet place's weight; the weekly flows keep the rest. Any
plan the engine accepts maps to flows costing at most its objective, so their optimum is a lower bound.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from ressursbank.domain.rules import WeeklyRest
from ressursbank.solver.compile import BIG, Compiled

IntArray = npt.NDArray[np.int64]
#: Travel to every host unit is priced exactly when there are at most this many units (the Asker preset's 282:
#: about 10 % more CPU for the flow); beyond, ``HOST_CLUSTERS`` clusters of nearby units price it.
EXACT_HOSTS_UP_TO = 300
#: At most this many host clusters price away shifts when there are more than ``EXACT_HOSTS_UP_TO`` units.
HOST_CLUSTERS = 100
#: Preferences are priced when there are at most this many employees (on the Oslo-like preset, 52,000, the
#: classes and pools split by taste made the flow several times slower and larger).
TASTES_UP_TO_EMPLOYEES = 20_000
#: Shift lengths held by fewer than one place in this many of a week do not set how many free shifts fit.
RARE_LENGTH_SHARE = 20


def eligibility_profiles(class_mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """Employees grouped by identical eligibility column: (``[need class, profile]`` matrix, profile per employee).

    Columns are packed to bytes and grouped by a dictionary: far faster than ``np.unique(axis=1)`` on large masks.
    """
    n_employees = class_mask.shape[1]
    packed = np.ascontiguousarray(np.packbits(class_mask, axis=0).T)
    index: dict[bytes, int] = {}
    profile_of = np.empty(n_employees, dtype=np.int64)
    first: list[int] = []
    for e in range(n_employees):
        key = packed[e].tobytes()
        found = index.get(key)
        if found is None:
            found = index[key] = len(first)
            first.append(e)
        profile_of[e] = found
    matrix: npt.NDArray[np.bool_] = class_mask[:, np.array(first, dtype=np.int64)]
    return matrix, profile_of


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


def _weekly_rest_forbids_every_day(c: Compiled, week: int, in_week: IntArray) -> bool:
    """True when working on every day of the week leaves no rest as long as the weekly rest every rule set requires.

    With one shift per day, the longest time off inside the week is at most the largest of: the latest start on its
    first day after the week begins, the latest start on a day after the earliest end on the day before, and the
    week's end after the earliest end on its last day (shifts of other weeks only cover more). The rule must be a
    hard stop in every rule set.
    """
    days = c.week_days[week]
    rule_sets = c.problem.organisation.rule_sets
    required = []
    for r in np.unique(c.e_rule_set).tolist():
        hard = [rule for rule in rule_sets[r].rules if isinstance(rule, WeeklyRest) and rule.is_hard]
        if not hard:
            return False
        required.append(min(c.rule_params[r].weekly_rest, days * 1440))
    lo = week * 7 * 1440
    hi = lo + days * 1440
    latest_start = np.full(days, -1, dtype=np.int64)
    earliest_end = np.full(days, hi, dtype=np.int64)
    day_of = c.n_day[in_week] - week * 7
    np.maximum.at(latest_start, day_of, c.n_start[in_week])
    np.minimum.at(earliest_end, day_of, np.minimum(hi, c.n_end[in_week]))
    if (latest_start < 0).any():
        return False
    gaps = [int(latest_start[0]) - lo, hi - int(earliest_end[-1])]
    gaps += (latest_start[1:] - earliest_end[:-1]).tolist()
    return bool(max(gaps) < min(required))


class _Week:
    """Per-employee figures of one week: capacity (minutes), slots (the most shifts), contract, full time."""

    def __init__(self, c: Compiled, week: int, in_week: IntArray, shortest: IntArray) -> None:
        """``shortest``: per employee, the shortest need of the week they may fill."""
        rp = [c.rule_params[int(r)] for r in c.e_rule_set]
        max_week = np.array([p.max_week for p in rp], dtype=np.int64)
        ot_week = np.array([p.overtime_week for p in rp], dtype=np.int64)
        max_day = np.array([p.max_day for p in rp], dtype=np.int64)
        self.full = np.maximum(0, c.e_full[:, week].astype(np.int64))
        self.contract = np.minimum(self.full, np.maximum(0, c.e_contract[:, week].astype(np.int64)))
        days = _days_free(c, week, in_week)
        self.capacity = np.maximum(0, np.minimum(np.minimum(max_week, self.full + ot_week), days * max_day))
        slots = self.capacity // np.maximum(1, shortest)
        if _one_shift_per_day(c, in_week):
            if _weekly_rest_forbids_every_day(c, week, in_week):
                days = np.minimum(days, c.week_days[week] - 1)
            slots = np.minimum(slots, days)
        self.slots = np.maximum(0, slots)
        self.shortest = shortest
        self.free_slots = np.zeros(c.n_employees, dtype=np.int64)

    def set_free_slots(self, position_rate: IntArray, common_shortest: int = 0) -> None:
        """The slots the move share goes on: as many shifts of the shortest length the person may fill as fit at
        no extra-hours cost, counting rare short lengths as ``common_shortest`` (the week's shortest length that is
        not rare). Any count keeps the bound valid (a person pays at most the share times their count, summed over
        the horizon: one move); a count too high spreads the move thin, one too low lets the flow put away shifts
        in slots beyond it without the share, which only rare short shifts can do at no extra-hours cost."""
        free_minutes = np.where(position_rate > 0, self.contract, self.full)
        length = np.maximum(np.maximum(1, self.shortest), common_shortest)
        self.free_slots = np.minimum(self.slots, free_minutes // length)

    def merge(self, other: _Week) -> None:
        """Relax to cover ``other`` too (same contract and full time): the larger capacity and slots."""
        self.capacity = np.maximum(self.capacity, other.capacity)
        self.slots = np.maximum(self.slots, other.slots)
        self.free_slots = np.maximum(self.free_slots, other.free_slots)


def _common_shortest(c: Compiled, in_week: IntArray) -> int:
    """The shortest shift length of the week held by at least one place in ``RARE_LENGTH_SHARE`` (0 if none)."""
    lengths, length_of = np.unique(c.n_minutes[in_week], return_inverse=True)
    places = np.bincount(length_of.reshape(-1), weights=c.n_count[in_week], minlength=len(lengths))
    common = lengths[places * RARE_LENGTH_SHARE >= places.sum()]
    return int(common.min()) if len(common) else 0


class _Nodes:
    """The needs of one week as nodes (need class, critical, length) with their demand and supplements."""

    def __init__(self, c: Compiled, in_week: IntArray, supplement: IntArray, split_weekends: bool) -> None:
        key = np.stack(
            [
                c.n_class[in_week],
                c.n_critical[in_week].astype(np.int64),
                c.n_minutes[in_week],
                c.n_weekend[in_week].astype(np.int64) * split_weekends,
            ]
        )
        nodes, node_of = np.unique(key, axis=1, return_inverse=True)
        node_of = node_of.reshape(-1)
        self.node_of = node_of  # per need of the week, its node
        self.n = nodes.shape[1]
        self.need_class, self.critical, self.length, self.weekend = nodes
        # night is part of the need class
        self.night = np.array([c.n_night[c.class_needs[k][0]] for k in self.need_class.tolist()], dtype=np.int64)
        self.demand = np.bincount(node_of, weights=c.n_count[in_week], minlength=self.n).astype(np.int64)
        # supplements are counted for every place up front; an unmet place gives back at most its node's dearest
        self.dearest_supplement = np.zeros(self.n, dtype=np.int64)
        np.maximum.at(self.dearest_supplement, node_of, supplement[in_week])
        self.supplements = int((supplement[in_week] * c.n_count[in_week]).sum())
        self.unit = np.array([c.n_unit[c.class_needs[k][0]] for k in self.need_class.tolist()], dtype=np.int64)
        self.lengths, index = np.unique(self.length, return_inverse=True)
        self.length_index = index.reshape(-1)

    def signature(self) -> bytes:
        """Equal for weeks whose flows differ at most in the people's figures."""
        parts = (self.need_class, self.critical, self.length, self.weekend, self.demand, self.dearest_supplement)
        return b"".join(a.tobytes() for a in parts)


def _origin_to_pools(
    c: Compiled,
    origins: IntArray,
    p_idx: IntArray,
    k_idx: IntArray,
    pool_of: IntArray,
    nodes: _Nodes,
    per_shift: int,
    tastes: _Tastes | None = None,
    parts: list[IntArray] | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Arcs origin -> host pool: (origin row, pool, price) for every origin (home unit, profile, length index and,
    with ``tastes``, taste) and every pool of eligible need nodes (``p_idx``, ``k_idx``, their pool ``pool_of``) of
    that profile and length: the least, over the pool's eligible hosts other than home, of travel plus the
    outside-sector cost spread over ``per_shift`` shifts where that host is in another sector plus, with
    ``tastes``, the unwanted shifts (a host kind not volunteered for, a night or weekend the taste avoids).
    With ``parts`` (an empty list), it receives the price's travel, outside-sector and unwanted parts per arc (at
    the cheapest host) as one ``[3, arc]`` array."""
    w = c.weights
    outside_share = w.outside_sector_person // per_shift
    by_profile = np.argsort(p_idx, kind="stable")
    bounds = np.searchsorted(p_idx[by_profile], np.arange(int(p_idx.max(initial=-1)) + 2))
    out_from: list[IntArray] = []
    out_to: list[IntArray] = []
    out_price: list[IntArray] = []
    out_parts: list[IntArray] = []
    for p in np.unique(origins[:, 1]).tolist():
        if p + 1 >= len(bounds):
            continue
        pairs = by_profile[bounds[p] : bounds[p + 1]]
        if len(pairs) == 0:
            continue
        rows = np.flatnonzero(origins[:, 1] == p)
        homes, length_of_row = origins[rows, 0], origins[rows, 2]
        ks = k_idx[pairs]
        hosts = nodes.unit[ks]
        # columns sorted by pool so that one minimum per pool is a reduceat
        order = np.argsort(pool_of[pairs], kind="stable")
        ks, hosts, col_pool = ks[order], hosts[order], pool_of[pairs][order]
        travel = w.travel_per_km * c.unit_km[np.ix_(homes, hosts)].astype(np.int64)
        outside = outside_share * (c.u_sector[homes][:, None] != c.u_sector[hosts][None, :]).astype(np.int64)
        price = travel + outside
        unwanted: IntArray | None = None
        if tastes is not None:
            taste = origins[rows, 3]
            unwanted = tastes.unwilling_at[np.ix_(taste, hosts)].astype(np.int64)
            unwanted += tastes.avoid_nights[taste][:, None] * nodes.night[ks][None, :]
            unwanted += tastes.avoid_weekends[taste][:, None] * nodes.weekend[ks][None, :]
            unwanted *= w.unwanted_shift
            price += unwanted
        price[(homes[:, None] == hosts[None, :]) | (length_of_row[:, None] != nodes.length_index[ks][None, :])] = BIG
        starts = np.flatnonzero(np.r_[True, col_pool[1:] != col_pool[:-1]])
        least = np.minimum.reduceat(price, starts, axis=1)  # [row, pool of p]
        r, q = np.nonzero(least < BIG)
        out_from.append(rows[r])
        out_to.append(col_pool[starts][q])
        out_price.append(least[r, q])
        if parts is not None:
            # the cheapest host's column: the least of price * columns + column (prices are below BIG)
            column = np.arange(price.shape[1], dtype=np.int64)
            cheapest = np.minimum.reduceat(price * price.shape[1] + column[None, :], starts, axis=1)[r, q]
            at = cheapest % price.shape[1]
            unwanted_at = unwanted[r, at] if unwanted is not None else np.zeros(len(r), dtype=np.int64)
            out_parts.append(np.stack([travel[r, at], outside[r, at], unwanted_at]))
    if not out_from:
        empty = np.zeros(0, dtype=np.int64)
        if parts is not None:
            parts.append(np.zeros((3, 0), dtype=np.int64))
        return empty, empty, empty
    if parts is not None:
        parts.append(np.concatenate(out_parts, axis=1))
    return np.concatenate(out_from), np.concatenate(out_to), np.concatenate(out_price)


def _unit_clusters(c: Compiled, most: int) -> IntArray:
    """Host units grouped into at most ``most`` clusters of nearby units (each unit its own when few enough): the
    travel to a cluster is its nearest unit's, so coarser clusters only lower the bound."""
    n_units = len(c.unit_ids)
    if n_units <= most:
        return np.arange(n_units, dtype=np.int64)
    lat = np.array([u.location.lat for u in c.problem.units], dtype=np.float64)
    lon = np.array([u.location.lon for u in c.problem.units], dtype=np.float64)
    cell = 0.005
    while True:
        keys = np.stack([np.floor(lat / cell), np.floor(lon / cell)], axis=1)
        cells, cluster = np.unique(keys, axis=0, return_inverse=True)
        if len(cells) <= most:
            return cluster.reshape(-1).astype(np.int64)
        cell *= 1.5


class _Tastes:
    """People grouped by what the preferences term counts against them: the unit kinds they volunteered for,
    avoiding nights, avoiding weekends. Not ``enabled``: one taste that avoids nothing (the term is not priced)."""

    def __init__(self, c: Compiled, enabled: bool) -> None:
        self.enabled = enabled
        keys = [
            (tuple(sorted(c.e_willing[e])), bool(c.e_avoid_nights[e]), bool(c.e_avoid_weekends[e]))
            if enabled
            else (tuple(sorted(set(c.u_kind))), False, False)
            for e in range(c.n_employees)
        ]
        index: dict[tuple[tuple[str, ...], bool, bool], int] = {}
        self.of_employee = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)
        ordered = sorted(index, key=index.__getitem__)
        self.avoid_nights = np.array([k[1] for k in ordered], dtype=np.int64)
        self.avoid_weekends = np.array([k[2] for k in ordered], dtype=np.int64)
        # [taste, unit]: a shift there counts as unwanted when away from home
        self.unwilling_at = np.array(
            [[kind not in k[0] for kind in c.u_kind] for k in ordered], dtype=np.bool_
        ).reshape(len(ordered), len(c.u_kind))

    def at_node(self, taste: IntArray, nodes: _Nodes) -> IntArray:
        """Unwanted counts ``[taste row, node]`` from nights and weekends alone (a home shift)."""
        out: IntArray = (
            self.avoid_nights[taste][:, None] * nodes.night[None, :]
            + self.avoid_weekends[taste][:, None] * nodes.weekend[None, :]
        )
        return out


class _People:
    """Per-employee figures that do not change with the week."""

    def __init__(self, c: Compiled, class_columns: npt.NDArray[np.bool_], profile_of: IntArray) -> None:
        w = c.weights
        rp = [c.rule_params[int(r)] for r in c.e_rule_set]
        self.position_rate = np.array(
            [
                0 if (p.position_volunteers_free and bool(c.e_volunteer[e])) else p.position_cost_per_hour // 60
                for e, p in enumerate(rp)
            ],
            dtype=np.int64,
        )
        self.overtime_rate = w.overtime_per_minute + w.cost_per_ore * c.e_overtime_ore.astype(np.int64)
        self.wage = c.e_wage.astype(np.int64)
        self.class_columns = class_columns  # [need class, profile]
        self.profile_of = profile_of
        self.horizon_slots = np.ones(c.n_employees, dtype=np.int64)
        self.horizon_free_slots = np.ones(c.n_employees, dtype=np.int64)
        self.tastes = _Tastes(c, c.n_employees <= TASTES_UP_TO_EMPLOYEES)
        exact = len(c.unit_ids) <= EXACT_HOSTS_UP_TO
        self.unit_cluster = _unit_clusters(c, len(c.unit_ids) if exact else HOST_CLUSTERS)


class Prepared:
    """What the weekly flows share (and any other bound built on the same week groups): people, week groups and
    the constant and unsocial parts of the bound."""

    def __init__(
        self,
        people: _People,
        groups: list[tuple[_Nodes, _Week, int]],
        supplements: int,
        spread_unmet: int,
        spread: int,
    ) -> None:
        self.people = people
        self.groups = groups  # (need nodes, the week's people figures, how many weeks it stands for)
        self.supplements = supplements  # every place's least supplement (øre), counted up front
        self.spread_unmet = spread_unmet  # the part of each unmet place's weight the unsocial flow took
        self.spread = spread  # the unsocial flow's cost


def prepare(c: Compiled, profiles: tuple[npt.NDArray[np.bool_], IntArray] | None = None) -> Prepared:
    """Week groups, per-person horizon figures and the unsocial flow (see the module docstring)."""
    class_columns, profile_of = profiles if profiles is not None else eligibility_profiles(c.class_mask)
    people = _People(c, class_columns, profile_of.reshape(-1))
    supplement = c.n_supplement.min(axis=0) if c.n_supplement.size else np.zeros(c.n_needs, dtype=np.int64)
    # weeks with the same need nodes and the same norms share one flow, with each person's larger capacity
    groups: dict[bytes, tuple[_Nodes, _Week, int]] = {}
    supplements = 0
    for week in range(c.weeks):
        in_week = np.flatnonzero(c.n_week == week)
        if len(in_week) == 0:
            continue
        nodes = _Nodes(c, in_week, supplement, people.tastes.enabled)
        supplements += nodes.supplements
        shortest_by_profile = np.where(
            class_columns[nodes.need_class].T, nodes.length[None, :], np.iinfo(np.int64).max
        ).min(axis=1, initial=np.iinfo(np.int64).max)
        wk = _Week(c, week, in_week, shortest_by_profile[people.profile_of])
        wk.set_free_slots(people.position_rate, _common_shortest(c, in_week))
        key = nodes.signature() + c.e_full[:, week].tobytes() + c.e_contract[:, week].tobytes()
        if key in groups:
            first, merged, times = groups[key]
            merged.merge(wk)
            groups[key] = (first, merged, times + 1)
        else:
            groups[key] = (nodes, wk, 1)
    # per person, the most shifts and free slots over the horizon as the flows count them (a merged week counts
    # its larger figures once per week it stands for)
    horizon_slots = np.zeros(c.n_employees, dtype=np.int64)
    horizon_free = np.zeros(c.n_employees, dtype=np.int64)
    for _, wk, times in groups.values():
        horizon_slots += times * wk.slots
        horizon_free += times * wk.free_slots
    people.horizon_slots = np.maximum(1, horizon_slots)
    people.horizon_free_slots = np.maximum(1, horizon_free)
    # the unsocial spread gets a small part of each unmet place's weight, just enough that leaving an unsocial
    # place unmet never pays there; the weekly flows keep the rest
    w = c.weights
    spread_unmet = (2 * int(people.horizon_slots.max(initial=1)) + 1) * w.unsocial_squared
    spread = 0
    if 0 < spread_unmet <= min(w.unmet_critical, w.unmet_other) and c.n_unsocial.any():
        found = _unsocial_flow(c, people, spread_unmet)
        if found is not None:
            spread = found
        else:
            spread_unmet = 0
    else:
        spread_unmet = 0
    return Prepared(people, list(groups.values()), supplements, spread_unmet, spread)


def shift_flow_bound(
    c: Compiled,
    profiles: tuple[npt.NDArray[np.bool_], IntArray] | None = None,
    prepared: Prepared | None = None,
) -> int | None:
    """The bound of the module docstring; ``None`` when a flow fails (the caller then keeps its other bounds).

    ``profiles``: ``eligibility_profiles(c.class_mask)`` when the caller has it already; ``prepared``: ``prepare``'s
    result when the caller has it already.
    """
    if c.n_needs == 0:
        return 0
    return shift_flow_bound_and_prices(c, profiles, prepared)[0]


def shift_flow_bound_and_prices(
    c: Compiled,
    profiles: tuple[npt.NDArray[np.bool_], IntArray] | None = None,
    prepared: Prepared | None = None,
    *,
    with_prices: bool = False,
    deadline: float | None = None,
    terms: dict[str, int] | None = None,
) -> tuple[int | None, IntArray | None]:
    """``shift_flow_bound`` and, with ``with_prices``, a price per need: the marginal cost of one more place of its
    node in its week's optimal flow (shortest path from the source in the residual graph, found by Bellman-Ford)
    plus the need's least supplement. The prices are the flow's duals: a starting point for the Lagrangian bound
    (``bound_lagrange``), where any prices give a valid bound; the shortest-path passes stop at ``deadline``
    (``time.perf_counter()``), leaving the distances found by then. With ``terms`` (see ``shift_flow_terms``), the
    bound is also split into the objective's terms there."""
    if c.n_needs == 0:
        return 0, np.zeros(0, dtype=np.int64) if with_prices else None
    ready = prepared if prepared is not None else prepare(c, profiles)
    total = ready.spread + c.weights.cost_per_ore * ready.supplements
    if terms is not None:
        terms["unsocial_spread"] = terms.get("unsocial_spread", 0) + ready.spread
        terms["cost"] = terms.get("cost", 0) + c.weights.cost_per_ore * ready.supplements
    node_prices: dict[bytes, IntArray] = {}
    for nodes, wk, times in ready.groups:
        week_terms: dict[str, int] | None = {} if terms is not None else None
        found = _week_flow(
            c,
            nodes,
            wk,
            ready.people,
            ready.spread_unmet,
            with_prices=with_prices,
            deadline=deadline,
            terms=week_terms,
        )
        if found is None:
            return None, None
        cost, prices = found
        total += times * cost
        if terms is not None and week_terms is not None:
            for name, value in week_terms.items():
                terms[name] = terms.get(name, 0) + times * value
        if prices is not None:
            node_prices[nodes.signature()] = prices
    if not with_prices:
        return total, None
    supplement = c.n_supplement.min(axis=0) if c.n_supplement.size else np.zeros(c.n_needs, dtype=np.int64)
    out = np.zeros(c.n_needs, dtype=np.int64)
    for week in range(c.weeks):
        in_week = np.flatnonzero(c.n_week == week)
        if len(in_week) == 0:
            continue
        nodes = _Nodes(c, in_week, supplement, ready.people.tastes.enabled)
        prices = node_prices.get(nodes.signature())
        if prices is not None:
            out[in_week] = prices[nodes.node_of] + c.weights.cost_per_ore * supplement[in_week]
    return total, out


def shift_flow_terms(c: Compiled, prepared: Prepared | None = None) -> dict[str, int] | None:
    """The whole-shift flow bound split into the objective's terms (names as ``Result.terms``), summing to
    ``shift_flow_bound``: what the optimal flows pay for each term, a diagnostic of where the bound is weak.

    The unsocial flow's cost (including its small share of unmet places) counts as ``unsocial_spread``; wages,
    supplements and overtime supplements as ``cost`` (an unmet place's supplement given back makes it smaller);
    extra hours below full time as ``warnings`` (PositionNorm). ``None`` when a flow fails."""
    terms: dict[str, int] = {}
    if c.n_needs == 0:
        return terms
    if shift_flow_bound_and_prices(c, prepared=prepared, terms=terms)[0] is None:
        return None
    return {name: value for name, value in terms.items() if value}


def _unsocial_flow(c: Compiled, people: _People, unmet_price: int) -> int | None:
    """A lower bound on the unsocial spread plus ``unmet_price`` per unmet unsocial place.

    People by (profile, most shifts in the horizon); a person's k-th evening, night or weekend shift adds
    ``(2k - 1)`` times the weight to the square of their count, so parallel arcs of rising price, one per k, each
    with one unit per person, give the convex spread; the places go to eligible need classes over the horizon.
    """
    w = c.weights
    unsocial = np.flatnonzero(c.n_unsocial)
    key = c.n_class[unsocial] * 2 + c.n_critical[unsocial].astype(np.int64)
    needs, need_of = np.unique(key, return_inverse=True)
    demand = np.bincount(need_of.reshape(-1), weights=c.n_count[unsocial], minlength=len(needs)).astype(np.int64)
    node_ok = people.class_columns[needs // 2].T  # [profile, node]
    can_work: npt.NDArray[np.bool_] = np.asarray(node_ok.any(axis=1), dtype=np.bool_)
    useful = can_work[people.profile_of]
    classes, class_of = np.unique(
        np.stack([people.profile_of, people.horizon_slots])[:, useful], axis=1, return_inverse=True
    )
    members = np.bincount(class_of.reshape(-1), minlength=classes.shape[1])
    g_profile, g_slots = classes
    n_g, n_profiles, n_needs = classes.shape[1], people.class_columns.shape[1], len(needs)
    class0, profile0 = 1, 1 + n_g
    need0 = profile0 + n_profiles
    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []
    g = np.arange(n_g, dtype=np.int64)
    for k in range(1, int(g_slots.max(initial=0)) + 1):
        has = g[g_slots >= k]
        tails.append(np.zeros(len(has), dtype=np.int64))
        heads.append(class0 + has)
        caps.append(members[has])
        costs.append(np.full(len(has), (2 * k - 1) * w.unsocial_squared, dtype=np.int64))
    big = int(demand.sum())
    tails.append(class0 + g)
    heads.append(profile0 + g_profile)
    caps.append(np.full(n_g, big, dtype=np.int64))
    costs.append(np.zeros(n_g, dtype=np.int64))
    p_idx, k_idx = np.nonzero(node_ok)
    tails.append(profile0 + p_idx)
    heads.append(need0 + k_idx)
    caps.append(np.full(len(k_idx), big, dtype=np.int64))
    costs.append(np.zeros(len(k_idx), dtype=np.int64))
    tails.append(np.zeros(n_needs, dtype=np.int64))
    heads.append(need0 + np.arange(n_needs))
    caps.append(demand)
    costs.append(np.full(n_needs, unmet_price, dtype=np.int64))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    supplies = np.zeros(need0 + n_needs, dtype=np.int64)
    supplies[0] = big
    supplies[need0:] = -demand
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    return int(flow.optimal_cost())


def _week_flow(
    c: Compiled,
    nodes: _Nodes,
    wk: _Week,
    people: _People,
    spread_unmet: int,
    *,
    with_prices: bool = False,
    deadline: float | None = None,
    terms: dict[str, int] | None = None,
) -> tuple[int, IntArray | None] | None:
    """The minimum cost of one week's flow (the module docstring), without the supplements counted up front, and
    with ``with_prices`` the marginal cost of one more place at each need node (see ``_node_prices``). With
    ``terms`` (empty), it receives that cost split into the objective's terms (see ``shift_flow_terms``)."""
    w = c.weights
    n_len = len(nodes.lengths)
    node_ok = people.class_columns[nodes.need_class].T  # [profile, node]

    # people classes; the wage, overtime supplement and horizon slots of a class are its members' least / most
    # (lower prices keep the bound valid)
    can_work: npt.NDArray[np.bool_] = np.asarray(node_ok.any(axis=1), dtype=np.bool_)
    useful = can_work[people.profile_of] & (wk.slots > 0)
    key = np.stack(
        [
            people.profile_of,
            c.e_home,
            wk.contract,
            wk.full,
            people.position_rate,
            wk.capacity,
            wk.slots,
            people.tastes.of_employee,
        ]
    )[:, useful]
    classes, class_of = np.unique(key, axis=1, return_inverse=True)
    class_of = class_of.reshape(-1)
    n_g = classes.shape[1]
    members = np.bincount(class_of, minlength=n_g)
    g_profile, g_home, g_contract, g_full, g_position, g_capacity, g_slots, g_taste = classes
    g_wage = np.full(n_g, BIG, dtype=np.int64)
    np.minimum.at(g_wage, class_of, people.wage[useful])
    g_overtime = np.full(n_g, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(g_overtime, class_of, people.overtime_rate[useful])
    # the move is charged on away shifts in the first ``free`` slots of each week: a person has at most
    # ``horizon free`` of those, so the charges stay within one move
    g_free = np.zeros(n_g, dtype=np.int64)  # the same for all members: it follows from the class's key
    np.maximum.at(g_free, class_of, wk.free_slots[useful])
    g_horizon_free = np.zeros(n_g, dtype=np.int64)
    np.maximum.at(g_horizon_free, class_of, people.horizon_free_slots[useful])
    move_share = w.moved_person // np.maximum(1, g_horizon_free)
    # the slot prices need a convex weekly cost: an extra-hours rate above the overtime rate is lowered to it
    g_position = np.minimum(g_position, g_overtime)
    max_slots = int(g_slots.max(initial=0))

    # node numbering (origins and host pools are numbered where they are built)
    source = 0
    need0 = 1
    slot0 = need0 + nodes.n
    glen0 = slot0 + n_g * max_slots  # (class, length, home 0 / away 1)
    origin0 = glen0 + n_g * n_len * 2

    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []
    # with ``terms``: per block of arcs, its cost split into objective terms (the parts sum to the cost)
    parts: list[tuple[int, dict[str, IntArray]]] = []

    def arcs(
        t: npt.NDArray[Any],
        h: npt.NDArray[Any],
        cap: npt.NDArray[Any],
        cost: npt.NDArray[Any],
        split: dict[str, npt.NDArray[Any]] | None = None,
    ) -> None:
        tails.append(t.astype(np.int64))
        heads.append(h.astype(np.int64))
        caps.append(cap.astype(np.int64))
        costs.append(cost.astype(np.int64))
        if terms is not None:
            full = {name: np.broadcast_to(part, len(t)).astype(np.int64) for name, part in (split or {}).items()}
            parts.append((len(t), full))

    def week_cost(m: int) -> IntArray:
        extra = np.maximum(0, np.minimum(m, g_full) - g_contract)
        over = np.maximum(0, m - g_full)
        out: IntArray = g_position * extra + g_overtime * over
        return out

    def week_terms(m: int) -> dict[str, IntArray]:
        """``week_cost`` split: extra hours (PositionNorm), the overtime weight, the overtime supplement."""
        extra = np.maximum(0, np.minimum(m, g_full) - g_contract)
        over = np.maximum(0, m - g_full)
        return {
            "warnings": g_position * extra,
            "overtime": w.overtime_per_minute * over,
            "cost": (g_overtime - w.overtime_per_minute) * over,
        }

    g = np.arange(n_g, dtype=np.int64)
    big = int(nodes.demand.sum())

    # home shifts: (class, length, home) -> need nodes at the home unit the profile may fill
    home_ok = np.zeros((n_g, n_len), dtype=np.bool_)
    order = np.argsort(nodes.unit, kind="stable")
    units_sorted = nodes.unit[order]
    for gi in range(n_g):
        lo = np.searchsorted(units_sorted, g_home[gi], side="left")
        hi = np.searchsorted(units_sorted, g_home[gi], side="right")
        at_home = order[lo:hi]
        k = at_home[node_ok[g_profile[gi], at_home]]
        if len(k):
            home_ok[gi, nodes.length_index[k]] = True
            unwanted = people.tastes.at_node(g_taste[gi : gi + 1], nodes)[0, k]
            arcs(
                glen0 + (gi * n_len + nodes.length_index[k]) * 2,
                need0 + k,
                np.full(len(k), big),
                w.unwanted_shift * unwanted,
                {"preferences": w.unwanted_shift * unwanted},
            )

    # away shifts: (class, length, away) -> origin (home unit, profile, length) -> host pool (profile, length,
    # host cluster) at the least travel and outside-sector price from the origin to an eligible host of the cluster
    # other than home -> the pool's need nodes
    gl_class = np.repeat(g, n_len)
    gl_len = np.tile(np.arange(n_len), n_g)
    keys = np.stack([g_home[gl_class], g_profile[gl_class], gl_len, g_taste[gl_class]], axis=1)
    origins, origin_of = np.unique(keys, axis=0, return_inverse=True)
    origin_of = origin_of.reshape(-1)
    p_idx, k_idx = np.nonzero(node_ok)
    n_clusters = int(people.unit_cluster.max(initial=0)) + 1
    pool_key = (p_idx * n_len + nodes.length_index[k_idx]) * n_clusters + people.unit_cluster[nodes.unit[k_idx]]
    pools, pool_of = np.unique(pool_key, return_inverse=True)
    pool_of = pool_of.reshape(-1)
    pool0 = origin0 + len(origins)
    n_all = pool0 + len(pools)
    per_shift = int(people.horizon_slots.max(initial=1))
    tastes = people.tastes if people.tastes.enabled else None
    away_parts: list[IntArray] | None = [] if terms is not None else None
    o_from, o_to, o_price = _origin_to_pools(c, origins, p_idx, k_idx, pool_of, nodes, per_shift, tastes, away_parts)
    away_split = None
    if away_parts:
        away_split = dict(zip(("travel", "outside_sector", "preferences"), away_parts[0], strict=True))
    arcs(origin0 + o_from, pool0 + o_to, np.full(len(o_from), big), o_price, away_split)
    arcs(pool0 + pool_of, need0 + k_idx, np.full(len(k_idx), big), np.zeros(len(k_idx)))
    reachable = np.zeros(len(origins), dtype=np.bool_)
    reachable[o_from] = True
    ok = reachable[origin_of]
    away_ok = ok.reshape(n_g, n_len)
    arcs(
        glen0 + (gl_class[ok] * n_len + gl_len[ok]) * 2 + 1,
        origin0 + origin_of[ok],
        np.full(int(ok.sum()), big),
        np.zeros(int(ok.sum())),
    )

    # slots: source -> (class, j) -> (class, length, home / away) at the slot's price (and the move share away);
    # only towards lengths the class can work at home or away
    for j in range(1, max_slots + 1):
        has = g_slots >= j
        n_has = int(has.sum())
        arcs(np.zeros(n_has), slot0 + g[has] * max_slots + (j - 1), members[has], np.zeros(n_has))
        for li, length in enumerate(nodes.lengths.tolist()):
            fits = has & (j * length <= g_capacity)
            wage = w.cost_per_ore * (g_wage * length * 100 // 60)
            price = week_cost(j * length) - week_cost((j - 1) * length) + wage
            to_home = fits & home_ok[:, li]
            at = glen0 + (g * n_len + li) * 2
            slot = slot0 + g * max_slots + (j - 1)
            share = np.where(j <= g_free, move_share, 0)
            split: dict[str, IntArray] = {}
            if terms is not None:
                now, before = week_terms(j * length), week_terms((j - 1) * length)
                split = {name: now[name] - before[name] for name in now}
                split["cost"] = split["cost"] + wage
            home = {n: v[to_home] for n, v in split.items()}
            arcs(slot[to_home], at[to_home], members[to_home], price[to_home], home)
            to_away = fits & away_ok[:, li]
            away = {n: v[to_away] for n, v in split.items()} | {"moved": share[to_away]}
            arcs(slot[to_away], at[to_away] + 1, members[to_away], (price + share)[to_away], away)

    # unmet places, less the supplement counted up front
    unmet = np.where(nodes.critical == 1, w.unmet_critical, w.unmet_other).astype(np.int64) - spread_unmet
    given_back = w.cost_per_ore * nodes.dearest_supplement
    unmet_split = {
        "unmet_critical": np.where(nodes.critical == 1, unmet, 0),
        "unmet_other": np.where(nodes.critical == 1, 0, unmet),
        "cost": -given_back,
    }
    arcs(np.zeros(nodes.n), need0 + np.arange(nodes.n), nodes.demand, unmet - given_back, unmet_split)

    flow = min_cost_flow.SimpleMinCostFlow()
    all_tails, all_heads = np.concatenate(tails), np.concatenate(heads)
    all_caps, all_costs = np.concatenate(caps), np.concatenate(costs)
    arc_ids = flow.add_arcs_with_capacity_and_unit_cost(
        all_tails.astype(np.int32), all_heads.astype(np.int32), all_caps, all_costs
    )
    supplies = np.zeros(n_all, dtype=np.int64)
    supplies[source] = big
    supplies[need0 : need0 + nodes.n] = -nodes.demand
    flow.set_nodes_supplies(np.arange(n_all, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    if terms is not None:
        _split_cost(flow.flows(arc_ids), parts, terms)
    if not with_prices:
        return int(flow.optimal_cost()), None
    used = flow.flows(arc_ids)
    distance = _node_prices(n_all, source, all_tails, all_heads, all_caps, all_costs, used, deadline)
    return int(flow.optimal_cost()), distance[need0 : need0 + nodes.n]


def _split_cost(used: IntArray, parts: list[tuple[int, dict[str, IntArray]]], terms: dict[str, int]) -> None:
    """Add to ``terms`` the optimal flow's cost by term: each block of arcs' flows times its parts."""
    at = 0
    for size, split in parts:
        block = used[at : at + size]
        for name, part in split.items():
            terms[name] = terms.get(name, 0) + int((block * part).sum())
        at += size


def _node_prices(
    n_nodes: int,
    source: int,
    tails: IntArray,
    heads: IntArray,
    caps: IntArray,
    costs: IntArray,
    used: IntArray,
    deadline: float | None = None,
) -> IntArray:
    """Shortest distances from ``source`` in the residual graph of an optimal flow (Bellman-Ford, vectorised): the
    marginal cost of one more unit of demand at each node. Optimality leaves no negative cycle; if the passes run
    out or ``deadline`` passes, the distances found so far are returned (unreached nodes 0): they are only a
    starting point for other bounds."""
    forward = used < caps
    backward = used > 0
    r_tail = np.concatenate([tails[forward], heads[backward]])
    r_head = np.concatenate([heads[forward], tails[backward]])
    r_cost = np.concatenate([costs[forward], -costs[backward]])
    unreached = np.iinfo(np.int64).max // 4
    distance = np.full(n_nodes, unreached, dtype=np.int64)
    distance[source] = 0
    for _ in range(n_nodes):
        if deadline is not None and time.perf_counter() > deadline:
            break
        reached = distance[r_tail] < unreached
        candidate = distance[r_tail[reached]] + r_cost[reached]
        before = distance.copy()
        np.minimum.at(distance, r_head[reached], candidate)
        if np.array_equal(before, distance):
            break
    out: IntArray = np.where(distance >= unreached, 0, distance)
    return out
