"""A Lagrangian lower bound over day-level rosters (docs/objective.md, "The lower bound").

The coverage constraints ``filled(n) + unmet(n) >= demand(n)`` are relaxed with prices ``0 <= price(n) <=
unmet weight(n)``. For any such prices

    L(price) = sum_n price(n) * demand(n) + sum_persons min over the person's rosters of
               [the person's own objective terms - sum of the prices of the places the roster fills]

is at most the objective of every plan the engine accepts (weak duality: a plan's rosters are among the rosters
minimised over, its unmet places cost their weight >= their price). No convergence is needed for validity.

The per-person minimum is a dynamic program over days with the state (the group of the previous day's shift, for
the daily rest; the minutes worked so far this week, for the convex weekly extra-hours and overtime cost and the
hour caps; whether the last Sunday was worked, for Sunday alternation). One shift per day is required (checked:
the daily rest must separate any two shifts of a day). It runs three times: the person stays home; works away
within the sector (the move paid once); works anywhere (the move and the outside-sector cost paid once). An away
shift is worth the best price over eligible hosts less travel, the MaxTravel warning and an unwanted host kind.
The unsocial spread ``k^2`` is bounded below by a tangent ``2 a k - a^2`` (valid for any ``a``). Dropped (only
weakening the bound): weekly rest, HomeCriticalFirst, cohorts, the 4-week and yearly overtime caps, rest between
shifts two days apart, maximum hours per 24 h beyond one shift.

People are aggregated into classes with identical figures (eligibility profile, home unit, rule set, contract, full
time, extra-hours rate, taste, travel limit, days of absence); the wage and overtime supplement of a class are its
members' least. The dynamic program is vectorised with numpy over classes, in chunks so that memory scales with a
chunk, not with people x needs. Prices start from the given ones (the weekly flow's duals) and move by stabilised
column generation (``_ascend``) as long as time allows; the best ``L`` seen is returned.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ressursbank.checker.roster import rule_applies
from ressursbank.domain.rules import OneShiftAtATime
from ressursbank.solver.bound_shifts import TASTES_UP_TO_EMPLOYEES, eligibility_profiles
from ressursbank.solver.compile import Compiled

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: "Impossible" in the dynamic program; sums of two stay within int64.
INF = 2**60
#: At most this many week-minute states per class (minutes are tracked in units of the shift lengths' gcd, coarser
#: when that would give more states: a coarser unit floors the minutes, which only lowers the bound).
MAX_MINUTE_STATES = 100
#: Memory for the stored dynamic-program tables of one chunk of classes (bytes).
CHUNK_BYTES = 256 * 2**20
#: Memory for the cached away-price matrices (origins x need classes of a day pattern), bytes.
CACHE_BYTES = 256 * 2**20


@dataclass
class _Layout:
    """Time slots, day patterns and the rest structure (static)."""

    n_days: int
    n_slots: int
    slot_minutes: IntArray  # [slot]
    slot_units: IntArray  # [slot] minutes in DP units (floored)
    slot_group: IntArray  # [slot] the previous-day group a worked slot leaves behind
    compat: BoolArray  # [rule set, group, slot] may work slot after a day that left group
    n_groups: int
    unit: int  # minutes per DP unit
    ds_of_need: IntArray


def _slots(c: Compiled) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Slot keys (start minute of day, minutes, night) and each need's slot."""
    tod = c.n_start - c.n_day * 1440
    keys, slot_of = np.unique(np.stack([tod, c.n_minutes, c.n_night.astype(np.int64)]), axis=1, return_inverse=True)
    return keys[0], keys[1], keys[2], slot_of.reshape(-1).astype(np.int64)


