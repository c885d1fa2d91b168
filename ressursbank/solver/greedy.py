"""A fast, domain-aware construction: a full lawful plan in seconds.

Needs are taken in time order (critical first among needs that start together). Each need is first offered to its
own unit's staff who still have contract hours to spare that week, then to everyone (own staff in overtime or
unwanted extra hours compete with people from other units by the exact objective); among the people who may
lawfully take it *now* (rest, hours, overtime caps, weekly rest, cohort), the one with the least marginal objective
is chosen: the exact increase of the objective of docs/objective.md. Because time only moves forward, every rule can
be checked with a few vector operations over all employees, so the whole Asker municipality is built in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ressursbank.solver.compile import BIG, BoolArray, Compiled, IntArray

MINUTES_PER_WEEK = 7 * 1440
INF = np.iinfo(np.int64).max // 4


class Greedy:
    """The construction state: vectors over all employees, advanced need by need in time order."""

    def __init__(self, c: Compiled, *, hint: set[tuple[int, int]] | None = None) -> None:
        self.c = c
        n_e = c.n_employees
        rp = [c.rule_params[r] for r in c.e_rule_set.tolist()]
        self.rest = np.array([p.daily_rest for p in rp], dtype=np.int64)
        self.weekly_rest = np.array([p.weekly_rest for p in rp], dtype=np.int64)
        self.max_day = np.array([p.max_day for p in rp], dtype=np.int64)
        self.max_week = np.array([p.max_week for p in rp], dtype=np.int64)
        self.ot_week = np.array([p.overtime_week for p in rp], dtype=np.int64)
        self.ot_4 = np.array([p.overtime_4_weeks for p in rp], dtype=np.int64)
        self.ot_year = np.array([p.overtime_year for p in rp], dtype=np.int64)
        self.position_cost = np.array([p.position_cost_per_hour for p in rp], dtype=np.int64)
        self.position_hard = np.array([p.position_hard for p in rp], dtype=np.bool_)
        free = np.array([p.position_volunteers_free for p in rp], dtype=np.bool_) & c.e_volunteer
        self.position_free = free
        self.sunday_cost = np.array([p.sunday_cost for p in rp], dtype=np.int64)
        self.sunday_hard = np.array([p.sunday_hard for p in rp], dtype=np.bool_)
        self.travel_cost = np.array([p.travel_cost for p in rp], dtype=np.int64)
        self.home_first = np.array([p.home_critical_first for p in rp], dtype=np.bool_)
        self.cohort_days = np.array([p.cohort_days for p in rp], dtype=np.int64)
        self.hint = hint or set()

        self.last_end = np.full(n_e, -BIG, dtype=np.int64)
        self.day_id = np.full(n_e, -1, dtype=np.int64)
        self.day_minutes = np.zeros(n_e, dtype=np.int64)
        self.week_minutes = np.zeros((n_e, c.weeks), dtype=np.int64)
        self.overtime = np.zeros((n_e, c.weeks), dtype=np.int64)
        self.overtime_total = np.zeros(n_e, dtype=np.int64)
        self.flag = np.zeros(n_e, dtype=np.bool_)
        self.gap_week = np.full(n_e, -1, dtype=np.int64)
        self.longest_gap = np.zeros(n_e, dtype=np.int64)
        self.unsocial = np.zeros(n_e, dtype=np.int64)
        self.moved = np.zeros(n_e, dtype=np.bool_)
        self.outside = np.zeros(n_e, dtype=np.bool_)
        self.sunday_worked = np.zeros((n_e, max(1, len(c.sundays))), dtype=np.bool_)
        max_blocks = c.problem.horizon_days + 1
        self.cohort_unit = np.full((n_e, max_blocks), -1, dtype=np.int64)
        self.unit_willing: dict[int, BoolArray] = {}
        self.by_need: list[list[int]] = [[] for _ in range(c.n_needs)]

    # --- the vector checks ---------------------------------------------------------------------------------------
    def willing(self, u: int) -> BoolArray:
        found = self.unit_willing.get(u)
        if found is None:
            kind = self.c.u_kind[u]
            found = np.array([kind in w for w in self.c.e_willing], dtype=np.bool_)
            self.unit_willing[u] = found
        return found

    def feasible(self, n: int, idx: IntArray) -> BoolArray:
        """Which of the employees ``idx`` may lawfully take need ``n`` given what they already work.

        ``idx`` must already be eligible by class (qualification, restrictions, travel); absences are checked here.
        """
        c = self.c
        s, t, m, b, d = int(c.n_start[n]), int(c.n_end[n]), int(c.n_minutes[n]), int(c.n_week[n]), int(c.n_day[n])
        absent = c.need_absent.get(n)
        if absent is None:
            ok: BoolArray = np.ones(len(idx), dtype=np.bool_)
        else:  # a scratch flag per employee is much faster than np.isin for these sizes
            self.flag[absent] = True
            ok = ~self.flag[idx]
            self.flag[absent] = False
        last_end = self.last_end[idx]
        ok &= s - last_end >= self.rest[idx]
        ok &= s >= last_end
        day_minutes = np.where(self.day_id[idx] == d, self.day_minutes[idx], 0)
        ok &= day_minutes + m <= self.max_day[idx]
        week_minutes = self.week_minutes[idx, b]
        ok &= week_minutes + m <= self.max_week[idx]
        full = c.e_full[idx, b]
        new_ot = np.maximum(0, week_minutes + m - full)
        ok &= new_ot <= self.ot_week[idx]
        ot_here = self.overtime[idx, b]
        ot_rest = self.overtime_total[idx] - ot_here
        ok &= ot_rest + new_ot <= self.ot_year[idx]
        if c.weeks <= 4:  # one window: the whole horizon
            ok &= ot_rest + new_ot <= self.ot_4[idx]
        else:
            overtime = self.overtime[idx]
            for first in range(max(0, b - 3), min(b, max(0, c.weeks - 4)) + 1):
                window = overtime[:, first : first + 4].sum(axis=1) - ot_here
                ok &= window + new_ot <= self.ot_4[idx]
        if self.position_hard.any():
            extra = np.maximum(0, np.minimum(week_minutes + m, full) - c.e_contract[idx, b])
            ok &= ~self.position_hard[idx] | self.position_free[idx] | (extra <= 0)
        # weekly rest: the week must still hold one long enough break
        lo = b * MINUTES_PER_WEEK
        hi = min(c.horizon_minutes, lo + MINUTES_PER_WEEK)
        required = np.minimum(self.weekly_rest[idx], hi - lo)
        cursor = np.maximum(lo, last_end)
        longest = np.where(self.gap_week[idx] == b, self.longest_gap[idx], 0)
        longest = np.maximum(longest, s - cursor)
        ok &= (longest >= required) | (hi - t >= required)
        sunday = int(c.n_sunday[n])
        if sunday > 0 and self.sunday_hard.any():
            ok &= ~(self.sunday_hard[idx] & self.sunday_worked[idx, sunday - 1])
        if (self.cohort_days > 0).any():
            days = self.cohort_days[idx]
            unit_now = self.cohort_unit[idx, d // np.maximum(days, 1)]
            ok &= (days == 0) | (unit_now == -1) | (unit_now == c.n_unit[n])
        return ok

    def marginal(self, n: int, idx: IntArray) -> IntArray:
        """The exact increase of the objective if each employee of ``idx`` took need ``n`` now."""
        c = self.c
        w = c.weights
        m, b, u = int(c.n_minutes[n]), int(c.n_week[n]), int(c.n_unit[n])
        wage = c.e_wage[idx]
        cost = (wage * m * 100 // 60 + c.n_supplement[c.e_rule_set[idx], n]) * w.cost_per_ore
        week_minutes = self.week_minutes[idx, b]
        full, contract = c.e_full[idx, b], c.e_contract[idx, b]
        new_ot = np.maximum(0, week_minutes + m - full)
        cost += (new_ot - self.overtime[idx, b]) * (w.overtime_per_minute + c.e_overtime_ore[idx] * w.cost_per_ore)
        old_extra = np.maximum(0, np.minimum(week_minutes, full) - contract)
        new_extra = np.maximum(0, np.minimum(week_minutes + m, full) - contract)
        paid = np.where(self.position_free[idx], 0, self.position_cost[idx])
        cost += paid * new_extra // 60 - paid * old_extra // 60
        home = c.e_home[idx]
        away = home != u
        if away.any():
            away_cost = (
                np.where(self.moved[idx], 0, w.moved_person)
                + c.unit_km[home, u] * w.travel_per_km
                + np.where(~self.outside[idx] & (c.e_sector[idx] != c.u_sector[u]), w.outside_sector_person, 0)
                + np.where(self.willing(u)[idx], 0, w.unwanted_shift)
            )
            travel_cost = self.travel_cost[idx]
            if (travel_cost > 0).any():
                over = np.maximum(0, np.ceil(c.unit_distance[home, u] - c.e_travel_limit[idx] - 1e-9)).astype(np.int64)
                away_cost += travel_cost * over
            cost += np.where(away, away_cost, 0)
        elif (c.e_sector[idx] != c.u_sector[u]).any():
            cost += np.where(~self.outside[idx] & (c.e_sector[idx] != c.u_sector[u]), w.outside_sector_person, 0)
        if c.n_night[n]:
            cost += np.where(c.e_avoid_nights[idx], w.unwanted_shift, 0)
        if c.n_weekend[n]:
            cost += np.where(c.e_avoid_weekends[idx], w.unwanted_shift, 0)
        if c.n_unsocial[n]:
            cost += w.unsocial_squared * (2 * self.unsocial[idx] + 1)
        sunday = int(c.n_sunday[n])
        if sunday > 0:
            cost += np.where(self.sunday_worked[idx, sunday - 1], self.sunday_cost[idx], 0)
        if sunday >= 0 and sunday + 1 < self.sunday_worked.shape[1]:
            cost += np.where(self.sunday_worked[idx, sunday + 1], self.sunday_cost[idx], 0)
        out: IntArray = cost.astype(np.int64)
        return out

    # --- doing it --------------------------------------------------------------------------------------------------
    def take(self, e: int, n: int) -> None:
        """Record that employee ``e`` works need ``n``."""
        c = self.c
        s, t, m, b, d, u = (
            int(c.n_start[n]),
            int(c.n_end[n]),
            int(c.n_minutes[n]),
            int(c.n_week[n]),
            int(c.n_day[n]),
            int(c.n_unit[n]),
        )
        lo = b * MINUTES_PER_WEEK
        longest = int(self.longest_gap[e]) if self.gap_week[e] == b else 0
        cursor = max(lo, int(self.last_end[e]))
        self.longest_gap[e] = max(longest, s - cursor)
        self.gap_week[e] = b
        self.last_end[e] = max(int(self.last_end[e]), t)
        if self.day_id[e] != d:
            self.day_id[e] = d
            self.day_minutes[e] = 0
        self.day_minutes[e] += m
        self.week_minutes[e, b] += m
        before = int(self.overtime[e, b])
        self.overtime[e, b] = max(0, int(self.week_minutes[e, b]) - int(c.e_full[e, b]))
        self.overtime_total[e] += int(self.overtime[e, b]) - before
        if c.n_unsocial[n]:
            self.unsocial[e] += 1
        if c.e_home[e] != u:
            self.moved[e] = True
        if c.e_sector[e] != c.u_sector[u]:
            self.outside[e] = True
        sunday = int(c.n_sunday[n])
        if sunday >= 0:
            self.sunday_worked[e, sunday] = True
        if self.cohort_days[e] > 0:
            self.cohort_unit[e, d // int(self.cohort_days[e])] = u
        self.by_need[n].append(e)

    def within_contract(self, n: int, idx: IntArray) -> BoolArray:
        """Which of ``idx`` would take need ``n`` without overtime and without paid extra hours."""
        c = self.c
        m, b = int(c.n_minutes[n]), int(c.n_week[n])
        after = self.week_minutes[idx, b] + m
        limit = np.where(
            self.position_free[idx] | (self.position_cost[idx] == 0), c.e_full[idx, b], c.e_contract[idx, b]
        )
        out: BoolArray = after <= np.minimum(limit, c.e_full[idx, b])
        return out

    def fill(self, n: int, idx: IntArray, *, spare_only: bool = False) -> None:
        """Give need ``n`` its missing people, cheapest first, among the eligible employees ``idx``.

        With ``spare_only``, only people whose week still has room for the need within their contract (no overtime,
        no paid extra hours) are considered.
        """
        missing = int(self.c.n_count[n]) - len(self.by_need[n])
        if missing <= 0 or len(idx) == 0:
            return
        ok = self.feasible(n, idx)
        if spare_only:
            ok &= self.within_contract(n, idx)
        if self.by_need[n]:
            self.flag[self.by_need[n]] = True
            ok &= ~self.flag[idx]
            self.flag[self.by_need[n]] = False
        if not ok.any():
            return
        people = idx[ok]
        cost = self.marginal(n, people)
        if self.hint:
            kept = np.array([(int(e), n) in self.hint for e in people], dtype=np.bool_)
            cost = cost - np.where(kept, 2 * self.c.weights.change, 0)
        for _ in range(min(missing, len(people))):
            i = int(np.argmin(cost))
            if cost[i] >= INF:
                break
            self.take(int(people[i]), n)
            cost[i] = INF


def construct(
    c: Compiled,
    *,
    pins: Iterable[tuple[int, int]] = (),
    hint: set[tuple[int, int]] | None = None,
    frozen: BoolArray | None = None,
) -> list[list[int]]:
    """Build a plan; returns, per need, the employees working it.

    Parameters
    ----------
    c
        The compiled problem.
    pins
        ``(employee, need)`` pairs that must be kept; they are placed first, as they are.
    hint
        Pairs of the current plan; keeping one is rewarded by the change weight.
    frozen
        Employees who may not be given anything beyond their pins.
    """
    g = Greedy(c, hint=hint)
    pinned: dict[int, list[int]] = {}
    for e, n in pins:
        pinned.setdefault(n, []).append(e)
    allowed = np.ones(c.n_employees, dtype=np.bool_) if frozen is None else ~frozen
    members = [np.flatnonzero(row & allowed) for row in c.class_mask]
    # each class's members ordered by home unit (stable, so employee order within a unit is kept): a unit's own
    # staff are then a slice instead of a scan over the whole class, which on the Oslo-like preset is the difference
    # between seconds and minutes
    by_home = [idx[np.argsort(c.e_home[idx], kind="stable")] for idx in members]
    homes = [c.e_home[idx] for idx in by_home]

    def own_staff(n: int) -> IntArray:
        k = int(c.n_class[n])
        unit = c.n_unit[n]
        lo, hi = np.searchsorted(homes[k], [unit, unit + 1])
        return by_home[k][lo:hi]

    # people whose own unit has no critical need in a week may be lent out early (measured on Asker: lending
    # everyone with spare hours left 29 critical places open, lending only these left none)
    lendable = np.ones((len(c.unit_ids), c.weeks), dtype=np.bool_)
    lendable[c.n_unit[c.n_critical], c.n_week[c.n_critical]] = False
    open_critical: list[int] = []
    start = 0
    while start < c.n_needs:
        stop = start
        while stop < c.n_needs and c.n_start[stop] == c.n_start[start]:
            stop += 1
        # scarce needs first: critical, then those fewest people may fill
        group = sorted(range(start, stop), key=lambda n: (-int(c.n_critical[n]), len(members[c.n_class[n]]), n))
        for n in group:
            for e in pinned.get(n, ()):
                g.take(e, n)
        for n in group:  # own staff first, while their contract hours last
            g.fill(n, own_staff(n), spare_only=True)
        for n in group:  # then own staff beyond contract against lendable people with spare contract hours
            if len(g.by_need[n]) >= c.n_count[n]:
                continue  # most needs are full after the first pass; the masks below cost a whole class each
            idx = members[c.n_class[n]]
            own = c.e_home[idx] == c.n_unit[n]
            spare = ~own & lendable[c.e_home[idx], c.n_week[n]]
            spare[spare] = g.within_contract(n, idx[spare])
            g.fill(n, idx[own | spare])
        blocked = np.zeros(c.n_employees, dtype=np.bool_)
        now = int(c.n_start[group[0]])
        still_open = []
        for m in open_critical:  # earlier critical needs still open for more than half their length
            if (int(c.n_end[m]) - now) * 2 > int(c.n_minutes[m]) and len(g.by_need[m]) < c.n_count[m]:
                blocked |= g.home_first & (c.e_home == c.n_unit[m]) & c.eligible_mask(m)
                still_open.append(m)
        open_critical = still_open
        for m in group:  # a unit's people are not lent out while its own critical needs are open
            if c.n_critical[m] and len(g.by_need[m]) < c.n_count[m]:
                blocked |= g.home_first & (c.e_home == c.n_unit[m]) & c.eligible_mask(m)
        for n in group:
            if len(g.by_need[n]) >= c.n_count[n]:
                continue
            idx = members[c.n_class[n]]
            g.fill(n, idx[~blocked[idx] | (c.e_home[idx] == c.n_unit[n])])
        open_critical += [m for m in group if c.n_critical[m] and len(g.by_need[m]) < c.n_count[m]]
        start = stop
    return g.by_need
