"""A fast local search between the greedy construction and the CP-SAT parts: shift transfers and ejection chains.

The greedy builds the plan in time order, so early in a week it cannot see who will still have contract hours to
spare at its end; most of what is left is extra hours beyond the position (PositionNorm warnings), overtime and
Sunday pairs that other qualified people could have taken within their contracts. This pass looks only at those
people: for each of their shifts in an overloaded week (or on a Sunday that makes a pair) it tries

- a *transfer*: the shift goes to another lawful person, chosen by the exact marginal objective of taking it
  (the same vector formula as the construction), and
- an *ejection chain*: the shift goes to a person whose own week then overflows, who hands one of their other
  shifts of that week to a third person with room,
- a *swap* with someone's shorter shift of that week, or, for a Sunday that makes a pair, with a weekday shift of
  someone for whom that Sunday makes no pair, and
- a *replacement*: the shift goes to a person with room who is busy that day, whose shift of that day goes on to a
  third person (on Asker most people with contract hours to spare are absent or busy on the day in question).

Units that lend people to each other exchange them back (a *cross exchange*): someone from the host who is lent
out elsewhere that week takes the away shift at home and gives their own away shift to the first person (or, when
the first may not work it, to a colleague of the unit it is at, who hands the first person a shift of theirs).

People lent out for a few shifts are *brought home*: each away shift goes to someone with room or is exchanged,
for one of their shifts at the person's home that week, with someone moved already (a colleague lent out, a
visitor from a third unit, someone whose home the away shift is at; a moved person is charged once, so lending is
consolidated on fewer people). The last tenth of the time is kept for a final pass of these and the cross
exchanges, which a deadline among the transfers used to skip.

Every move is checked against every hard rule for the person who receives a shift (giving a shift away cannot
break a hard rule the engine enforces), and its gain is the exact objective delta of the people involved
(``objective.employee_terms``), so a move is kept only when the whole objective falls. Coverage is unchanged.
"""

from __future__ import annotations

import time
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

import numpy as np

from ressursbank.checker.roster import OBJECTIVE_TERMS
from ressursbank.solver.compile import BIG, BoolArray, Compiled, IntArray
from ressursbank.solver.greedy import MINUTES_PER_WEEK, Greedy
from ressursbank.solver.local_kernel import takers_filter
from ressursbank.solver.objective import employee_terms, evaluate, per_employee
from ressursbank.solver.rules.home_critical_first import critical_by_unit, mostly_overlaps

#: a person's totals: own objective of the shifts, minutes per week, shifts away, outside the sector, unsocial,
#: shifts per Sunday
Totals = tuple[int, list[int], int, int, int, list[int]]


def person_objective(c: Compiled, e: int, needs: Sequence[int]) -> int:
    """Employee ``e``'s share of the objective when working ``needs`` (sorted by start)."""
    terms = dict.fromkeys(OBJECTIVE_TERMS, 0)
    employee_terms(c, e, needs, terms)
    return sum(terms.values())


def _longest_off(intervals: Iterable[tuple[int, int]], lo: int, hi: int) -> int:
    """Longest stretch of ``[lo, hi)`` not covered by any interval (as the checker computes it)."""
    clipped = sorted((max(lo, s), min(hi, t)) for s, t in intervals if s < hi and t > lo)
    longest, cursor = 0, lo
    for s, t in clipped:
        longest = max(longest, s - cursor)
        cursor = max(cursor, t)
    return max(longest, hi - cursor)


def _gaps(start: list[int], end: list[int], own: Sequence[int], lo: int, hi: int) -> list[tuple[int, int]]:
    """The free stretches of ``[lo, hi)`` between the shifts ``own`` (those ``_longest_off`` measures)."""
    clipped = sorted((max(lo, start[m]), min(hi, end[m])) for m in own if start[m] < hi and end[m] > lo)
    out: list[tuple[int, int]] = []
    cursor = lo
    for s, t in clipped:
        if s > cursor:
            out.append((cursor, s))
        cursor = max(cursor, t)
    if hi > cursor:
        out.append((cursor, hi))
    return out


class _Law:
    """What ``LocalSearch.lawful`` reads of one person's shifts ``own`` (sorted by start, then index)."""

    __slots__ = (
        "day_minutes",
        "gaps",
        "latest_end",
        "overtime",
        "overtime_total",
        "own",
        "per_week",
        "starts",
        "sundays",
        "window_over",
        "windows",
    )

    def __init__(self, search: LocalSearch, e: int, own: Sequence[int]) -> None:
        start, end, minutes, week, day = search.start, search.end, search.minutes, search.week, search.day
        key = [(start[m], m) for m in own]
        if any(x > y for x, y in pairwise(key)):  # an explicit base out of time order
            own = [m for _, m in sorted(key)]
        self.own = own
        self.starts = [start[m] for m in own]
        latest = -BIG
        self.latest_end: list[int] = []
        weeks = search.c.weeks
        per_week = [0] * weeks
        day_minutes: dict[int, int] = {}
        for m in own:
            if end[m] > latest:
                latest = end[m]
            self.latest_end.append(latest)
            per_week[week[m]] += minutes[m]
            day_minutes[day[m]] = day_minutes.get(day[m], 0) + minutes[m]
        self.per_week = per_week
        self.day_minutes = day_minutes
        full = search.full[e]
        self.overtime = [max(0, per_week[k] - full[k]) for k in range(weeks)]
        self.overtime_total = sum(self.overtime)
        if weeks >= 4:
            self.windows = [sum(self.overtime[f : f + 4]) for f in range(weeks - 3)]
        else:
            self.windows = [self.overtime_total]
        self.window_over = max(self.windows) > search.params_of[e].overtime_4_weeks
        self.sundays = {search.sunday[m] for m in own}
        self.gaps: dict[int, list[tuple[int, int]]] = {}


