"""Compiled (numba) scalar loops of :class:`ressursbank.solver.greedy.Greedy`: the rule checks, the marginal
objective, taking a shift and filling a need, person by person instead of ~30 numpy temporaries per call.

The formulas are those of the vector code they replace, in the same int64 arithmetic (floor division, the
travel distance's ``ceil(distance - limit - 1e-9)``, ``INF``); the tests keep the vector formulas as the
reference. Arguments, bundled so a call unboxes few objects:

- ``need``: one row of :data:`NEED_FIELDS` per need (``int64``);
- ``emp``: one row per field of :data:`EMP_FIELDS`, a column per employee (a copy of the static per-employee
  parameters; by field, so a pass over people in order reads each field as a stream);
- ``state``: the construction state arrays, the very arrays of the ``Greedy`` object (the local search writes
  them in place): ``last_end, day_id, day_minutes, week_minutes, overtime, overtime_total, gap_week,
  longest_gap, unsocial, moved, outside, sunday_worked, cohort_unit``;
- ``fixed``: ``e_full, e_contract, n_supplement, unit_km, unit_distance, e_travel_limit, weights, mark,
  u_sector`` (``weights`` as in :data:`WEIGHT_FIELDS`; ``mark`` a scratch byte per employee, zero between calls);
- ``willing``: per employee, willing to work in the need's unit kind.

Functions are compiled on first use and cached on disk (``cache=True``); ``nogil``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

_F = TypeVar("_F", bound=Callable[..., Any])
#: ``numba.njit`` is untyped; this keeps the decorated functions' signatures for mypy.
_njit = cast(Callable[[_F], _F], numba.njit(cache=True, nogil=True))
#: the per-person helpers take single arrays, unpacked from the tuples once per call of a kernel: reading the tuples
#: inside the loop cost about 190 ns a person (measured: ``within_contract`` on Asker's 6,856 people, 38 ns unpacked)
_helper = cast(Callable[[_F], _F], numba.njit(nogil=True, inline="always"))

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
Bytes = npt.NDArray[np.uint8]
State = tuple[Ints, Ints, Ints, Ints, Ints, Ints, Ints, Ints, Ints, Bools, Bools, Bools, Ints]
Fixed = tuple[Ints, Ints, Ints, Ints, Floats, Floats, Ints, Bytes, Ints]

MINUTES_PER_WEEK = 7 * 1440
INF = np.iinfo(np.int64).max // 4

NEED_FIELDS = ("start", "end", "minutes", "week", "day", "unit", "sunday", "night", "weekend", "unsocial", "count")
N_START, N_END, N_MINUTES, N_WEEK, N_DAY, N_UNIT, N_SUNDAY, N_NIGHT, N_WEEKEND, N_UNSOCIAL, N_COUNT = range(11)
EMP_FIELDS = (
    "rest",
    "weekly_rest",
    "max_day",
    "max_week",
    "ot_week",
    "ot_4",
    "ot_year",
    "position_cost",
    "position_hard",
    "position_free",
    "sunday_cost",
    "sunday_hard",
    "travel_cost",
    "cohort_days",
    "wage",
    "rule_set",
    "home",
    "sector",
    "overtime_ore",
    "avoid_nights",
    "avoid_weekends",
)
(
    E_REST,
    E_WEEKLY_REST,
    E_MAX_DAY,
    E_MAX_WEEK,
    E_OT_WEEK,
    E_OT_4,
    E_OT_YEAR,
    E_POSITION_COST,
    E_POSITION_HARD,
    E_POSITION_FREE,
    E_SUNDAY_COST,
    E_SUNDAY_HARD,
    E_TRAVEL_COST,
    E_COHORT_DAYS,
    E_WAGE,
    E_RULE_SET,
    E_HOME,
    E_SECTOR,
    E_OVERTIME_ORE,
    E_AVOID_NIGHTS,
    E_AVOID_WEEKENDS,
) = range(21)
WEIGHT_FIELDS = (
    "cost_per_ore",
    "overtime_per_minute",
    "moved_person",
    "travel_per_km",
    "outside_sector_person",
    "unwanted_shift",
    "unsocial_squared",
    "change",
)
W_ORE, W_OVERTIME, W_MOVED, W_KM, W_OUTSIDE, W_UNWANTED, W_UNSOCIAL, W_CHANGE = range(8)

#: bits of the scratch ``mark``
ABSENT, TAKEN, HINTED = 1, 2, 4
#: the modes of :func:`fill`
ALL, SPARE, OWN_OR_LENDABLE, UNBLOCKED = 0, 1, 2, 3


@_helper
def _feasible_one(
    e: int,
    n: int,
    need: Ints,
    emp: Ints,
    last_end_a: Ints,
    day_id: Ints,
    day_minutes_a: Ints,
    week_minutes_a: Ints,
    overtime: Ints,
    overtime_total: Ints,
    gap_week: Ints,
    longest_gap: Ints,
    sunday_worked: Bools,
    cohort_unit: Ints,
    e_full: Ints,
    e_contract: Ints,
    mark: Bytes,
    weeks: int,
    horizon: int,
) -> bool:
    s, t, m, b, d = need[n, N_START], need[n, N_END], need[n, N_MINUTES], need[n, N_WEEK], need[n, N_DAY]
    if mark[e] & ABSENT:
        return False
    last_end = last_end_a[e]
    if s - last_end < emp[E_REST, e] or s < last_end:
        return False
    day_minutes = day_minutes_a[e] if day_id[e] == d else 0
    if day_minutes + m > emp[E_MAX_DAY, e]:
        return False
    week_minutes = week_minutes_a[e, b]
    if week_minutes + m > emp[E_MAX_WEEK, e]:
        return False
    full = e_full[e, b]
    new_ot = max(0, week_minutes + m - full)
    if new_ot > emp[E_OT_WEEK, e]:
        return False
    ot_here = overtime[e, b]
    ot_rest = overtime_total[e] - ot_here
    if ot_rest + new_ot > emp[E_OT_YEAR, e]:
        return False
    if weeks <= 4:
        if ot_rest + new_ot > emp[E_OT_4, e]:
            return False
    else:
        for first in range(max(0, b - 3), min(b, max(0, weeks - 4)) + 1):
            window = -ot_here
            for k in range(first, min(first + 4, weeks)):
                window += overtime[e, k]
            if window + new_ot > emp[E_OT_4, e]:
                return False
    if emp[E_POSITION_HARD, e] and not emp[E_POSITION_FREE, e]:
        extra = max(0, min(week_minutes + m, full) - e_contract[e, b])
        if extra > 0:
            return False
    lo = b * MINUTES_PER_WEEK
    hi = min(horizon, lo + MINUTES_PER_WEEK)
    required = min(emp[E_WEEKLY_REST, e], hi - lo)
    cursor = max(lo, last_end)
    longest = longest_gap[e] if gap_week[e] == b else 0
    longest = max(longest, s - cursor)
    if not (longest >= required or hi - t >= required):
        return False
    sunday = need[n, N_SUNDAY]
    if sunday > 0 and emp[E_SUNDAY_HARD, e] and sunday_worked[e, sunday - 1]:
        return False
    days = emp[E_COHORT_DAYS, e]
    if days > 0:
        unit_now = cohort_unit[e, d // days]
        if unit_now != -1 and unit_now != need[n, N_UNIT]:
            return False
    return True


@_helper
def _marginal_one(
    e: int,
    n: int,
    need: Ints,
    emp: Ints,
    week_minutes_a: Ints,
    overtime: Ints,
    unsocial: Ints,
    moved: Bools,
    outside: Bools,
    sunday_worked: Bools,
    e_full: Ints,
    e_contract: Ints,
    n_supplement: Ints,
    unit_km: Ints,
    unit_distance: Floats,
    e_travel_limit: Floats,
    w: Ints,
    u_sectors: Ints,
    willing: Bools,
    any_away: bool,
) -> int:
    m, b, u = need[n, N_MINUTES], need[n, N_WEEK], need[n, N_UNIT]
    u_sector = u_sectors[u]
    cost = (emp[E_WAGE, e] * m * 100 // 60 + n_supplement[emp[E_RULE_SET, e], n]) * w[W_ORE]
    week_minutes = week_minutes_a[e, b]
    full, contract = e_full[e, b], e_contract[e, b]
    new_ot = max(0, week_minutes + m - full)
    cost += (new_ot - overtime[e, b]) * (w[W_OVERTIME] + emp[E_OVERTIME_ORE, e] * w[W_ORE])
    old_extra = max(0, min(week_minutes, full) - contract)
    new_extra = max(0, min(week_minutes + m, full) - contract)
    paid = 0 if emp[E_POSITION_FREE, e] else emp[E_POSITION_COST, e]
    cost += paid * new_extra // 60 - paid * old_extra // 60
    home = emp[E_HOME, e]
    outside_cost = 0 if (outside[e] or emp[E_SECTOR, e] == u_sector) else w[W_OUTSIDE]
    if home != u:
        away_cost = 0 if moved[e] else w[W_MOVED]
        away_cost += unit_km[home, u] * w[W_KM] + outside_cost
        if not willing[e]:
            away_cost += w[W_UNWANTED]
        travel_cost = emp[E_TRAVEL_COST, e]
        if travel_cost > 0:
            over = np.ceil(unit_distance[home, u] - e_travel_limit[e] - 1e-9)
            if not over > 0.0:
                over = 0.0
            away_cost += travel_cost * np.int64(over)
        cost += away_cost
    elif not any_away:  # (as the vector code: the sector term of the people at home only when nobody is away)
        cost += outside_cost
    if need[n, N_NIGHT] and emp[E_AVOID_NIGHTS, e]:
        cost += w[W_UNWANTED]
    if need[n, N_WEEKEND] and emp[E_AVOID_WEEKENDS, e]:
        cost += w[W_UNWANTED]
    if need[n, N_UNSOCIAL]:
        cost += w[W_UNSOCIAL] * (2 * unsocial[e] + 1)
    sunday = need[n, N_SUNDAY]
    if sunday > 0 and sunday_worked[e, sunday - 1]:
        cost += emp[E_SUNDAY_COST, e]
    if sunday >= 0 and sunday + 1 < sunday_worked.shape[1] and sunday_worked[e, sunday + 1]:
        cost += emp[E_SUNDAY_COST, e]
    return int(cost)


@_helper
def _within_one(e: int, n: int, need: Ints, emp: Ints, week_minutes: Ints, e_full: Ints, e_contract: Ints) -> bool:
    b = need[n, N_WEEK]
    after = week_minutes[e, b] + need[n, N_MINUTES]
    full = e_full[e, b]
    limit = full if (emp[E_POSITION_FREE, e] or emp[E_POSITION_COST, e] == 0) else e_contract[e, b]
    return bool(after <= min(limit, full))


@_helper
def _take_one(
    e: int,
    n: int,
    need: Ints,
    emp: Ints,
    last_end: Ints,
    day_id: Ints,
    day_minutes: Ints,
    week_minutes: Ints,
    overtime: Ints,
    overtime_total: Ints,
    gap_week: Ints,
    longest_gap: Ints,
    unsocial: Ints,
    moved: Bools,
    outside: Bools,
    sunday_worked: Bools,
    cohort_unit: Ints,
    e_full: Ints,
    u_sectors: Ints,
) -> None:
    s, t, m, b, d, u = (
        need[n, N_START],
        need[n, N_END],
        need[n, N_MINUTES],
        need[n, N_WEEK],
        need[n, N_DAY],
        need[n, N_UNIT],
    )
    lo = b * MINUTES_PER_WEEK
    longest = longest_gap[e] if gap_week[e] == b else 0
    cursor = max(lo, last_end[e])
    longest_gap[e] = max(longest, s - cursor)
    gap_week[e] = b
    last_end[e] = max(last_end[e], t)
    if day_id[e] != d:
        day_id[e] = d
        day_minutes[e] = 0
    day_minutes[e] += m
    week_minutes[e, b] += m
    before = overtime[e, b]
    overtime[e, b] = max(0, week_minutes[e, b] - e_full[e, b])
    overtime_total[e] += overtime[e, b] - before
    if need[n, N_UNSOCIAL]:
        unsocial[e] += 1
    if emp[E_HOME, e] != u:
        moved[e] = True
    if emp[E_SECTOR, e] != u_sectors[u]:
        outside[e] = True
    sunday = need[n, N_SUNDAY]
    if sunday >= 0:
        sunday_worked[e, sunday] = True
    if emp[E_COHORT_DAYS, e] > 0:
        cohort_unit[e, d // emp[E_COHORT_DAYS, e]] = u


@_njit
def feasible(
    n: int,
    idx: Ints,
    absent: Ints,
    need: Ints,
    emp: Ints,
    state: State,
    fixed: Fixed,
    weeks: int,
    horizon: int,
    out: Bools,
) -> None:
    """``out[i]``: may ``idx[i]`` lawfully take ``n`` now (``absent``: the need's absent employees)."""
    last_end, day_id, day_minutes, week_minutes, overtime, overtime_total, gap_week, longest_gap = state[:8]
    sunday_worked, cohort_unit = state[11], state[12]
    e_full, e_contract, mark = fixed[0], fixed[1], fixed[7]
    for e in absent:
        mark[e] |= ABSENT
    for i in range(idx.shape[0]):
        out[i] = _feasible_one(
            idx[i],
            n,
            need,
            emp,
            last_end,
            day_id,
            day_minutes,
            week_minutes,
            overtime,
            overtime_total,
            gap_week,
            longest_gap,
            sunday_worked,
            cohort_unit,
            e_full,
            e_contract,
            mark,
            weeks,
            horizon,
        )
    for e in absent:
        mark[e] &= ~ABSENT


@_njit
def marginal(n: int, idx: Ints, need: Ints, emp: Ints, state: State, fixed: Fixed, willing: Bools, out: Ints) -> None:
    """``out[i]``: the exact increase of the objective if ``idx[i]`` took ``n`` now."""
    week_minutes, overtime, unsocial, moved, outside, sunday_worked = (
        state[3],
        state[4],
        state[8],
        state[9],
        state[10],
        state[11],
    )
    e_full, e_contract, n_supplement, unit_km, unit_distance, e_travel_limit, w = fixed[:7]
    u_sectors = fixed[8]
    u = need[n, N_UNIT]
    any_away = False
    for e in idx:
        if emp[E_HOME, e] != u:
            any_away = True
            break
    for i in range(idx.shape[0]):
        out[i] = _marginal_one(
            idx[i],
            n,
            need,
            emp,
            week_minutes,
            overtime,
            unsocial,
            moved,
            outside,
            sunday_worked,
            e_full,
            e_contract,
            n_supplement,
            unit_km,
            unit_distance,
            e_travel_limit,
            w,
            u_sectors,
            willing,
            any_away,
        )


@_njit
def within_contract(n: int, idx: Ints, need: Ints, emp: Ints, state: State, fixed: Fixed, out: Bools) -> None:
    """``out[i]``: would ``idx[i]`` take ``n`` without overtime and without paid extra hours."""
    week_minutes, e_full, e_contract = state[3], fixed[0], fixed[1]
    for i in range(idx.shape[0]):
        out[i] = _within_one(idx[i], n, need, emp, week_minutes, e_full, e_contract)


@_njit
def take(e: int, n: int, need: Ints, emp: Ints, state: State, fixed: Fixed) -> None:
    """Record that ``e`` works ``n`` (all but the need's list of people)."""
    last_end, day_id, day_minutes, week_minutes, overtime, overtime_total, gap_week, longest_gap = state[:8]
    unsocial, moved, outside, sunday_worked, cohort_unit = state[8], state[9], state[10], state[11], state[12]
    _take_one(
        e,
        n,
        need,
        emp,
        last_end,
        day_id,
        day_minutes,
        week_minutes,
        overtime,
        overtime_total,
        gap_week,
        longest_gap,
        unsocial,
        moved,
        outside,
        sunday_worked,
        cohort_unit,
        fixed[0],
        fixed[8],
    )


@_njit
def fill(
    n: int,
    idx: Ints,
    mode: int,
    lendable: Bools,
    blocked: Bools,
    missing: int,
    absent: Ints,
    taken: Ints,
    hinted: Ints,
    need: Ints,
    emp: Ints,
    state: State,
    fixed: Fixed,
    willing: Bools,
    weeks: int,
    horizon: int,
    out: Ints,
) -> int:
    """Give ``n`` up to ``missing`` people, cheapest marginal first (the first of equal ones), among those of
    ``idx`` who may lawfully take it and are not in ``taken``; people in ``hinted`` are 2 changes cheaper. Writes
    the people taken, in order, to ``out``; returns how many. ``mode`` narrows ``idx`` first:

    - :data:`ALL`: no further condition;
    - :data:`SPARE`: within their contract (``within_contract``);
    - :data:`OWN_OR_LENDABLE`: the need's own unit's staff, or people within their contract whose home unit is
      ``lendable`` (``[unit, week]``) in the need's week;
    - :data:`UNBLOCKED`: the need's own unit's staff, or people not ``blocked`` (per employee).
    """
    last_end, day_id, day_minutes, week_minutes, overtime, overtime_total, gap_week, longest_gap = state[:8]
    unsocial, moved, outside, sunday_worked, cohort_unit = state[8], state[9], state[10], state[11], state[12]
    e_full, e_contract, n_supplement, unit_km, unit_distance, e_travel_limit, w, mark, u_sectors = fixed
    for e in absent:
        mark[e] |= ABSENT
    for e in taken:
        mark[e] |= TAKEN
    people = np.empty(idx.shape[0], dtype=np.int64)
    count = 0
    u = need[n, N_UNIT]
    any_away = False
    b = need[n, N_WEEK]
    for e in idx:
        if mark[e] & TAKEN:
            continue
        if mode == SPARE:
            if not _within_one(e, n, need, emp, week_minutes, e_full, e_contract):
                continue
        elif mode == OWN_OR_LENDABLE:
            home = emp[E_HOME, e]
            if home != u and not (lendable[home, b] and _within_one(e, n, need, emp, week_minutes, e_full, e_contract)):
                continue
        elif mode == UNBLOCKED and blocked[e] and emp[E_HOME, e] != u:
            continue
        if not _feasible_one(
            e,
            n,
            need,
            emp,
            last_end,
            day_id,
            day_minutes,
            week_minutes,
            overtime,
            overtime_total,
            gap_week,
            longest_gap,
            sunday_worked,
            cohort_unit,
            e_full,
            e_contract,
            mark,
            weeks,
            horizon,
        ):
            continue
        people[count] = e
        count += 1
        if emp[E_HOME, e] != u:
            any_away = True
    for e in absent:
        mark[e] &= ~ABSENT
    for e in taken:
        mark[e] &= ~TAKEN
    if count == 0:
        return 0
    for e in hinted:
        mark[e] |= HINTED
    cost = np.empty(count, dtype=np.int64)
    for i in range(count):
        e = people[i]
        cost[i] = _marginal_one(
            e,
            n,
            need,
            emp,
            week_minutes,
            overtime,
            unsocial,
            moved,
            outside,
            sunday_worked,
            e_full,
            e_contract,
            n_supplement,
            unit_km,
            unit_distance,
            e_travel_limit,
            w,
            u_sectors,
            willing,
            any_away,
        )
        if mark[e] & HINTED:
            cost[i] -= 2 * w[W_CHANGE]
    for e in hinted:
        mark[e] &= ~HINTED
    done = 0
    for _ in range(min(missing, count)):
        best = 0
        for i in range(1, count):
            if cost[i] < cost[best]:
                best = i
        if cost[best] >= INF:
            break
        _take_one(
            people[best],
            n,
            need,
            emp,
            last_end,
            day_id,
            day_minutes,
            week_minutes,
            overtime,
            overtime_total,
            gap_week,
            longest_gap,
            unsocial,
            moved,
            outside,
            sunday_worked,
            cohort_unit,
            e_full,
            u_sectors,
        )
        out[done] = people[best]
        done += 1
        cost[best] = INF
    return done