def _layout(c: Compiled, used_rule_sets: list[int]) -> _Layout | None:
    """``None`` when some rule set lets a person work two shifts on one day (the DP assumes one)."""
    tod, minutes, _, slot_of = _slots(c)
    n_slots = len(tod)
    rule_sets = c.problem.organisation.rule_sets
    n_rs = len(rule_sets)
    compat_slots = np.ones((n_rs, n_slots, n_slots), dtype=np.bool_)  # [r, previous slot, slot]
    for r in used_rule_sets:
        rest = c.rule_params[r].daily_rest
        # the engine keeps a soft OneShiftAtATime hard too
        one_at_a_time = any(
            isinstance(rule, OneShiftAtATime) and rule_applies(rule, c.problem) for rule in rule_sets[r].rules
        )
        for a in range(n_slots):
            for b in range(n_slots):
                # same day: b starting at or after a must not be combinable with a
                if tod[b] >= tod[a]:
                    gap = int(tod[b] - tod[a] - minutes[a])
                    if gap >= rest or (gap < 0 and not one_at_a_time) or (a == b and not one_at_a_time):
                        return None
                gap = int(1440 + tod[b] - tod[a] - minutes[a])
                compat_slots[r, a, b] = gap >= rest or (gap < 0 and not one_at_a_time)
    # previous-day groups: slots that forbid the same next-day slots under every rule set; group 0 forbids nothing
    signatures: dict[bytes, int] = {np.ones((n_rs, n_slots), dtype=np.bool_).tobytes(): 0}
    slot_group = np.zeros(n_slots, dtype=np.int64)
    for a in range(n_slots):
        slot_group[a] = signatures.setdefault(compat_slots[:, a, :].tobytes(), len(signatures))
    n_groups = len(signatures)
    compat = np.ones((n_rs, n_groups, n_slots), dtype=np.bool_)
    for a in range(n_slots):
        compat[:, slot_group[a], :] = compat_slots[:, a, :]
    unit = int(np.gcd.reduce(minutes)) if n_slots else 1
    most = max(
        int(min(c.rule_params[r].max_week, int(c.e_full.max(initial=0)) + c.rule_params[r].overtime_week))
        for r in used_rule_sets
    )
    unit = max(unit, -(-most // MAX_MINUTE_STATES))
    return _Layout(
        n_days=c.problem.horizon_days,
        n_slots=n_slots,
        slot_minutes=minutes.astype(np.int64),
        slot_units=(minutes // unit).astype(np.int64),
        slot_group=slot_group,
        compat=compat,
        n_groups=n_groups,
        unit=unit,
        ds_of_need=c.n_day * n_slots + slot_of,
    )


class _Model:
    """The static part of the relaxation: slots, classes, origins, day patterns, weekly costs."""

    def __init__(self, c: Compiled, layout: _Layout) -> None:
        w = c.weights
        self.c = c
        self.layout = layout
        lay = layout
        n_ds = lay.n_days * lay.n_slots
        self.n_ds = n_ds
        ds_of_need = lay.ds_of_need
        needs_at = np.bincount(ds_of_need, minlength=n_ds)
        self.active_ds = np.flatnonzero(needs_at > 0)
        # per (day, slot): supplements (least over its needs, per rule set), unsocial, weekend (all of its needs)
        n_rs = len(c.rule_params)
        self.supplement = np.full((n_rs, n_ds), INF, dtype=np.int64)
        for r in range(n_rs):
            np.minimum.at(self.supplement[r], ds_of_need, c.n_supplement[r])
        self.supplement[:, needs_at == 0] = 0
        self.unsocial = np.ones(n_ds, dtype=np.bool_)
        np.logical_and.at(self.unsocial, ds_of_need, c.n_unsocial)
        self.weekend = np.ones(n_ds, dtype=np.bool_)
        np.logical_and.at(self.weekend, ds_of_need, c.n_weekend)
        _, _, slot_night, _ = _slots(c)
        self.night = np.tile(slot_night.astype(np.bool_), lay.n_days)

        # absences: absent on (day, slot) when absent for every need of it
        # (needs of one day and slot share their interval, so their lists are almost always equal: intersecting
        # them one (day, slot) at a time keeps memory small; on the Oslo-like preset there are ~10^8 pairs)
        absent = np.zeros((c.n_employees, n_ds), dtype=np.bool_)
        none = np.zeros(0, dtype=np.int64)
        by_ds = np.argsort(ds_of_need, kind="stable")
        bounds = np.searchsorted(ds_of_need[by_ds], np.arange(n_ds + 1))
        for cell in range(n_ds):
            common: IntArray | None = None
            for n in by_ds[bounds[cell] : bounds[cell + 1]].tolist():
                listed = c.need_absent.get(n, none)
                if common is None:
                    common = listed
                elif len(common) and not np.array_equal(common, listed):
                    common = np.intersect1d(common, listed, assume_unique=True)
                if common is not None and len(common) == 0:
                    break
            if common is not None and len(common):
                absent[common, cell] = True

        # people classes
        class_columns, profile_of = eligibility_profiles(c.class_mask)
        self.class_columns = class_columns  # [need class, profile]
        rp = [c.rule_params[int(r)] for r in c.e_rule_set]
        free_extra = np.array(
            [p.position_volunteers_free and bool(c.e_volunteer[e]) for e, p in enumerate(rp)], dtype=np.bool_
        )
        soft_travel = any(p.travel_cost > 0 for p in c.rule_params)
        # as in the flow, preferences are left out beyond ``TASTES_UP_TO_EMPLOYEES`` (one taste that avoids nothing:
        # fewer origins and classes, lower prices)
        priced = c.n_employees <= TASTES_UP_TO_EMPLOYEES
        neutral = (tuple(sorted(set(c.u_kind))), False, False)
        taste_keys = [
            (tuple(sorted(c.e_willing[e])), bool(c.e_avoid_nights[e]), bool(c.e_avoid_weekends[e]))
            if priced
            else neutral
            for e in range(c.n_employees)
        ]
        taste_index: dict[tuple[tuple[str, ...], bool, bool], int] = {}
        taste_of = np.array([taste_index.setdefault(k, len(taste_index)) for k in taste_keys], dtype=np.int64)
        tastes = sorted(taste_index, key=taste_index.__getitem__)
        packed_absent = np.packbits(absent, axis=1)
        origin_index: dict[tuple[int, int, int, float], int] = {}
        class_index: dict[tuple[object, ...], int] = {}
        class_of = np.empty(c.n_employees, dtype=np.int64)
        first: list[int] = []
        origin_of_class: list[int] = []
        for e in range(c.n_employees):
            limit = float(c.e_travel_limit[e]) if soft_travel else 0.0
            okey = (int(profile_of[e]), int(c.e_home[e]), int(taste_of[e]), limit)
            o = origin_index.setdefault(okey, len(origin_index))
            key = (
                o,
                int(c.e_rule_set[e]),
                c.e_contract[e].tobytes(),
                c.e_full[e].tobytes(),
                bool(free_extra[e]),
                packed_absent[e].tobytes(),
            )
            g = class_index.get(key)
            if g is None:
                g = class_index[key] = len(first)
                first.append(e)
                origin_of_class.append(o)
            class_of[e] = g
        rep = np.array(first, dtype=np.int64)
        n_g = len(first)
        self.n_classes = n_g
        self.members = np.bincount(class_of, minlength=n_g).astype(np.int64)
        self.origin = np.array(origin_of_class, dtype=np.int64)
        origins = sorted(origin_index, key=origin_index.__getitem__)
        self.o_profile = np.array([k[0] for k in origins], dtype=np.int64)
        self.o_home = np.array([k[1] for k in origins], dtype=np.int64)
        self.o_taste = np.array([k[2] for k in origins], dtype=np.int64)
        self.o_limit = np.array([k[3] for k in origins], dtype=np.float64)
        self.rule_set = c.e_rule_set[rep].astype(np.int64)
        self.absent = absent[rep]
        wage = np.full(n_g, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(wage, class_of, c.e_wage.astype(np.int64))
        overtime_ore = np.full(n_g, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(overtime_ore, class_of, c.e_overtime_ore.astype(np.int64))
        avoid_nights = np.array([tastes[t][1] for t in taste_of[rep]], dtype=np.int64)
        avoid_weekends = np.array([tastes[t][2] for t in taste_of[rep]], dtype=np.int64)

        # the fixed cost of one shift of a class on (day, slot), INF where it may not work it at all
        slot_of_ds = np.tile(np.arange(lay.n_slots), lay.n_days)
        minutes = lay.slot_minutes[slot_of_ds]
        fixed = w.cost_per_ore * (wage[:, None] * minutes[None, :] * 100 // 60 + self.supplement[self.rule_set])
        fixed += w.unwanted_shift * (
            avoid_nights[:, None] * self.night[None, :] + avoid_weekends[:, None] * self.weekend[None, :]
        )
        max_day = np.array([c.rule_params[r].max_day for r in self.rule_set.tolist()], dtype=np.int64)
        forbidden = self.absent | (minutes[None, :] > max_day[:, None])
        forbidden[:, needs_at == 0] = True
        self.fixed = np.where(forbidden, INF, fixed).astype(np.int64)

        # weekly cost f(minutes) per class and week, INF beyond the caps
        n_m = int(max(c.rule_params[r].max_week for r in range(n_rs)) // lay.unit) + 1
        full_max = int(c.e_full.max(initial=0))
        n_m = min(n_m, (full_max + max(p.overtime_week for p in c.rule_params)) // lay.unit + 1)
        self.n_m = max(1, n_m)
        m_minutes = np.arange(self.n_m, dtype=np.int64) * lay.unit
        self.week_cost = np.zeros((n_g, c.weeks, self.n_m), dtype=np.int64)
        rps = [c.rule_params[r] for r in self.rule_set.tolist()]
        position_rate = np.array(
            [0 if free_extra[e] else p.position_cost_per_hour for e, p in zip(rep.tolist(), rps, strict=True)],
            dtype=np.int64,
        )
        position_hard = np.array(
            [p.position_hard and not free_extra[e] for e, p in zip(rep.tolist(), rps, strict=True)], dtype=np.bool_
        )
        cap = np.array([min(p.max_week, BIGCAP) for p in rps], dtype=np.int64)
        ot_cap = np.array([min(p.overtime_week, BIGCAP) for p in rps], dtype=np.int64)
        for week in range(c.weeks):
            full = np.maximum(0, c.e_full[rep, week].astype(np.int64))
            contract = np.minimum(full, np.maximum(0, c.e_contract[rep, week].astype(np.int64)))
            m = m_minutes[None, :]
            extra = np.maximum(0, np.minimum(m, full[:, None]) - contract[:, None])
            over = np.maximum(0, m - full[:, None])
            cost = (
                position_rate[:, None] * extra // 60
                + (w.overtime_per_minute + w.cost_per_ore * overtime_ore[:, None]) * over
            )
            too_much = (m > cap[:, None]) | (over > ot_cap[:, None]) | (position_hard[:, None] & (extra > 0))
            self.week_cost[:, week] = np.where(too_much, INF, cost)
        self.sunday_cost = np.array([INF if p.sunday_hard else p.sunday_cost for p in rps], dtype=np.int64)
        self.sunday_days = set(c.sundays)
        self.moved = w.moved_person
        self.outside = w.outside_sector_person
        self.unsocial_weight = w.unsocial_squared

        # needs grouped by (day-slot, need class): the best price of a group is what a person filling it earns
        group_key = ds_of_need * class_columns.shape[0] + c.n_class
        keys, group_of = np.unique(group_key, return_inverse=True)
        self.group_of_need = group_of.reshape(-1)
        self.n_groups = len(keys)
        self.group_ds = keys // class_columns.shape[0]
        self.group_class = keys % class_columns.shape[0]
        starts = np.searchsorted(self.group_ds, np.arange(n_ds + 1))
        self.ds_groups = starts  # groups of ds are [starts[ds], starts[ds + 1])
        # day patterns: the same need classes on a (day, slot)
        pattern_index: dict[bytes, int] = {}
        self.pattern_of_ds = np.full(n_ds, -1, dtype=np.int64)
        self.patterns: list[IntArray] = []
        for at in self.active_ds.tolist():
            classes = self.group_class[starts[at] : starts[at + 1]]
            key = classes.tobytes()
            if key not in pattern_index:
                pattern_index[key] = len(self.patterns)
                self.patterns.append(classes)
            self.pattern_of_ds[at] = pattern_index[key]
        k_unit = np.array([c.n_unit[c.class_needs[k][0]] for k in range(class_columns.shape[0])], dtype=np.int64)
        self.k_unit = k_unit
        self.k_sector = c.u_sector[k_unit]
        unwilling = np.array([[kind not in t[0] for kind in c.u_kind] for t in tastes], dtype=np.bool_).reshape(
            len(tastes), len(c.u_kind)
        )
        self.unwilling = unwilling
        self.o_sector = c.u_sector[self.o_home]
        self._cache: dict[int, tuple[BoolArray, IntArray, IntArray]] = {}
        self.o_sector = c.u_sector[self.o_home]
        self._cache_bytes = 0
        self.travel_cost_of_rs = np.array([p.travel_cost for p in c.rule_params], dtype=np.int64)
        self.o_rule_travel = np.zeros(len(origins), dtype=np.int64)
        if soft_travel:
            # the origin's rule set: every class of an origin shares it only if the key says so; take the least
            cost_by_origin = np.full(len(origins), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(cost_by_origin, self.origin, self.travel_cost_of_rs[self.rule_set])
            self.o_rule_travel = cost_by_origin

    def pattern_block(self, pattern: int, lo: int, hi: int) -> tuple[BoolArray, IntArray, IntArray]:
        """For origins ``lo:hi`` and the pattern's need classes: (home eligible, away cost within the sector, away
        cost outside it), the costs INF where not allowed; the whole pattern is cached within ``CACHE_BYTES``."""
        whole = lo == 0 and hi == len(self.o_home)
        found = self._cache.get(pattern) if whole else None
        if found is not None:
            return found
        c = self.c
        w = c.weights
        classes = self.patterns[pattern]
        units = self.k_unit[classes]
        o_home, o_profile = self.o_home[lo:hi], self.o_profile[lo:hi]
        eligible = self.class_columns[classes][:, o_profile].T  # [origin, j]
        at_home = units[None, :] == o_home[:, None]
        home = eligible & at_home
        away = eligible & ~at_home
        cost = w.travel_per_km * c.unit_km[np.ix_(o_home, units)].astype(np.int64)
        cost += w.unwanted_shift * self.unwilling[np.ix_(self.o_taste[lo:hi], units)]
        if self.o_rule_travel.any():
            distance = c.unit_distance[np.ix_(o_home, units)]
            over = np.ceil(distance - self.o_limit[lo:hi, None] - 1e-9).clip(min=0).astype(np.int64)
            cost += self.o_rule_travel[lo:hi, None] * over
        same = self.k_sector[classes][None, :] == self.o_sector[lo:hi, None]
        inside = np.where(away & same, cost, INF)
        outside = np.where(away & ~same, cost, INF)
        out = (home, inside, outside)
        size = home.nbytes + inside.nbytes + outside.nbytes
        if whole and self._cache_bytes + size <= CACHE_BYTES:
            self._cache[pattern] = out
            self._cache_bytes += size
        return out

    def origin_chunks(self, pattern: int) -> list[tuple[int, int]]:
        """Origin ranges whose matrices for ``pattern`` stay within a few million entries."""
        n_o = len(self.o_home)
        width = max(1, len(self.patterns[pattern]))
        step = max(1, ORIGIN_BLOCK_ENTRIES // width)
        if pattern in self._cache or n_o * width * 17 + self._cache_bytes <= CACHE_BYTES:
            return [(0, n_o)]
        return [(lo, min(n_o, lo + step)) for lo in range(0, n_o, step)]


BIGCAP = 10**9
#: Entries of one origin block of away prices when a day pattern's matrices are not cached.
ORIGIN_BLOCK_ENTRIES = 4_000_000


NEG = -INF


@dataclass
class _Actions:
    """Slots of a day merged when they move the DP alike (same length in units, same group left, same rest
    compatibility): the DP takes the cheapest of them."""

    slots: list[IntArray]
    units: list[int]
    group: list[int]
    compat: list[BoolArray]  # [rule set, group]


def _actions(lay: _Layout) -> _Actions:
    index: dict[tuple[int, int, bytes], int] = {}
    out = _Actions([], [], [], [])
    members: list[list[int]] = []
    for s in range(lay.n_slots):
        key = (int(lay.slot_units[s]), int(lay.slot_group[s]), lay.compat[:, :, s].tobytes())
        a = index.get(key)
        if a is None:
            a = index[key] = len(members)
            members.append([])
            out.units.append(key[0])
            out.group.append(key[1])
            out.compat.append(lay.compat[:, :, s].copy())
        members[a].append(s)
    out.slots = [np.array(m, dtype=np.int64) for m in members]
    return out


def _forward(
    cost: IntArray,
    week_cost: IntArray,
    sunday_cost: IntArray,
    rule_set: IntArray,
    actions: _Actions,
    n_groups: int,
    sundays: set[int],
    store: bool,
) -> tuple[IntArray, list[tuple[IntArray, IntArray]], IntArray]:
    """The least roster cost per class (``cost``: [class, day, slot], INF where not allowed).

    Returns (values, per day the tables (before closing the week, after), the final table before closing)."""
    n_c, n_days, _ = cost.shape
    n_m = week_cost.shape[2]
    value = np.full((n_c, n_groups, n_m, 2), INF, dtype=np.int64)
    value[:, 0, 0, 0] = 0
    tables: list[tuple[IntArray, IntArray]] = []
    for d in range(n_days):
        raw = value
        if d % 7 == 0 and d > 0:
            value = _close(value, week_cost[:, d // 7 - 1])
        if store:
            tables.append((raw, value))
        value = _step(value, cost[:, d], sunday_cost, rule_set, actions, d in sundays)
    last = week_cost[:, (n_days - 1) // 7]
    final = value
    closed = (value + last[:, None, :, None]).min(axis=(1, 2, 3))
    return np.minimum(closed, INF), tables, final


def _close(value: IntArray, week_cost: IntArray) -> IntArray:
    out = np.full_like(value, INF)
    out[:, :, 0, :] = np.minimum((value + week_cost[:, None, :, None]).min(axis=2), INF)
    return out


def _step(
    value: IntArray, cost: IntArray, sunday_cost: IntArray, rule_set: IntArray, actions: _Actions, sunday: bool
) -> IntArray:
    n_m = value.shape[2]
    off = value.min(axis=1)
    new = np.full_like(value, INF)
    if sunday:
        new[:, 0, :, 0] = off.min(axis=2)
    else:
        new[:, 0] = off
    for a, slots in enumerate(actions.slots):
        action_cost = cost[:, slots].min(axis=1)
        if (action_cost >= INF).all():
            continue
        allowed = actions.compat[a][rule_set]  # [class, group]
        best = _best_previous(value, allowed)
        length, q = actions.units[a], actions.group[a]
        cand = best[:, : n_m - length, :] + action_cost[:, None, None]
        if sunday:
            worked = np.minimum(cand[:, :, 0], cand[:, :, 1] + sunday_cost[:, None])
            np.minimum(new[:, q, length:, 1], worked, out=new[:, q, length:, 1])
        else:
            np.minimum(new[:, q, length:, :], cand, out=new[:, q, length:, :])
    np.minimum(new, INF, out=new)
    return new


def _best_previous(value: IntArray, allowed: BoolArray) -> IntArray:
    """Per class, the least value over previous-day groups the slot may follow."""
    best: IntArray | None = None
    for p in range(value.shape[1]):
        column = allowed[:, p]
        if not column.any():
            continue
        part = value[:, p] if column.all() else np.where(column[:, None, None], value[:, p], INF)
        best = part.copy() if best is None else np.minimum(best, part)
    if best is None:
        return np.full(value[:, 0].shape, INF, dtype=np.int64)
    return best


def _backtrack(
    rows: IntArray,
    tables: list[tuple[IntArray, IntArray]],
    final: IntArray,
    cost: IntArray,
    week_cost: IntArray,
    sunday_cost: IntArray,
    rule_set: IntArray,
    actions: _Actions,
    sundays: set[int],
) -> IntArray:
    """The slot worked per (class, day) (-1 off) of a least-cost roster found by ``_forward``, for the classes
    ``rows`` of its tables (the other arrays hold those classes only)."""
    n_c, n_days, _ = cost.shape
    n_groups, n_m = final.shape[1], final.shape[2]
    last = week_cost[:, (n_days - 1) // 7]
    flat = (final[rows] + last[:, None, :, None]).reshape(n_c, -1)
    at = flat.argmin(axis=1)
    p_cur, m_cur, b_cur = np.unravel_index(at, (n_groups, n_m, 2))
    p_cur, m_cur, b_cur = p_cur.astype(np.int64), m_cur.astype(np.int64), b_cur.astype(np.int64)
    val = final[rows, p_cur, m_cur, b_cur]
    worked = np.full((n_c, n_days), -1, dtype=np.int64)
    for d in range(n_days - 1, -1, -1):
        raw, before = tables[d]
        sunday = d in sundays
        found = np.zeros(n_c, dtype=np.bool_)
        new_p, new_m, new_b = p_cur.copy(), m_cur.copy(), b_cur.copy()
        olds = (0, 1) if sunday else (None,)
        for old in olds:
            b_old = b_cur if old is None else np.full(n_c, old, dtype=np.int64)
            base = (p_cur == 0) & ((b_cur == 0) if sunday else True)
            for p in range(n_groups):
                ok = ~found & base & (before[rows, p, m_cur, b_old] == val)
                new_p[ok], new_m[ok], new_b[ok] = p, m_cur[ok], b_old[ok]
                found |= ok
        for a, slots in enumerate(actions.slots):
            action_cost = cost[:, d][:, slots].min(axis=1)
            which = slots[cost[:, d][:, slots].argmin(axis=1)]
            length, q = actions.units[a], actions.group[a]
            allowed = actions.compat[a][rule_set]
            base = (p_cur == q) & (m_cur >= length) & (action_cost < INF)
            if sunday:
                base &= b_cur == 1
            m_old = np.maximum(0, m_cur - length)
            for old in olds:
                b_old = b_cur if old is None else np.full(n_c, old, dtype=np.int64)
                penalty = sunday_cost if old == 1 else 0
                for p in range(n_groups):
                    ok = ~found & base & allowed[:, p]
                    ok &= before[rows, p, m_old, b_old] + action_cost + penalty == val
                    new_p[ok], new_m[ok], new_b[ok] = p, m_old[ok], b_old[ok]
                    worked[ok, d] = which[ok]
                    found |= ok
        if not found.all():
            raise RuntimeError("lagrangian bound: no predecessor found while backtracking")
        p_cur, m_cur, b_cur = new_p, new_m, new_b
        val = before[rows, p_cur, m_cur, b_cur]
        if d % 7 == 0 and d > 0:
            # the week closed at the start of day d: find the minutes that gave the closed value
            wc = week_cost[:, d // 7 - 1]
            total = raw[rows, p_cur, :, b_cur] + wc
            m_cur = total.argmin(axis=1).astype(np.int64)
            val = raw[rows, p_cur, m_cur, b_cur]
    return worked


@dataclass
class _Evaluation:
    value: int  # L(prices), exact
    covered: IntArray  # [need] places the least-cost rosters fill
    unsocial: IntArray  # [class] evening, night and weekend shifts of each class's roster
    moved: int  # people whose least-cost roster works away
    class_value: IntArray  # [class] least roster cost less prices (with the tangent)
    shift_class: IntArray  # the shifts of those rosters: class, need
    shift_need: IntArray


class _Relaxation:
    """Evaluates ``L(prices)`` and a subgradient."""

    def __init__(self, c: Compiled, layout: _Layout) -> None:
        self.c = c
        self.model = _Model(c, layout)
        self.layout = layout
        self.actions = _actions(layout)
        self.demand = c.n_count.astype(np.int64)
        self.unsocial_of_need = self.model.unsocial[layout.ds_of_need].astype(np.int64)

    def evaluate(self, prices: IntArray, tangent: IntArray, deadline: float) -> _Evaluation | None:
        m, c, lay = self.model, self.c, self.layout
        # the best price of each (day-slot, need class) group and its need
        order = np.lexsort((-prices, m.group_of_need))
        firsts = np.flatnonzero(np.r_[True, m.group_of_need[order][1:] != m.group_of_need[order][:-1]])
        best_need = order[firsts]
        best_price = prices[best_need]
        # option values per origin and (day, slot): home, away within the sector, away outside it
        n_o = len(m.o_home)
        home = np.full((n_o, m.n_ds), NEG, dtype=np.int64)
        inside = np.full((n_o, m.n_ds), NEG, dtype=np.int64)
        outside = np.full((n_o, m.n_ds), NEG, dtype=np.int64)
        # pattern by pattern and origin block by block, so that a block not cached is built once per evaluation
        for pattern in range(len(m.patterns)):
            cells = m.active_ds[m.pattern_of_ds[m.active_ds] == pattern].tolist()
            for lo, hi in m.origin_chunks(pattern):
                h, cin, cout = m.pattern_block(pattern, lo, hi)
                for ds in cells:
                    v = best_price[m.ds_groups[ds] : m.ds_groups[ds + 1]]
                    home[lo:hi, ds] = np.where(h, v[None, :], NEG).max(axis=1)
                    inside[lo:hi, ds] = (v[None, :] - cin).max(axis=1)
                    outside[lo:hi, ds] = (v[None, :] - cout).max(axis=1)
                if time.perf_counter() > deadline:
                    return None
        g_home, g_in, g_out = home[m.origin], inside[m.origin], outside[m.origin]
        fixed = m.fixed + (2 * m.unsocial_weight * tangent)[:, None] * m.unsocial[None, :]
        fixed = np.where(m.fixed >= INF, INF, fixed)
        g_in = np.maximum(g_in, NEG)
        g_out = np.maximum(g_out, NEG)
        best1 = g_home
        best2 = np.maximum(g_home, g_in)
        best3 = np.maximum(best2, g_out)
        costs = [np.where((b > NEG // 2) & (fixed < INF), fixed - b, INF) for b in (best1, best2, best3)]
        n_g, n_days, n_slots = m.n_classes, lay.n_days, lay.n_slots
        # which runs can matter (see the module docstring): the most a run can gain over staying home
        gain1 = np.maximum(0, -costs[0])
        constants = [0, m.moved, m.moved + m.outside]
        needed = [np.ones(n_g, dtype=np.bool_)]
        for r in (1, 2):
            gain = (np.maximum(0, -costs[r]) - gain1).reshape(n_g, n_days, n_slots).max(axis=2).sum(axis=1)
            needed.append(gain > constants[r])
        # classes whose every shift costs something keep the empty roster
        needed[0] = (costs[0] < 0).any(axis=1) | needed[1] | needed[2]
        values = np.zeros((3, n_g), dtype=np.int64)
        values[1:] = INF
        worked = np.full((n_g, n_days), -1, dtype=np.int64)
        run_of = np.zeros(n_g, dtype=np.int64)
        per_class = 3 * (n_days + 5) * lay.n_groups * m.n_m * 2 * 8
        chunk = max(1, CHUNK_BYTES // per_class)
        candidates = np.flatnonzero(needed[0])
        for start in range(0, len(candidates), chunk):
            rows = candidates[start : start + chunk]
            stored: list[tuple[IntArray, list[tuple[IntArray, IntArray]], IntArray, IntArray]] = []
            for r in range(3):
                sub = rows[needed[r][rows]]
                if len(sub) == 0:
                    stored.append((sub, [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
                    continue
                cost = costs[r][sub].reshape(len(sub), n_days, n_slots)
                v, tables, final = _forward(
                    cost,
                    m.week_cost[sub],
                    m.sunday_cost[sub],
                    m.rule_set[sub],
                    self.actions,
                    lay.n_groups,
                    m.sunday_days,
                    True,
                )
                values[r, sub] = v + constants[r]
                stored.append((sub, tables, final, cost))
                if time.perf_counter() > deadline:
                    return None
            chosen = values[:, rows].argmin(axis=0)
            run_of[rows] = chosen
            for r in range(3):
                sub, tables, final, cost = stored[r]
                if len(sub) == 0:
                    continue
                pick = chosen[np.searchsorted(rows, sub)] == r
                if not pick.any():
                    continue
                keep = np.flatnonzero(pick)
                worked[sub[keep]] = _backtrack(
                    keep,
                    tables,
                    final,
                    cost[keep],
                    m.week_cost[sub[keep]],
                    m.sunday_cost[sub[keep]],
                    m.rule_set[sub[keep]],
                    self.actions,
                    m.sunday_days,
                )
        best_value = values.min(axis=0)
        total = int((prices * self.demand).sum())
        total += int((m.members * best_value).sum())
        total -= int((m.members * tangent * tangent).sum()) * m.unsocial_weight
        # the places those rosters fill
        g_idx, d_idx = np.nonzero(worked >= 0)
        cell = d_idx * n_slots + worked[g_idx, d_idx]
        run = run_of[g_idx]
        h, i, o = g_home[g_idx, cell], g_in[g_idx, cell], g_out[g_idx, cell]
        option = np.zeros(len(g_idx), dtype=np.int64)
        option[(run >= 1) & (i > h)] = 1
        option[(run == 2) & (o > np.maximum(h, np.where(run >= 1, i, NEG)))] = 2
        covered = np.zeros(c.n_needs, dtype=np.int64)
        chosen = np.zeros(len(g_idx), dtype=np.int64)
        origin = m.origin[g_idx]
        for d in np.unique(cell).tolist():
            at = np.flatnonzero(cell == d)
            pattern = int(m.pattern_of_ds[d])
            first = int(m.ds_groups[d])
            v = best_price[first : m.ds_groups[d + 1]]
            for lo, hi in m.origin_chunks(pattern):
                part = at[(origin[at] >= lo) & (origin[at] < hi)]
                if len(part) == 0:
                    continue
                hm, cin, cout = m.pattern_block(pattern, lo, hi)
                rows_o = origin[part] - lo
                score = np.where(hm[rows_o], v[None, :], NEG)
                score = np.where((option[part] == 1)[:, None], v[None, :] - cin[rows_o], score)
                score = np.where((option[part] == 2)[:, None], v[None, :] - cout[rows_o], score)
                j = score.argmax(axis=1)
                chosen[part] = best_need[first + j]
                np.add.at(covered, best_need[first + j], m.members[g_idx[part]])
        unsocial = np.bincount(g_idx, weights=m.unsocial[cell], minlength=n_g).astype(np.int64)
        moved_classes = np.unique(g_idx[option > 0])
        return _Evaluation(
            value=total,
            covered=covered,
            unsocial=unsocial,
            moved=int(m.members[moved_classes].sum()),
            class_value=best_value,
            shift_class=g_idx,
            shift_need=chosen,
        )


def lagrangian_bound(
    c: Compiled,
    *,
    deadline: float,
    initial: IntArray | None = None,
    max_iterations: int = 1_000_000,
    log: Callable[[int, int, _Evaluation, float], None] | None = None,
) -> int | None:
    """The best ``L(prices)`` found before ``deadline`` (``time.perf_counter()``) or ``max_iterations``; ``None``
    when the relaxation does not apply (two shifts on one day possible) or no evaluation finished in time.

    ``initial``: starting prices per need (the weekly flow's duals, or each need's cheapest wage and supplements),
    clipped to ``[0, unmet weight]``."""
    if c.n_needs == 0:
        return 0
    used = sorted(set(c.e_rule_set.tolist()))
    if not used:
        return None
    layout = _layout(c, used)
    if layout is None:
        return None
    relaxation = _Relaxation(c, layout)
    w = c.weights
    weight = np.where(c.n_critical, w.unmet_critical, w.unmet_other).astype(np.int64)
    prices = np.zeros(c.n_needs, dtype=np.int64) if initial is None else initial.astype(np.int64)
    prices = np.clip(prices, 0, weight)
    return _ascend(relaxation, prices, weight, deadline, max_iterations, log)


class _Master:
    """The restricted master LP of the roster columns (GLOP): ``min sum weight * unmet + sum cost * rosters`` with
    ``filled(n) + unmet(n) >= demand(n)`` and at most ``members`` rosters per class. Only its duals are used, as
    prices for ``L``; its own value is no bound."""

    def __init__(self, demand: IntArray, weight: IntArray, members: IntArray) -> None:
        from ortools.linear_solver import pywraplp

        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        infinity = self.lp.infinity()
        self.cover = [self.lp.Constraint(float(d), infinity) for d in demand.tolist()]
        self.convexity = [self.lp.Constraint(-infinity, float(k)) for k in members.tolist()]
        objective = self.lp.Objective()
        self.box: list[object] = []
        self.floor: list[object] = []
        for n, row in enumerate(self.cover):
            unmet = self.lp.NumVar(0.0, infinity, "")
            objective.SetCoefficient(unmet, float(weight[n]) * LP_SCALE)
            row.SetCoefficient(unmet, 1.0)
            # an artificial cover at the box's top price caps the dual from above, an artificial over-cover sold
            # at its bottom price from below (boxstep stabilisation, ``set_box``)
            artificial = self.lp.NumVar(0.0, infinity, "")
            row.SetCoefficient(artificial, 1.0)
            self.box.append(artificial)
            sold = self.lp.NumVar(0.0, infinity, "")
            row.SetCoefficient(sold, -1.0)
            self.floor.append(sold)
        objective.SetMinimization()
        self.columns: list[tuple[object, int, int]] = []  # (variable, class, unsocial shifts)

    def set_box(self, low: IntArray, high: IntArray) -> None:
        """Keep each need's dual within ``[low, high]`` (``0 <= low <= high <= unmet weight``)."""
        objective = self.lp.Objective()
        for var, cap in zip(self.box, high.tolist(), strict=True):
            objective.SetCoefficient(var, cap * LP_SCALE)
        for var, cap in zip(self.floor, low.tolist(), strict=True):
            objective.SetCoefficient(var, -cap * LP_SCALE)

    def add(self, g: int, needs: IntArray, cost: int, unsocial: int) -> None:
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.lp.Objective().SetCoefficient(var, cost * LP_SCALE)
        for n in needs.tolist():
            self.cover[n].SetCoefficient(var, 1.0)
        self.convexity[g].SetCoefficient(var, 1.0)
        self.columns.append((var, g, unsocial))

    def solve(
        self, weight: IntArray, n_classes: int, deadline: float
    ) -> tuple[IntArray, npt.NDArray[np.float64], IntArray] | None:
        """(prices, class duals (<= 0, in øre), each class's mean unsocial count in the LP solution); ``None`` when
        not solved by ``deadline``."""
        from ortools.linear_solver import pywraplp

        self.lp.SetTimeLimit(max(1, int(1000 * (deadline - time.perf_counter()))))
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        duals = np.array([row.dual_value() for row in self.cover], dtype=np.float64) / LP_SCALE
        prices = np.clip(np.round(duals), 0, weight).astype(np.int64)
        class_duals = np.array([row.dual_value() for row in self.convexity], dtype=np.float64) / LP_SCALE
        used = np.zeros(n_classes, dtype=np.float64)
        weighted = np.zeros(n_classes, dtype=np.float64)
        for var, g, k in self.columns:
            x = var.solution_value()  # type: ignore[attr-defined]
            used[g] += x
            weighted[g] += x * k
        tangent = np.round(np.divide(weighted, used, out=np.zeros(n_classes), where=used > 1e-9)).astype(np.int64)
        return prices, class_duals, tangent


def _ascend(
    relaxation: _Relaxation,
    prices: IntArray,
    weight: IntArray,
    deadline: float,
    max_iterations: int,
    log: Callable[[int, int, _Evaluation, float], None] | None,
) -> int | None:
    """Column generation, stabilised: the master's duals are kept within the best prices so far (the centre) plus or
    minus a margin (``BOX_SHARE``, ``BOX_MIN``; growing by ``BOX_GROWTH`` where a dual sits at its cap after a
    point that improved, shrinking after one that did not), and ``L`` is
    evaluated between the centre and the master's duals (Wentges smoothing, ``SMOOTHING``, moving closer to the
    centre after each point that does not improve). The least-cost rosters found there become columns of the
    master. After ``STALL_STOP`` points in a row that do not improve, the boxes and the smoothing hold the master's
    duals at the centre, where few new columns price out (session 16: the small demo week never improved on its
    first point); with ``PLAIN_AFTER_STALL`` the ascent then goes on as plain column generation (no box, always at
    the master's own duals; up to ``PLAIN_MAX_CLASSES`` classes) until its ``L`` stops rising for ``PLAIN_PATIENCE``
    points, the master is solved or time runs out (session 17, one week of the small demo preset cut to what a plan
    covers: 1.4318e10 -> 1.5083e10 in 33 CPU s; the tiny one: 1.0845e10 -> 1.2834e10). Every evaluated ``L`` is a
    valid bound, however far the master is from optimal; the best is returned."""
    model = relaxation.model
    master = _Master(relaxation.demand, weight, model.members)
    tangent = np.zeros(model.n_classes, dtype=np.int64)
    class_duals = np.zeros(model.n_classes, dtype=np.float64)
    best: int | None = None
    centre = prices
    point = prices
    smoothing, stalled, improved = SMOOTHING, 0, False
    margin = (BOX_SHARE * prices).astype(np.int64) + BOX_MIN
    lp_prices, at_duals, box_binding = prices, False, False
    plain, plain_best, plain_stalled = False, -math.inf, 0
    for iteration in range(max_iterations):
        if time.perf_counter() >= deadline:
            break
        try:
            found = relaxation.evaluate(point, tangent, deadline)
        except RuntimeError:
            break  # a roster could not be traced back (a bug): keep the best value proven so far
        if found is None:
            break
        was_plain = plain  # the point that triggers the switch is the stabilised ascent's
        if best is None or found.value > best:
            best, centre = found.value, point
            smoothing, stalled, improved = (0.0 if plain else SMOOTHING), 0, True
        else:
            stalled, improved = stalled + 1, False
            if not plain:
                smoothing = (1 + smoothing) / 2  # mispriced: evaluate closer to the centre next time
                margin = np.maximum(BOX_MIN, margin // BOX_GROWTH)
                if stalled >= STALL_STOP:
                    if not PLAIN_AFTER_STALL or model.n_classes > PLAIN_MAX_CLASSES:
                        break  # the master is far from its optimum and time is shared with the search: stop here
                    # the boxes and the smoothing hold the master's duals at the centre, where few columns price
                    # out: go on as plain column generation, always at the master's own duals, no box
                    plain, stalled, smoothing = True, 0, 0.0
        if was_plain:
            if found.value > plain_best:
                plain_best, plain_stalled = found.value, 0
            else:
                plain_stalled += 1
                if plain_stalled >= PLAIN_PATIENCE:
                    break  # its own L stopped rising (or repeats): more columns than time allows, or none
        if log is not None:
            log(iteration, best, found, time.process_time())
        # new columns: rosters with a negative reduced cost
        improving = np.flatnonzero(found.class_value - class_duals < -1.0)
        if len(improving) == 0 and iteration > 0 and not box_binding:
            if at_duals:
                break  # no column prices out at the master's own duals, no box binds: its LP is solved
            at_duals = True  # a mispriced smoothed point: try the duals themselves
            point = lp_prices
            continue
        at_duals = False
        order = np.argsort(found.shift_class, kind="stable")
        starts = np.searchsorted(found.shift_class[order], np.arange(model.n_classes + 1))
        unsocial_of_need = relaxation.unsocial_of_need
        for g in improving.tolist():
            needs = found.shift_need[order[starts[g] : starts[g + 1]]]
            k = int(unsocial_of_need[needs].sum())
            a = int(tangent[g])
            cost = int(found.class_value[g]) + int(point[needs].sum()) + model.unsocial_weight * (k * k - 2 * a * k)
            master.add(g, needs, cost, k)
        if time.perf_counter() >= deadline:
            break
        if plain:
            caps = weight
            master.set_box(np.zeros_like(weight), caps)
        else:
            caps = np.minimum(weight, centre + margin)
            master.set_box(np.maximum(0, centre - margin), caps)
        solved = master.solve(weight, model.n_classes, deadline)
        if solved is None:
            break
        lp_prices, class_duals, tangent = solved
        # a dual held at its cap wants to go higher
        at_cap = (lp_prices >= caps - 1) & (caps < weight)
        box_binding = bool(at_cap.any())
        if improved:
            # a trust region: widen the boxes of duals held at their caps after a step that paid off
            margin = np.where(at_cap, np.minimum(margin * BOX_GROWTH, weight), margin)
        point = np.round(smoothing * centre + (1 - smoothing) * lp_prices).astype(np.int64)
    return best


#: The master's duals start within the centre's prices plus or minus ``BOX_SHARE`` of them and ``BOX_MIN`` (øre).
BOX_SHARE = 0.01
BOX_MIN = 100_000
#: Growth of a need's box margin while its dual sits at the cap.
BOX_GROWTH = 4
#: Evaluations in a row without a new best after which the ascent stops (on Asker the master's duals stay far
#: from useful for minutes, see docs/objective.md; small instances converge long before).
STALL_STOP = 6
#: After ``STALL_STOP`` stalled points, go on as plain column generation instead of stopping.
PLAIN_AFTER_STALL = True
#: The plain phase only for relaxations of at most this many classes: on Asker (6,351 classes) its first points, at
#: the master's unboxed duals, cost 30-50 s each with ``L`` near -4e15 (session 17; the small demo week has 493).
PLAIN_MAX_CLASSES = 2_000
#: Evaluations in a row in which the plain column generation's ``L`` stays below its own best so far (it starts far
#: below the stabilised best and rises as the master fills) after which it stops.
PLAIN_PATIENCE = 20
#: Weight of the centre (best prices so far) in the point where ``L`` is evaluated.
SMOOTHING = 0.5
#: The master LP's objective is scaled to keep GLOP's numbers moderate (øre -> 100 000 øre).
LP_SCALE = 1e-5