class LocalSearch:
    """The plan as per-person shift lists plus the construction's state vectors, kept in step move by move."""

    def __init__(
        self,
        c: Compiled,
        by_need: list[list[int]],
        *,
        pins: set[tuple[int, int]],
        hint: set[tuple[int, int]] | None,
    ) -> None:
        self.c = c
        self.by_need = [list(p) for p in by_need]
        self.pins = pins
        self.hint = hint
        self.g = Greedy(c)
        self.shifts = per_employee(c, self.by_need)
        self.members = [np.flatnonzero(row) for row in c.class_mask]
        #: each unit's home staff
        self.staff = _staff_by_unit(c)
        n_days = c.problem.horizon_days + 2
        # the first start and last end of the shifts starting on each day (+1 column on each side), for a vector
        # pre-filter on rest and one shift at a time; the exact check follows
        # (day, employee): a day's row is contiguous, so reading it for many people is a cheap gather
        self.day_start = np.full((n_days, c.n_employees), -1, dtype=np.int64)
        self.day_end = np.full((n_days, c.n_employees), -1, dtype=np.int64)
        self.objective = np.zeros(c.n_employees, dtype=np.int64)
        # a unit's critical needs by start day: two shifts overlap only if their start days are at most
        # ``1 + longest // day`` apart, so ``lawful`` looks at a few lists, not at all weeks
        self.home_critical: dict[tuple[int, int], list[int]] = {}
        longest = int((c.n_end - c.n_start).max()) if c.n_needs else 0
        self.overlap_days = range(-1 - longest // 1440, 2 + longest // 1440)
        #: each unit's needs by week
        self.needs_at: dict[tuple[int, int], list[int]] = {}
        for k, (u, b) in enumerate(zip(c.n_unit.tolist(), c.n_week.tolist(), strict=True)):
            self.needs_at.setdefault((u, b), []).append(k)
        for unit, needs in critical_by_unit(c).items():
            for m in needs:
                self.home_critical.setdefault((unit, int(c.n_day[m])), []).append(m)
        # plain Python copies of the compiled arrays: scalar reads from numpy are slow in the inner loops
        self.n_needs = c.n_needs
        self.count = c.n_count.tolist()
        self.need_class = c.n_class.tolist()
        self.minutes = c.n_minutes.tolist()
        self.unit = c.n_unit.tolist()
        self.week = c.n_week.tolist()
        self.start = c.n_start.tolist()
        self.end = c.n_end.tolist()
        self.day = c.n_day.tolist()
        self.night = c.n_night.tolist()
        self.weekend = c.n_weekend.tolist()
        self.unsocial_need = [bool(x) for x in c.n_unsocial.tolist()]
        self.sunday = c.n_sunday.tolist()
        self.home = c.e_home.tolist()
        self.wage = c.e_wage.tolist()
        self.rule_set = c.e_rule_set.tolist()
        self.sector = c.e_sector.tolist()
        self.u_sector = c.u_sector.tolist()
        self.avoid_nights = c.e_avoid_nights.tolist()
        self.avoid_weekends = c.e_avoid_weekends.tolist()
        self.full = c.e_full.tolist()
        self.contract = c.e_contract.tolist()
        self.overtime_ore = c.e_overtime_ore.tolist()
        self.params_of = [c.rule_params[r] for r in self.rule_set]
        self.position_paid = [
            bool(p.position_cost_per_hour) and not (p.position_volunteers_free and bool(v))
            for p, v in zip(self.params_of, c.e_volunteer.tolist(), strict=True)
        ]
        self.shift_cache: dict[int, tuple[int, int, bool, bool, bool, int, int, int]] = {}
        self.rest = self.g.rest
        self.volunteer = c.e_volunteer.tolist()
        #: extra hours within full time are paid (warned) for the person
        self.extra_paid = (~self.g.position_free & (self.g.position_cost > 0)).tolist()
        #: each person's summary for ``lawful``, built on first use after their shifts change
        self.law: list[_Law | None] = [None] * c.n_employees
        #: summaries of explicit bases, by person and shifts
        self.base_laws: dict[tuple[int, tuple[int, ...]], _Law] = {}
        self.absent: dict[int, frozenset[int]] = {}
        #: needs whose people may change (all, unless the search is split between processes)
        self.movable = [True] * c.n_needs
        #: forbid moves that raise anyone's overtime (keeps the 4-week and yearly caps when split by weeks)
        self.no_new_overtime = False
        # a move in a unit's week counts up its version; a failed try is not repeated while the version holds
        self.version = np.zeros((len(c.unit_ids), c.weeks), dtype=np.int64)
        self.failed: dict[tuple[int, int, int], int] = {}
        free = self.g.position_free | (self.g.position_cost == 0)
        self.limit = np.where(free[:, None], c.e_full, np.minimum(c.e_contract, c.e_full)).astype(np.int64)
        #: (start, end, minutes, week, day) of each need, for ``takers_filter``
        self.need_row = np.stack([c.n_start, c.n_end, c.n_minutes, c.n_week, c.n_day], axis=1).astype(np.int64)
        #: people in a cross exchange: 2, or 3 through a colleague of the lender (``_cross_through``)
        self.cross_depth = 3
        #: candidate triples priced per shift in a cross exchange through a third person
        self.cross_evaluations = 60
        #: people tried as the middle of an ejection chain per shift
        self.chain_width = 3
        #: how much dearer than the giver's release a middle person's marginal may be (their overflow is passed on)
        self.chain_allowance = 60 * 20 * int(c.weights.overtime_per_minute)
        self.n_sundays = self.g.sunday_worked.shape[1]
        #: each person's totals (``_totals``), kept in step by ``sync``, for ``objective_after``
        self.totals: list[Totals] = [(0, [], 0, 0, 0, [])] * c.n_employees
        #: each person's overtime minutes, paid extra hours' warnings and Sunday pairs (``_parts``) of the totals
        self.parts: list[tuple[int, int, int]] = [(0, 0, 0)] * c.n_employees
        #: the columns of ``day_start`` and ``day_end`` set for each person (the others are -1)
        self.days_set: list[list[int]] = [[] for _ in range(c.n_employees)]
        for e in range(c.n_employees):
            self.sync(e)

    # --- state ----------------------------------------------------------------------------------------------------
    def sync(self, e: int) -> None:
        """Recompute employee ``e``'s state vectors from their shift list."""
        c, g = self.c, self.g
        needs = self.shifts[e]
        totals = self.totals[e] = self._totals(e, needs)
        flat, per_week, away, outside, unsocial, sunday_shifts = totals
        day_start: dict[int, int] = {}
        day_end: dict[int, int] = {}
        start, end, day = self.start, self.end, self.day
        for n in needs:  # plain Python: scalar reads from numpy are slow
            d = day[n] + 1
            if d not in day_start:
                day_start[d] = start[n]
                day_end[d] = end[n]
            elif end[n] > day_end[d]:
                day_end[d] = end[n]
        g.week_minutes[e] = per_week
        g.unsocial[e] = unsocial
        g.moved[e] = away > 0
        g.outside[e] = outside > 0
        g.sunday_worked[e] = [x > 0 for x in sunday_shifts]
        previous = self.days_set[e]
        if previous:
            self.day_start[previous, e] = -1
            self.day_end[previous, e] = -1
        days = self.days_set[e] = list(day_start)
        if days:
            self.day_start[days, e] = [day_start[d] for d in days]
            self.day_end[days, e] = [day_end[d] for d in days]
        full = self.full[e]
        overtime = [max(0, per_week[b] - full[b]) for b in range(c.weeks)]
        g.overtime[e] = overtime
        g.overtime_total[e] = sum(overtime)
        parts = self.parts[e] = self._parts(e, per_week, sunday_shifts)
        self.objective[e] = self._objective_from(e, flat, away, outside, unsocial, *parts)

    def _shift(self, e: int, n: int) -> tuple[int, int, bool, bool, bool, int, int, int]:
        """``e`` working ``n``: (the shift's own objective, week, away, outside sector, unsocial, Sunday, minutes,
        full-time minutes that week), cached; the terms are those of ``objective.employee_terms``."""
        key = e * self.n_needs + n
        found = self.shift_cache.get(key)
        if found is not None:
            return found
        c, w = self.c, self.c.weights
        p = self.params_of[e]
        m, u, b = self.minutes[n], self.unit[n], self.week[n]
        home = self.home[e]
        own = self.wage[e] * m * 100 // 60 + int(c.n_supplement[self.rule_set[e], n])
        flat = w.cost_per_ore * own
        unwanted = 0
        away = u != home
        if away:
            flat += w.travel_per_km * int(c.unit_km[home, u])
            if c.u_kind[u] not in c.e_willing[e]:
                unwanted += 1
            if p.travel_cost:
                over = max(0, int(np.ceil(c.unit_distance[home, u] - c.e_travel_limit[e] - 1e-9)))
                flat += p.travel_cost * over
        if self.night[n] and self.avoid_nights[e]:
            unwanted += 1
        if self.weekend[n] and self.avoid_weekends[e]:
            unwanted += 1
        flat += w.unwanted_shift * unwanted
        outside = self.u_sector[u] != self.sector[e]
        found = (flat, b, away, outside, self.unsocial_need[n], self.sunday[n], m, int(c.e_full[e, b]))
        if len(self.shift_cache) >= 2_000_000:  # a few hundred MiB: start afresh rather than grow on large presets
            self.shift_cache.clear()
        self.shift_cache[key] = found
        return found

    def _totals(self, e: int, needs: Sequence[int]) -> Totals:
        """What ``e``'s objective is made of when working ``needs``: the sum of the shifts' own objective, minutes
        per week, shifts away, shifts outside the sector, unsocial shifts and shifts per Sunday."""
        flat = away = outside = unsocial = 0
        per_week = [0] * self.c.weeks
        sundays = [0] * self.n_sundays
        for n in needs:
            own, b, is_away, is_outside, is_unsocial, sunday, m, _ = self._shift(e, n)
            flat += own
            per_week[b] += m
            away += is_away
            outside += is_outside
            unsocial += is_unsocial
            if sunday >= 0:
                sundays[sunday] += 1
        return flat, per_week, away, outside, unsocial, sundays

    def _parts(self, e: int, per_week: list[int], sundays: list[int]) -> tuple[int, int, int]:
        """``e``'s overtime minutes, paid extra hours' warnings and Sunday pairs from minutes per week and shifts
        per Sunday."""
        full = self.full[e]
        overtime = 0
        for b, minutes in enumerate(per_week):
            if minutes > full[b]:
                overtime += minutes - full[b]
        position = 0
        if self.position_paid[e]:
            contract = self.contract[e]
            cost = self.params_of[e].position_cost_per_hour
            for b, minutes in enumerate(per_week):
                extra = min(minutes, full[b]) - contract[b]
                if extra > 0:
                    position += cost * extra // 60
        pairs = 0
        if self.params_of[e].sunday_cost:
            pairs = sum(1 for s in range(len(sundays) - 1) if sundays[s] and sundays[s + 1])
        return overtime, position, pairs

    def _objective_from(
        self, e: int, flat: int, away: int, outside: int, unsocial: int, overtime: int, position: int, pairs: int
    ) -> int:
        w = self.c.weights
        total = flat + w.overtime_per_minute * overtime + w.cost_per_ore * overtime * self.overtime_ore[e]
        total += w.moved_person * (away > 0) + w.outside_sector_person * (outside > 0)
        total += w.unsocial_squared * unsocial * unsocial + position
        sunday_cost = self.params_of[e].sunday_cost
        if sunday_cost:
            total += sunday_cost * pairs
        return int(total)

    def _objective_of(self, e: int, totals: Totals) -> int:
        """Employee ``e``'s share of the objective from their totals (equal to ``objective.employee_terms``)."""
        flat, per_week, away, outside, unsocial, sundays = totals
        return self._objective_from(e, flat, away, outside, unsocial, *self._parts(e, per_week, sundays))

    def person_objective(self, e: int, needs: Sequence[int]) -> int:
        """Employee ``e``'s share of the objective when working ``needs`` (equal to ``objective.employee_terms``)."""
        if not needs:
            return 0
        return self._objective_of(e, self._totals(e, needs))

    def objective_after(self, e: int, add: Sequence[int] = (), remove: Sequence[int] = ()) -> int:
        """``person_objective(e, ...)`` of ``e``'s shifts less ``remove`` (worked by ``e``) plus ``add`` (not worked
        by ``e``), from ``e``'s totals: a few shifts' terms instead of a pass over all of ``e``'s shifts (the search
        prices most moves this way; about a fifth of its time went to whole passes). Only the weeks and Sundays of
        the shifts added or removed are looked at; the rest comes from ``parts`` (kept by ``sync``)."""
        flat, per_week, away, outside, unsocial, sundays = self.totals[e]
        overtime, position, pairs = self.parts[e]
        weeks: dict[int, int] = {}
        changed: dict[int, int] = {}
        for sign, needs in ((1, add), (-1, remove)):
            for n in needs:
                own, b, is_away, is_outside, is_unsocial, sunday, m, _ = self._shift(e, n)
                flat += sign * own
                weeks[b] = weeks.get(b, 0) + sign * m
                away += sign * is_away
                outside += sign * is_outside
                unsocial += sign * is_unsocial
                if sunday >= 0:
                    changed[sunday] = changed.get(sunday, 0) + sign
        full = self.full[e]
        paid = self.position_paid[e]
        for b, delta in weeks.items():
            if not delta:
                continue
            old, f = per_week[b], full[b]
            new = old + delta
            overtime += (new - f if new > f else 0) - (old - f if old > f else 0)
            if paid:
                cost, contract = self.params_of[e].position_cost_per_hour, self.contract[e][b]
                extra = (new if new < f else f) - contract
                if extra > 0:
                    position += cost * extra // 60
                extra = (old if old < f else f) - contract
                if extra > 0:
                    position -= cost * extra // 60
        if changed and self.params_of[e].sunday_cost:
            last = len(sundays) - 1
            for s in {x for k in changed for x in (k - 1, k) if 0 <= x < last}:
                before = 1 if sundays[s] and sundays[s + 1] else 0
                after = 1 if sundays[s] + changed.get(s, 0) and sundays[s + 1] + changed.get(s + 1, 0) else 0
                pairs += after - before
        return self._objective_from(e, flat, away, outside, unsocial, overtime, position, pairs)

    def change_cost(self, e: int, n: int, adding: bool) -> int:
        """The ``changes`` term's delta when ``e`` starts (``adding``) or stops working ``n``."""
        if self.hint is None:
            return 0
        kept = (e, n) in self.hint
        step = self.c.weights.change
        return (-step if kept else step) if adding else (step if kept else -step)

    def _with(self, e: int, n: int) -> list[int]:
        return self.in_time_order([*self.shifts[e], n])

    def in_time_order(self, needs: list[int]) -> list[int]:
        """``needs`` in time order (start, then index), the order ``person_objective`` expects."""
        return sorted(needs, key=lambda k: (self.start[k], k))

    def _without(self, e: int, n: int) -> list[int]:
        return [m for m in self.shifts[e] if m != n]

    def _move(self, n: int, giver: int, taker: int) -> None:
        b = self.week[n]
        for u in {self.unit[n], self.home[giver], self.home[taker]}:
            self.version[u, b] += 1
        self.by_need[n].remove(giver)
        self.by_need[n].append(taker)
        self.shifts[giver] = self._without(giver, n)
        start = self.start
        with_n = list(self.shifts[taker])
        insort(with_n, n, key=lambda k: (start[k], k))  # as ``_with``: the keys are distinct
        self.shifts[taker] = with_n
        self.sync(giver)
        self.sync(taker)

    # --- rules ----------------------------------------------------------------------------------------------------
    def lawful(self, e: int, n: int, base: Sequence[int] | None = None) -> bool:
        """May ``e`` take need ``n`` on top of their shifts (or of ``base``) under every hard rule the engine keeps?

        The checks are those of ``lawful_reference``, from a per-person summary of the shifts (``_law``, rebuilt
        when the person's shift list changes): the new shift's neighbours are a bisect, the week's minutes and
        overtime are read, not summed, and the weekly rest only splits the base's free stretches of the weeks the
        shift touches. Every check only rejects, so the cheapest come first; the answer is the same.
        """
        c = self.c
        if e in self.by_need[n] or not c.class_mask[self.need_class[n], e] or e in self._absent(n):
            return False
        if base is None:
            law = self.law[e]
            if law is None or law.own is not self.shifts[e]:
                law = self.law[e] = _Law(self, e, self.shifts[e])
        else:  # a summary depends only on the shifts (the day matching asks about the same base for many needs)
            key = (e, tuple(base))
            law = self.base_laws.get(key)
            if law is None:
                if len(self.base_laws) >= 10_000:
                    self.base_laws.clear()
                law = self.base_laws[key] = _Law(self, e, base)
        own = law.own
        p = self.params_of[e]
        s, t = self.start[n], self.end[n]
        # the base is lawful on its own (a lawful plan less at most one shift), so only the new shift's neighbours
        # can break one shift at a time or the daily rest (the checker's reading: gap to the latest end so far)
        starts = law.starts
        i = bisect_left(starts, s)
        size = len(own)
        while i < size and starts[i] == s and own[i] < n:
            i += 1
        latest_before = law.latest_end[i - 1] if i else -BIG
        next_start = starts[i] if i < size else BIG
        rest = p.daily_rest if p.daily_rest > 0 else 0
        if s - latest_before < rest or next_start - (t if t > latest_before else latest_before) < rest:
            return False
        minutes, d, b = self.minutes[n], self.day[n], self.week[n]
        if law.day_minutes.get(d, 0) + minutes > p.max_day:
            return False
        week_minutes = law.per_week[b] + minutes
        if week_minutes > p.max_week:
            return False
        full = self.full[e][b]
        overtime = week_minutes - full if week_minutes > full else 0
        grown = overtime - law.overtime[b]
        if overtime > p.overtime_week or law.overtime_total + grown > p.overtime_year:
            return False
        if self.no_new_overtime and overtime > int(self.g.overtime[e, b]):
            return False
        if law.window_over:  # a 4-week window over its cap stays over it
            return False
        if grown > 0:
            windows = law.windows
            cap = p.overtime_4_weeks
            for f in range(max(0, b - 3), min(b + 1, len(windows))):
                if windows[f] + grown > cap:
                    return False
        if (
            p.position_hard
            and not (p.position_volunteers_free and self.volunteer[e])
            and (week_minutes if week_minutes < full else full) > self.contract[e][b]
        ):
            return False
        sunday = self.sunday[n]
        if p.sunday_hard and sunday >= 0 and (sunday - 1 in law.sundays or sunday + 1 in law.sundays):
            return False
        if p.weekly_rest > 0:
            weeks, horizon = c.weeks, c.horizon_minutes
            for k in range(s // MINUTES_PER_WEEK, min(weeks, (t - 1) // MINUTES_PER_WEEK + 1)):
                lo = k * MINUTES_PER_WEEK
                hi = min(horizon, lo + MINUTES_PER_WEEK)
                needed = min(p.weekly_rest, hi - lo)
                gaps = law.gaps.get(k)
                if gaps is None:
                    gaps = law.gaps[k] = _gaps(self.start, self.end, own, lo, hi)
                # the longest free stretch once [s, t) is worked: each free stretch of the base loses [s, t)
                for a, z in gaps:
                    if z - a < needed:
                        continue
                    if (z if z < s else s) - a >= needed or z - (a if a > t else t) >= needed:
                        break
                else:
                    return False
        return self._cohort_and_home_allow(e, n, own)

    def _cohort_and_home_allow(self, e: int, n: int, own: Sequence[int]) -> bool:
        """The last two checks of ``lawful``: one unit per cohort period, and a unit's own critical needs first."""
        c = self.c
        p = self.params_of[e]
        d = self.day[n]
        if p.cohort_days > 0:
            block = d // p.cohort_days
            if any(int(c.n_day[m]) // p.cohort_days == block and c.n_unit[m] != c.n_unit[n] for m in own):
                return False
        home = self.home[e]
        if p.home_critical_first and self.unit[n] != home:
            count = self.count
            for offset in self.overlap_days:
                for m in self.home_critical.get((home, d + offset), ()):
                    if len(self.by_need[m]) < count[m] and mostly_overlaps(c, n, m) and c.is_eligible(e, m):
                        return False
        return True

    def lawful_reference(self, e: int, n: int, base: Sequence[int] | None = None) -> bool:
        """``lawful`` as a plain pass over the shifts (the version before session 18; kept for the tests)."""
        c = self.c
        if e in self.by_need[n] or not c.class_mask[self.need_class[n], e] or e in self._absent(n):
            return False
        p = self.params_of[e]
        own = self.shifts[e] if base is None else base
        start, end, minutes, week, day = self.start, self.end, self.minutes, self.week, self.day
        s, t = start[n], end[n]
        d, b = day[n], week[n]
        latest_before = -BIG
        next_start = BIG
        per_week = [0] * c.weeks
        per_week[b] = minutes[n]
        day_minutes = minutes[n]
        for m in own:
            sm = start[m]
            if sm < s or (sm == s and m < n):
                latest_before = max(latest_before, end[m])
            else:
                next_start = min(next_start, sm)
            per_week[week[m]] += minutes[m]
            if day[m] == d:
                day_minutes += minutes[m]
        rest = max(0, p.daily_rest)
        if s - latest_before < rest or next_start - max(t, latest_before) < rest:
            return False
        if day_minutes > p.max_day or per_week[b] > p.max_week:
            return False
        full = self.full[e]
        overtime = [max(0, per_week[k] - full[k]) for k in range(c.weeks)]
        if overtime[b] > p.overtime_week or sum(overtime) > p.overtime_year:
            return False
        if self.no_new_overtime and overtime[b] > int(self.g.overtime[e, b]):
            return False
        if any(sum(overtime[f : f + 4]) > p.overtime_4_weeks for f in range(max(1, c.weeks - 3))):
            return False
        volunteer = p.position_volunteers_free and c.e_volunteer[e]
        if p.position_hard and not volunteer and min(per_week[b], full[b]) > self.contract[e][b]:
            return False
        if p.weekly_rest > 0:
            for k in range(s // MINUTES_PER_WEEK, min(c.weeks, (t - 1) // MINUTES_PER_WEEK + 1)):
                lo = k * MINUTES_PER_WEEK
                hi = min(c.horizon_minutes, lo + MINUTES_PER_WEEK)
                intervals = [(start[m], end[m]) for m in own if start[m] < hi and end[m] > lo]
                intervals.append((s, t))
                if _longest_off(intervals, lo, hi) < min(p.weekly_rest, hi - lo):
                    return False
        sunday = self.sunday[n]
        if p.sunday_hard and sunday >= 0:
            worked = {self.sunday[m] for m in own}
            if sunday - 1 in worked or sunday + 1 in worked:
                return False
        return self._cohort_and_home_allow(e, n, own)

    def _absent(self, n: int) -> frozenset[int]:
        found = self.absent.get(n)
        if found is None:
            people = self.c.need_absent.get(n)
            found = frozenset() if people is None else frozenset(people.tolist())
            self.absent[n] = found
        return found

    def _prefilter(self, n: int, idx: IntArray) -> BoolArray:
        """A vector test that removes most people who cannot take ``n`` (busy that day or too close to it)."""
        c, g = self.c, self.g
        s, t, m, b, d = int(c.n_start[n]), int(c.n_end[n]), int(c.n_minutes[n]), int(c.n_week[n]), int(c.n_day[n])
        rest = self.rest[idx]
        ok: BoolArray = g.week_minutes[idx, b] + m <= g.max_week[idx]
        absent = c.need_absent.get(n)
        if absent is not None:
            g.flag[absent] = True
            ok &= ~g.flag[idx]
            g.flag[absent] = False
        for col in (d, d + 1, d + 2):  # days d-1, d, d+1 (shifted by one column)
            start, end = self.day_start[col].take(idx), self.day_end[col].take(idx)
            ok &= (start < 0) | (t + rest <= start) | (end + rest <= s)
        return ok

    # --- moves ----------------------------------------------------------------------------------------------------
    def takers(self, n: int, exclude: Iterable[int] = (), *, room_only: bool = False) -> tuple[IntArray, IntArray]:
        """People who might take ``n``, with their exact marginal objective, cheapest first.

        With ``room_only``, only people who take it within their contract (or full time, when extra hours are free
        for them).
        """
        idx = self.members[self.need_class[n]]
        if len(idx) == 0:
            return idx, idx
        flag = self.g.flag
        absent = self.c.need_absent.get(n)
        if absent is not None:
            flag[absent] = True
        skip = [*self.by_need[n], *exclude]
        if skip:
            flag[skip] = True
        try:
            people = takers_filter(
                idx,
                self.need_row[n],
                room_only,
                self.g.week_minutes,
                self.limit,
                self.g.max_week,
                self.rest,
                flag,
                self.day_start,
                self.day_end,
            )
        finally:
            if absent is not None:
                flag[absent] = False
            if skip:
                flag[skip] = False
        if len(people) == 0:
            return people, people
        cost = self.g.marginal(n, people)
        order = np.argsort(cost, kind="stable")
        return people[order], cost[order]

    def try_transfer(self, giver: int, n: int, *, chains: bool) -> int:
        """Move ``n`` from ``giver`` to someone (or along a chain of two); returns the gain (0 when nothing)."""
        c = self.c
        if (giver, n) in self.pins or not self.movable[n]:
            return 0
        after_giver = self.objective_after(giver, remove=(n,))
        release = int(self.objective[giver]) - after_giver - self.change_cost(giver, n, adding=False)
        if release <= 0:
            return 0
        # without chains, people who would pay extra hours for it rarely beat the release: look only at those with
        # room, unless the giver is in overtime (overtime is dearer than extra hours)
        room_only = not chains and int(self.g.overtime[giver, int(c.n_week[n])]) == 0
        people, cost = self.takers(n, exclude=(giver,), room_only=room_only)
        tried_chain = 0
        overflowing: list[tuple[int, int]] = []  # lawful takers who would pay extra hours, and the direct gain
        for taker, marginal in zip(people.tolist(), cost.tolist(), strict=True):
            if marginal >= release:
                break
            if not self.lawful(taker, n):
                continue
            after_taker = self.objective_after(taker, add=(n,))
            gain = release - (after_taker - int(self.objective[taker])) - self.change_cost(taker, n, adding=True)
            overflow = self._overflows(taker, n)
            if gain <= 0:
                if overflow and len(overflowing) < self.chain_width:
                    overflowing.append((taker, gain))
                continue
            if not overflow or not chains:
                self._move(n, giver, taker)
                return gain
            # the taker pays extra hours for it: first try to pass one of their shifts on, then accept as it is
            if tried_chain < self.chain_width:
                tried_chain += 1
                chained = self._chain(giver, n, taker, gain)
                if chained > 0:
                    return chained
            self._move(n, giver, taker)
            return gain
        if not chains:
            return 0
        # no direct move helps: people who would overflow may still pass one of their own shifts on
        if len(overflowing) < self.chain_width:
            b = int(c.n_week[n])
            dear = (cost >= release) & (cost < release + self.chain_allowance)
            dear &= self.g.week_minutes[people, b] + int(c.n_minutes[n]) > self.limit[people, b]
            for taker in people[dear].tolist():
                if len(overflowing) >= self.chain_width:
                    break
                if not self.lawful(taker, n):
                    continue
                after_taker = self.objective_after(taker, add=(n,))
                gain = release - (after_taker - int(self.objective[taker])) - self.change_cost(taker, n, adding=True)
                overflowing.append((taker, gain))
        for taker, gain in overflowing:
            chained = self._chain(giver, n, taker, gain)
            if chained > 0:
                return chained
        return 0

    def _overflows(self, e: int, n: int) -> bool:
        """Would taking ``n`` give ``e`` paid extra hours or overtime that week?"""
        b = self.week[n]
        after = self.totals[e][1][b] + self.minutes[n]  # the week's minutes, as ``g.week_minutes``
        if after > self.full[e][b]:
            return True
        return bool(self.extra_paid[e]) and after > self.contract[e][b]

    def _chain(self, giver: int, n: int, middle: int, direct_gain: int) -> int:
        """``n`` goes giver -> middle, and one of middle's shifts that week goes on to a third person."""
        c = self.c
        b = int(c.n_week[n])
        with_n = self._with(middle, n)
        base = self.objective_after(middle, add=(n,))
        for n2 in with_n:
            if n2 == n or self.week[n2] != b or (middle, n2) in self.pins or not self.movable[n2]:
                continue
            release = base - self.objective_after(middle, add=(n,), remove=(n2,))
            release -= self.change_cost(middle, n2, adding=False)
            if release <= 0:
                continue
            people, cost = self.takers(n2, exclude=(middle, giver), room_only=True)
            for third, marginal in zip(people[:200].tolist(), cost[:200].tolist(), strict=True):
                if marginal >= release:
                    break
                if not self.lawful(third, n2):
                    continue
                after = self.objective_after(third, add=(n2,))
                gain = release - (after - int(self.objective[third])) - self.change_cost(third, n2, adding=True)
                if direct_gain + gain > 0:
                    self._move(n, giver, middle)
                    self._move(n2, middle, third)
                    return direct_gain + gain
                break
        return 0

    def try_replace(self, giver: int, n: int, width: int) -> int:
        """``n`` goes to someone who works another shift ``m`` that day and has room for ``n`` once ``m`` is gone,
        and ``m`` goes on to a third person with room: an ejection chain within one day.

        People with contract hours to spare are mostly busy on the very day of an extra-hours shift (on Asker, 2,134
        of 2,140 such shifts had an eligible person with room that week, 110 one free that day); this reaches them
        through whoever can take their shift of that day. ``width`` people are tried as the middle of the chain.
        """
        if (giver, n) in self.pins or not self.movable[n]:
            return 0
        release = int(self.objective[giver]) - self.objective_after(giver, remove=(n,))
        release -= self.change_cost(giver, n, adding=False)
        if release <= 0:
            return 0
        b, d, col = self.week[n], self.day[n], self.day[n] + 1
        idx = self.members[self.need_class[n]]
        starts = self.day_start[col].take(idx)
        # busy that day, and room for n in place of the day's work (its span is at least its minutes)
        ok = starts >= 0
        ok &= (
            self.g.week_minutes[idx, b] - (self.day_end[col].take(idx) - starts) + self.minutes[n] <= self.limit[idx, b]
        )
        idx = idx[ok]
        skip = [*self.by_need[n], giver]
        flag = self.g.flag
        flag[skip] = True
        idx = idx[~flag[idx]]
        flag[skip] = False
        if len(idx) == 0:
            return 0
        idx = idx[np.argsort(self.g.marginal(n, idx), kind="stable")]
        tried = 0
        for middle in idx.tolist():
            if tried >= width:
                break
            for m in self.shifts[middle]:
                if self.day[m] != d or (middle, m) in self.pins or not self.movable[m]:
                    continue
                base = self._without(middle, m)
                if not self.lawful(middle, n, base):
                    continue
                tried += 1
                after = self.objective_after(middle, add=(n,), remove=(m,))
                budget = release - (after - int(self.objective[middle]))
                budget -= self.change_cost(middle, n, adding=True) + self.change_cost(middle, m, adding=False)
                if budget <= 0:
                    continue
                people, cost = self.takers(m, exclude=(middle, giver), room_only=True)
                for third, marginal in zip(people[:100].tolist(), cost[:100].tolist(), strict=True):
                    if marginal >= budget:
                        break
                    if not self.lawful(third, m):
                        continue
                    gain = budget - (self.objective_after(third, add=(m,)) - int(self.objective[third]))
                    gain -= self.change_cost(third, m, adding=True)
                    if gain > 0:
                        self._move(n, giver, middle)
                        self._move(m, middle, third)
                        return gain
                    break
        return 0

    def try_swap(self, giver: int, n: int, width: int) -> int:
        """``giver`` and another person exchange ``n`` for one of the other's shifts in the same week.

        Evens out whole-shift rounding against fractional contracts (a 480-minute shift for a 450-minute one) and
        moves a Sunday that makes a pair to someone for whom it does not.
        """
        c = self.c
        if (giver, n) in self.pins or not self.movable[n]:
            return 0
        b = int(c.n_week[n])
        sunday = int(c.n_sunday[n]) >= 0
        giver_without = self._without(giver, n)
        people, _ = self.takers(n, exclude=(giver,))
        k = int(c.n_sunday[n])
        worked = self.g.sunday_worked
        if sunday and (worked[giver, max(0, k - 1) : k + 2].sum() > 1) and self.g.sunday_cost[giver] > 0:
            # a Sunday that makes a pair: only people for whom it makes none, and more of them (most have no room
            # for it and must give a weekday shift back)
            lone = np.ones(len(people), dtype=np.bool_)
            if k > 0:
                lone &= ~worked[people, k - 1]
            if k + 1 < worked.shape[1]:
                lone &= ~worked[people, k + 1]
            people = people[lone]
            width *= 3
        tried = 0
        for other in people.tolist():
            if tried >= width:
                break
            if not self.lawful(other, n):
                continue
            tried += 1
            for n2 in self.shifts[other]:
                if self.week[n2] != b or (other, n2) in self.pins or n2 == n or not self.movable[n2]:
                    continue
                # only exchanges that can lower hours or break a Sunday pair are worth the exact evaluation
                shorter = self.minutes[n2] < self.minutes[n]
                if not shorter and not (sunday and self.sunday[n2] < 0):
                    continue
                if not c.class_mask[self.need_class[n2], giver] or giver in self._absent(n2):
                    continue
                other_without = self._without(other, n2)
                before = int(self.objective[giver]) + int(self.objective[other])
                after = self.objective_after(giver, add=(n2,), remove=(n,))
                after += self.objective_after(other, add=(n,), remove=(n2,))
                after += self.change_cost(giver, n, adding=False) + self.change_cost(giver, n2, adding=True)
                after += self.change_cost(other, n2, adding=False) + self.change_cost(other, n, adding=True)
                if after < before and self.lawful(giver, n2, giver_without) and self.lawful(other, n, other_without):
                    self._move(n, giver, other)
                    self._move(n2, other, giver)
                    return before - after
        return 0

    def try_evacuate(self, e: int, most: int) -> int:
        """Give all of ``e``'s (at most ``most``) shifts away from home to others, so ``e`` is not moved at all."""
        c = self.c
        home = int(c.e_home[e])
        away = [n for n in self.shifts[e] if int(c.n_unit[n]) != home]
        if not away or len(away) > most or any((e, n) in self.pins or not self.movable[n] for n in away):
            return 0
        before = int(self.objective[e])
        done: list[tuple[int, int]] = []
        total = 0
        for n in away:
            own = int(self.objective[e])
            release = own - self.objective_after(e, remove=(n,)) - self.change_cost(e, n, adding=False)
            people, _ = self.takers(n, exclude=(e,), room_only=True)
            moved = False
            for taker in people[:50].tolist():
                if not self.lawful(taker, n):
                    continue
                after = self.objective_after(taker, add=(n,))
                total += release - (after - int(self.objective[taker])) - self.change_cost(taker, n, adding=True)
                self._move(n, e, taker)
                done.append((n, taker))
                moved = True
                break
            if not moved:
                break
        if len(done) == len(away) and total > 0:
            return total
        for n, taker in reversed(done):  # undo
            self._move(n, taker, e)
        assert int(self.objective[e]) == before
        return 0

    def try_bring_home(self, e: int, most: int, width: int = 8) -> int:
        """Take all of ``e``'s (at most ``most``) shifts away from home off them, so ``e`` is not moved at all.

        Each away shift goes to the cheapest lawful person with room or, failing that, is exchanged with someone
        moved already who works at ``e``'s home that week (``_exchange_home``) for one of those shifts: lending is
        consolidated on fewer people (a moved person is charged once).
        The whole move is kept only when the exact objective of everyone involved falls; otherwise it is undone.
        """
        home = self.home[e]
        away = [n for n in self.shifts[e] if self.unit[n] != home]
        if not away or len(away) > most or any((e, n) in self.pins or not self.movable[n] for n in away):
            return 0
        before: dict[int, int] = {e: int(self.objective[e])}
        done: list[tuple[int, int, int]] = []  # (need, from, to), in order
        changes = 0

        def move(n: int, giver: int, taker: int) -> None:
            nonlocal changes
            before.setdefault(taker, int(self.objective[taker]))
            before.setdefault(giver, int(self.objective[giver]))
            changes += self.change_cost(giver, n, adding=False) + self.change_cost(taker, n, adding=True)
            self._move(n, giver, taker)
            done.append((n, giver, taker))

        for n in away:
            if self._hand_over(e, n, move) or self._exchange_home(e, n, width, move):
                continue
            break
        else:
            gain = sum(before.values()) - sum(int(self.objective[p]) for p in before) - changes
            if gain > 0:
                return gain
        for n, giver, taker in reversed(done):  # undo
            self._move(n, taker, giver)
        return 0

    def _hand_over(self, e: int, n: int, move: Callable[[int, int, int], None]) -> bool:
        """Give ``n`` to the cheapest lawful person with room (among the 50 cheapest by marginal)."""
        people, _ = self.takers(n, exclude=(e,), room_only=True)
        for taker in people[:50].tolist():
            if self.lawful(taker, n):
                move(n, e, taker)
                return True
        return False

    def _exchange_home(self, e: int, n: int, width: int, move: Callable[[int, int, int], None]) -> bool:
        """Exchange ``e``'s away shift ``n`` for a shift at ``e``'s home, in the same week, of someone moved already:
        a colleague lent out, a visitor from a third unit or someone whose home is ``n``'s unit. Of the lawful
        exchanges of the first ``width`` such people (cheapest for ``n`` first), the one that raises the two
        people's objective least.

        The people are found through the shifts at ``e``'s home that week, not among those free on ``n``'s day: an
        exchange of two shifts of the same day is the most common one. Visitors at ``e``'s home held about a third
        of the lawful exchanges left after a default solve on Asker.
        """
        c, g = self.c, self.g
        home, b = self.home[e], self.week[n]
        pool = {x for m in self.needs_at.get((home, b), ()) for x in self.by_need[m]}
        pool.discard(e)
        if not pool:
            return False
        people = np.array(sorted(pool), dtype=np.int64)
        people = people[g.moved[people] & c.class_mask[self.need_class[n], people]]
        absent, taken = self._absent(n), self.by_need[n]
        people = np.array([x for x in people.tolist() if x not in absent and x not in taken], dtype=np.int64)
        if len(people) == 0:
            return False
        people = people[np.argsort(g.marginal(n, people), kind="stable")]
        without_n = self._without(e, n)
        before = int(self.objective[e])
        best: tuple[int, int, int] | None = None
        tried = 0
        for other in people.tolist():
            if tried >= width:
                break
            at_home = [
                m
                for m in self.shifts[other]
                if self.week[m] == b and self.unit[m] == home and (other, m) not in self.pins and self.movable[m]
            ]
            if not at_home:
                continue
            tried += 1
            for m in at_home:
                if not c.class_mask[self.need_class[m], e] or e in self._absent(m):
                    continue
                other_without = self._without(other, m)
                delta = self.objective_after(other, add=(n,), remove=(m,)) - int(self.objective[other])
                delta += self.objective_after(e, add=(m,), remove=(n,)) - before
                if best is not None and delta >= best[0]:
                    continue
                if self.lawful(e, m, without_n) and self.lawful(other, n, other_without):
                    best = (delta, other, m)
        if best is None:
            return False
        _, other, m = best
        move(n, e, other)
        move(m, other, e)
        return True

    def try_cross(self, x: int, n: int) -> int:
        """``x`` works ``n`` away from home at unit B; someone from B who is lent out (to ``x``'s home or anywhere
        else) takes ``n`` at home and gives ``x`` their own away shift ``m`` of that week.

        The construction fills each need in time order with whoever is cheapest *then*, so many units lend people
        to units that lend people back (on Asker, 119 of 127 importing units also export, with nine tenths of all
        away minutes): each exchange brings one of them home for that shift, and once a person's last away shift
        goes, they are not moved at all. The first exchange that lowers the exact objective is kept.
        """
        if (x, n) in self.pins or not self.movable[n]:
            return 0
        c = self.c
        host, b, home_x = self.unit[n], self.week[n], self.home[x]
        if host == home_x:
            return 0
        staff = self.staff[host]
        staff = staff[self.g.moved[staff] & c.class_mask[self.need_class[n], staff]]
        if len(staff) == 0:
            return 0
        absent, taken = self._absent(n), self.by_need[n]
        before_x = int(self.objective[x])
        x_without = self._without(x, n)
        unqualified: list[tuple[int, int]] = []  # (y, m) where x may not work m
        for y in staff.tolist():
            if y in absent or y in taken:
                continue
            for m in self.shifts[y]:
                u = self.unit[m]
                if self.week[m] != b or u == host or (y, m) in self.pins or not self.movable[m]:
                    continue
                if x in self.by_need[m]:
                    continue
                if not c.class_mask[self.need_class[m], x] or x in self._absent(m):
                    unqualified.append((y, m))
                    continue
                y_without = self._without(y, m)
                gain = before_x + int(self.objective[y])
                gain -= self.objective_after(x, add=(m,), remove=(n,)) + self.objective_after(y, add=(n,), remove=(m,))
                gain -= self.change_cost(x, n, adding=False) + self.change_cost(x, m, adding=True)
                gain -= self.change_cost(y, m, adding=False) + self.change_cost(y, n, adding=True)
                if gain > 0 and self.lawful(x, m, x_without) and self.lawful(y, n, y_without):
                    self._move(n, x, y)
                    self._move(m, y, x)
                    return gain
        if unqualified and self.cross_depth > 2:
            return self._cross_through(x, n, unqualified)
        return 0

    def _cross_through(self, x: int, n: int, lent: list[tuple[int, int]]) -> int:
        """The cross exchange through a third person: ``y`` takes ``n`` at home, ``z`` (from the unit of ``y``'s
        away shift ``m``) takes ``m`` at home, and ``x`` takes one of ``z``'s shifts ``k`` that week.

        On Asker the plain exchange fails mostly because ``x`` is an aide and ``y`` a nurse on a nurse shift; a
        nurse of that unit working an aide shift passes it to ``x``. At most ``cross_evaluations`` candidate
        triples are priced per shift (the candidates multiply).
        """
        c = self.c
        b = self.week[n]
        before_x = int(self.objective[x])
        x_without = self._without(x, n)
        evaluations = 0
        for y, m in lent:
            staff = self.staff[self.unit[m]]
            staff = staff[c.class_mask[self.need_class[m], staff]]
            if len(staff) == 0:
                continue
            y_without = self._without(y, m)
            y_release = int(self.objective[y]) - self.objective_after(y, add=(n,), remove=(m,))
            y_release -= self.change_cost(y, m, adding=False) + self.change_cost(y, n, adding=True)
            absent_m, taken_m = self._absent(m), self.by_need[m]
            for z in staff.tolist():
                if z in (x, y) or z in absent_m or z in taken_m:
                    continue
                for k in self.shifts[z]:
                    if self.week[k] != b or k == m or (z, k) in self.pins or not self.movable[k]:
                        continue
                    if not c.class_mask[self.need_class[k], x] or x in self._absent(k) or x in self.by_need[k]:
                        continue
                    evaluations += 1
                    if evaluations > self.cross_evaluations:
                        return 0
                    z_without = self._without(z, k)
                    gain = y_release + before_x + int(self.objective[z])
                    gain -= self.objective_after(x, add=(k,), remove=(n,))
                    gain -= self.objective_after(z, add=(m,), remove=(k,))
                    gain -= self.change_cost(x, n, adding=False) + self.change_cost(x, k, adding=True)
                    gain -= self.change_cost(z, k, adding=False) + self.change_cost(z, m, adding=True)
                    if (
                        gain > 0
                        and self.lawful(x, k, x_without)
                        and self.lawful(y, n, y_without)
                        and self.lawful(z, m, z_without)
                    ):
                        self._move(n, x, y)
                        self._move(m, y, z)
                        self._move(k, z, x)
                        return gain
        return 0

    def away_shifts(self) -> list[tuple[int, int]]:
        """Every ``(person, need)`` worked away from home, people with the fewest away shifts first."""
        out: list[tuple[int, int]] = []
        for e in self.moved_people(BIG):
            home = self.home[e]
            out.extend((e, n) for n in self.shifts[e] if self.unit[n] != home)
        return out

    def moved_people(self, most: int) -> list[int]:
        """People working away from home in at most ``most`` shifts, fewest first."""
        c = self.c
        count = np.zeros(c.n_employees, dtype=np.int64)
        for e in np.flatnonzero(self.g.moved).tolist():
            count[e] = sum(1 for n in self.shifts[e] if c.n_unit[n] != c.e_home[e])
        people = np.flatnonzero((count > 0) & (count <= most))
        ordered: list[int] = people[np.argsort(count[people], kind="stable")].tolist()
        return ordered

    def overloaded(self) -> list[int]:
        """People with extra hours, overtime or a Sunday pair, dearest first."""
        c, g = self.c, self.g
        extra = np.maximum(0, np.minimum(g.week_minutes, c.e_full) - c.e_contract)
        paid = np.where(g.position_free | (g.position_cost == 0), 0, 1)[:, None] * extra
        pair = (g.sunday_worked[:, :-1] & g.sunday_worked[:, 1:]).any(axis=1) & (g.sunday_cost > 0)
        load = paid.sum(axis=1) + g.overtime.sum(axis=1) * 5 + pair * 30
        people = np.flatnonzero(load > 0)
        ordered: list[int] = people[np.argsort(-load[people], kind="stable")].tolist()
        return ordered

    def shifts_to_try(self, e: int) -> list[int]:
        """``e``'s shifts in weeks with extra hours or overtime, and Sundays that make a pair."""
        c, g = self.c, self.g
        extra = np.maximum(0, np.minimum(g.week_minutes[e], c.e_full[e]) - c.e_contract[e])
        if g.position_free[e] or g.position_cost[e] == 0:
            extra = extra * 0
        heavy = (extra > 0) | (g.overtime[e] > 0)
        worked = g.sunday_worked[e]
        out = []
        minutes = self.minutes
        for n in self.shifts[e]:
            s = self.sunday[n]
            paired = s >= 0 and ((s > 0 and worked[s - 1]) or (s + 1 < len(worked) and worked[s + 1]))
            if heavy[self.week[n]] or (paired and g.sunday_cost[e] > 0):
                out.append(n)
        # the longest shifts first: they release the most hours
        out.sort(key=lambda m: (-minutes[m], m))
        return out


def _staff_by_unit(c: Compiled) -> list[IntArray]:
    """Each unit's home staff (one sort over all employees)."""
    order = np.argsort(c.e_home, kind="stable")
    bounds = np.searchsorted(c.e_home[order], np.arange(len(c.unit_ids) + 1))
    return [order[bounds[u] : bounds[u + 1]] for u in range(len(c.unit_ids))]


def spent(seconds: dict[str, float], kind: str, since: float, gain: int, gains: dict[str, int]) -> float:
    """Add the time since ``since`` to ``seconds[kind]`` and a positive ``gain`` to ``gains[kind]``; returns now."""
    now = time.perf_counter()
    seconds[kind] = seconds.get(kind, 0.0) + now - since
    gains[kind] = gains.get(kind, 0) + max(0, gain)
    return now


def cross_pass(search: LocalSearch, deadline: float) -> tuple[int, int]:
    """One cross exchange try for every away shift; returns the gain and the number of exchanges."""
    gained = count = 0
    for e, n in search.away_shifts():
        if time.perf_counter() > deadline:
            break
        if n not in search.shifts[e]:
            continue
        gain = search.try_cross(e, n)
        if gain > 0:
            count += 1
            gained += gain
    return gained, count


def _search(
    search: LocalSearch,
    deadline: float,
    rounds: int,
    chains: bool,
    evacuate: int,
    swap_width: int,
    match_share: float | None = None,
) -> dict[str, int | str | list[float] | list[int]]:
    """The passes of :func:`improve_locally` on one search state."""
    c = search.c
    started = time.perf_counter()
    # the transfers stop early enough for a last pass of bringing home and cross exchanges: once the transfers slow
    # down these gain the most per second, and a deadline that fell among the transfers used to skip them
    span = max(0.0, deadline - started)
    if match_share is None:
        # on a short search the transfers have not stalled by the end and gain more per second (engine, 60 s)
        match_share = MATCH_SHARE if span >= MATCH_MIN_SECONDS else 0.0
    transfers_until = deadline - (TAIL_SHARE + match_share) * span
    # then the day matching (``day_matching``): chains of any length within a day, which the transfers cannot find
    matching_until = deadline - TAIL_SHARE * span
    matched = match_share == 0
    moves = evacuated = swapped = replaced = crossed = gained = matchings = 0
    rounds_done: list[float] = []
    round_gains: list[int] = []
    spent_s: dict[str, float] = {}  # seconds and gain per kind of move, for the statistics
    kind_gain: dict[str, int] = {}
    # cross exchanges first: cheap, and the transfers then work on a plan with less lending back and forth
    # (Asker, one process: 6.3e11 -> 5.3e11 at 20 CPU seconds, 4.7e11 -> 4.5e11 at 40, 4.13e11 -> 4.10e11 at 80)
    clock = time.perf_counter()
    found, crossed = cross_pass(search, deadline)
    gained += found
    spent(spent_s, "cross", clock, found, kind_gain)
    for round_index in range(rounds):
        # plain transfers first (cheap); chains and swaps once they are used up
        with_chains = chains and round_index > 0
        round_gain = 0
        for e in search.overloaded():
            if time.perf_counter() > transfers_until:
                break
            for n in search.shifts_to_try(e):
                if n not in search.shifts[e]:
                    continue
                key = (e, n, min(round_index, 2))
                version = int(search.version[int(c.n_unit[n]), int(c.n_week[n])])
                if search.failed.get(key) == version:
                    continue
                clock = time.perf_counter()
                gain = search.try_transfer(e, n, chains=with_chains)
                clock = spent(spent_s, "transfer", clock, gain, kind_gain)
                if gain <= 0 and with_chains and swap_width > 0:
                    gain = search.try_swap(e, n, swap_width)
                    swapped += gain > 0
                    clock = spent(spent_s, "swap", clock, gain, kind_gain)
                if gain <= 0 and round_index > 2 and swap_width > 0:  # dear for what it finds (measured on Asker)
                    gain = search.try_replace(e, n, min(4, swap_width))
                    replaced += gain > 0
                    spent(spent_s, "replace", clock, gain, kind_gain)
                if gain <= 0:
                    search.failed[key] = version
                if gain > 0:
                    moves += 1
                    round_gain += gain
        if not matched and time.perf_counter() > transfers_until:
            matched = True
            clock = time.perf_counter()
            found, count = match_passes(search, matching_until)
            matchings += count
            round_gain += found
            spent(spent_s, "match", clock, found, kind_gain)
            transfers_until = matching_until  # the transfers go on with what the matching leaves, if time is left
        clock = time.perf_counter()
        before_home = round_gain
        for e in search.moved_people(evacuate):
            if time.perf_counter() > deadline:
                break
            gain = search.try_bring_home(e, evacuate)
            if gain > 0:
                evacuated += 1
                round_gain += gain
        clock = spent(spent_s, "home", clock, round_gain - before_home, kind_gain)
        found, count = cross_pass(search, deadline)
        crossed += count
        round_gain += found
        spent(spent_s, "cross", clock, found, kind_gain)
        gained += round_gain
        now = time.perf_counter()
        rounds_done.append(round(now - started, 1))
        round_gains.append(round_gain)
        if (round_gain == 0 and with_chains == chains) or now > deadline:
            break
    if not matched and time.perf_counter() < matching_until:  # the transfers ran out before their time
        clock = time.perf_counter()
        found, count = match_passes(search, matching_until)
        matchings += count
        gained += found
        spent(spent_s, "match", clock, found, kind_gain)
        if found > 0:
            clock = time.perf_counter()
            found, count = cross_pass(search, deadline)
            crossed += count
            gained += found
            spent(spent_s, "cross", clock, found, kind_gain)
    return {
        "moves": moves,
        "evacuated": evacuated,
        "swaps": swapped,
        "replaced": replaced,
        "crossed": crossed,
        "matched_days": matchings,
        "gain": gained,
        "rounds": rounds_done,
        "round_gains": round_gains,
        "spent": " ".join(f"{k} {v:.1f} s {kind_gain[k]:.3g}" for k, v in spent_s.items()),
    }


#: The share of the search's time kept for the last pass of bringing home and cross exchanges.
TAIL_SHARE = 0.1
#: The share of the search's time given to re-assigning days by min-cost matching (``day_matching``), before the
#: tail. Asker, construction and search on one process, 45 CPU s: 3.891e11 and 3.944e11 against 4.142e11 without
#: (load 3.2-3.9);
#: a share of 0.12 gave 4.144e11, 0.22 4.047e11, 0.35 3.967e11, 0.5 4.109e11, 0.65 4.405e11 (load 4-9).
MATCH_SHARE = 0.3
#: The matching runs only in a search phase of at least this many seconds. The engine at 60 s (two processes, its
#: last whole-plan phase about 20 s) gave 5.46e11 and 5.44e11 with the matching in that phase, 5.15e11 and 5.07e11
#: without (load 3.8-4.1): its transfers and swaps still gain more per second there. Session 15, one process for
#: 25 CPU s from a 6.67e11 plan (the engine's last phase): with it (share 0.3) 4.65, 4.71, 5.00, 4.86e11, without
#: 4.79, 4.84, 4.96, 4.57, 4.94, 4.73e11 (load 3.8-4.6): a tie, so the gate stays.
MATCH_MIN_SECONDS = 35.0


def match_passes(search: LocalSearch, until: float) -> tuple[int, int]:
    """Passes of ``day_matching.match_days`` until one gains nothing or ``until``; returns the gain and the number of
    days changed."""
    from ressursbank.solver.day_matching import match_days  # it imports this module

    gained = changed = 0
    while time.perf_counter() < until:
        found, count = match_days(search, until)
        gained += found
        changed += count
        if found == 0:
            break
    return gained, changed


_SHARED: tuple[Compiled, list[list[int]], set[tuple[int, int]], set[tuple[int, int]] | None] | None = None

#: The share of the search's time two processes search two sets of days at once (``improve_locally``). Asker from
#: the construction, wall clock, load 5-6: over 46 s, 5.92e11 and 5.69e11 with 0.5, 6.01e11 and 5.66e11 with 0 (one
#: process: a tie, though the two processes had about twice the CPU); over 24 s the halves alone 6.97e11 and 7.41e11
#: against one process's 6.29e11 and 6.70e11; 0.75 (6.47e11) and 0.75 with each pair of day sets searched twice
#: (8.20e11) against 0.5 (5.59e11) in the engine at 60 s, load 2.7-5.0.
PARALLEL_SHARE = 0.5
#: The two processes search the day sets only when the search has at least this many seconds. Asker from the
#: construction, 46 s wall clock, four pairs back to back at load 5-6: one process 6.01, 5.66, 4.74, 4.44e11
#: (mean 5.21e11) against the split 5.92, 5.69, 5.34, 5.09e11 (mean 5.51e11), though the split had about twice the
#: CPU; each of its phases rebuilds the search state in both processes and starts the rounds afresh, may not move
#: the days between the sets nor add overtime, and leaves the last whole-plan phase too short for the day matching.
#: The engine at 60 s, five pairs at load 2.8-4.1: 4.80, 4.97, 5.63, 4.68, 6.18e11 (mean 5.25e11) against the
#: split's 4.68, 5.80, 5.72, 5.76, 6.26e11 (mean 5.64e11); 0 violations, the checker's objective equal. The
#: Oslo-like preset and the thorough preset (10 minutes, not measured) keep the split.
PARALLEL_MIN_SECONDS = 120.0


HalfTask = tuple[frozenset[int], float, int, bool, int, int]


def _half(task: HalfTask) -> tuple[dict[int, list[int]], dict[str, int | str | list[float] | list[int]]]:
    """One process's share of a split search: only needs starting on the given days may change."""
    days, deadline, rounds, chains, swap_width, evacuate = task
    assert _SHARED is not None
    c, by_need, pins, hint = _SHARED
    search = LocalSearch(c, by_need, pins=pins, hint=hint)
    search.movable = [d in days for d in c.n_day.tolist()]
    search.no_new_overtime = True
    # bringing a lent person home needs all their away shifts in this share (``movable``)
    # the matching only in the last, whole-plan phase (the halves' plans are still far from stalled)
    found = _search(search, deadline, rounds, chains, evacuate, swap_width, match_share=0.0)
    changed = {n: search.by_need[n] for n in range(c.n_needs) if search.movable[n]}
    return changed, found


def _independent(c: Compiled, first: set[int], second: set[int]) -> bool:
    """No rule links a move on a day of ``first`` with a move on a day of ``second``: at least two days lie between
    them (daily rest, one shift at a time), no week has days in both (hours, weekly rest, position) and no two
    consecutive Sundays are one in each (Sunday alternation). Overtime caps over weeks are kept by letting nobody's
    overtime grow."""
    if not first or not second or any(abs(x - y) < 3 for x in first for y in second):
        return False
    if {d // 7 for d in first} & {d // 7 for d in second}:
        return False
    return not any((s in first and t in second) or (s in second and t in first) for s, t in pairwise(c.sundays))


def _splits(c: Compiled) -> list[tuple[frozenset[int], frozenset[int]]]:
    """Pairs of day sets two processes can search at once: the first and the second half of the weeks, then (from
    four weeks) the middle weeks against the first and last, so that the days frozen by the first are searched."""
    days = c.problem.horizon_days
    if c.weeks < 2 or days < 10 or any(p.cohort_days > 0 for p in c.rule_params):
        return []
    boundary = 7 * (c.weeks // 2)
    candidates = [(set(range(0, boundary - 1)), set(range(boundary + 1, days)))]
    if c.weeks >= 4:
        last = 7 * (c.weeks - 1)
        candidates.append((set(range(8, last - 2)), {*range(0, 6), *range(last, days)}))
    return [(frozenset(a), frozenset(b)) for a, b in candidates if _independent(c, a, b)]


def improve_locally(
    c: Compiled,
    by_need: list[list[int]],
    *,
    pins: set[tuple[int, int]],
    hint: set[tuple[int, int]] | None,
    deadline: float,
    rounds: int = 3,
    chains: bool = True,
    evacuate: int = 16,
    swap_width: int = 6,
    processes: int = 1,
    parallel_share: float | None = None,
) -> tuple[list[list[int]], dict[str, float | int | str]]:
    """Transfers, ejection chains, swaps and evacuations until no move helps, ``rounds`` passes are done or
    ``deadline`` passes.

    People with at most ``evacuate`` away shifts are brought home: 16 rather than 8 gave a 2-4 % lower objective
    on Asker at 45 and 50 CPU seconds (one process, side by side).

    ``swap_width`` people are tried per swap: 6 rather than 12 gave a 6 % lower objective on Asker at 40 CPU seconds
    (faster rounds, the same at 80 CPU seconds; one process, equal CPU time).

    With ``processes`` > 1 and at least ``PARALLEL_MIN_SECONDS`` to search, for the first ``parallel_share``
    (default ``PARALLEL_SHARE``) of the time two processes search two sets of days at once, first the two halves of
    the weeks, then the middle weeks against the first and the last (moves cannot break a rule across the sets: two
    days between them stay as they are, see ``_independent``, and nobody's overtime grows), then one process goes on
    over the whole plan. With one process the search is deterministic: people and shifts are visited in a fixed
    order.
    """
    global _SHARED
    started = time.perf_counter()
    stats: dict[str, float | int | str] = {}
    if deadline - started < 1.0:  # setting the search up alone takes about that long on Asker
        return by_need, {"local_s": 0.0, "local_moves": 0}
    if parallel_share is None:
        parallel_share = PARALLEL_SHARE
    # on Asker one process searched better than the split in 46 s even with half the CPU (``PARALLEL_MIN_SECONDS``)
    split = processes > 1 and deadline - started >= PARALLEL_MIN_SECONDS
    phases = _splits(c) if split else []
    totals = {"moves": 0, "evacuated": 0, "swaps": 0, "replaced": 0, "crossed": 0, "matched_days": 0, "gain": 0}
    for index, (first, second) in enumerate(phases):
        import multiprocessing

        until = started + (deadline - started) * parallel_share * (index + 1) / len(phases)
        if until - time.perf_counter() < 4.0:
            break
        before = sum(evaluate(c, by_need, hint=hint).values())
        _SHARED = (c, by_need, pins, hint)
        pool = multiprocessing.get_context("fork").Pool(2)
        try:
            tasks = [(days, until, rounds, chains, swap_width, evacuate) for days in (first, second)]
            results = pool.map(_half, tasks)
        finally:
            pool.terminate()
            _SHARED = None
        merged = [list(p) for p in by_need]
        for changed, _ in results:
            for n, people in changed.items():
                merged[n] = people
        after = sum(evaluate(c, merged, hint=hint).values())
        if after < before:  # the halves' objectives interact only through per-person totals; check the sum
            by_need = merged
        stats["local_parallel_gain"] = int(stats.get("local_parallel_gain", 0)) + max(0, before - after)
        stats["local_parallel_s"] = round(time.perf_counter() - started, 3)
        for _, found in results:
            for key in totals:
                value = found[key]
                assert isinstance(value, int)
                totals[key] += value
    search = LocalSearch(c, by_need, pins=pins, hint=hint)
    found = _search(search, deadline, rounds, chains, evacuate, swap_width)
    for key in totals:
        value = found[key]
        assert isinstance(value, int)
        totals[key] += value
    stats.update(
        {
            "local_moves": totals["moves"],
            "local_evacuated": totals["evacuated"],
            "local_swaps": totals["swaps"],
            "local_replaced": totals["replaced"],
            "local_crossed": totals["crossed"],
            "local_matched_days": totals["matched_days"],
            "local_gain": totals["gain"],
            "local_s": round(time.perf_counter() - started, 3),
            "local_rounds": " ".join(map(str, found["rounds"])),  # type: ignore[arg-type]
            "local_spent_s": found["spent"],  # type: ignore[dict-item]
            "local_round_gains": " ".join(f"{g:.3g}" for g in found["round_gains"]),  # type: ignore[union-attr]
        }
    )
    return search.by_need, stats
