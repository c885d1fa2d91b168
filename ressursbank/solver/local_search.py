"""A fast local search between the greedy construction and the CP-SAT parts: shift transfers and ejection chains.

The greedy builds the plan in time order, so early in a week it cannot see who will still have contract hours to
spare at its end; most of what is left is extra hours beyond the position (PositionNorm warnings), overtime and
Sunday pairs that other qualified people could have taken within their contracts. This pass looks only at those
people: for each of their shifts in an overloaded week (or on a Sunday that makes a pair) it tries

- a *transfer*: the shift goes to another lawful person, chosen by the exact marginal objective of taking it
  (the same vector formula as the construction), and
- an *ejection chain*: the shift goes to a person whose own week then overflows, who hands one of their other
  shifts of that week to a third person with room.

Every move is checked against every hard rule for the person who receives a shift (giving a shift away cannot
break a hard rule the engine enforces), and its gain is the exact objective delta of the people involved
(``objective.employee_terms``), so a move is kept only when the whole objective falls. Coverage is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np

from ressursbank.checker.roster import OBJECTIVE_TERMS
from ressursbank.solver.compile import BoolArray, Compiled, IntArray
from ressursbank.solver.greedy import MINUTES_PER_WEEK, Greedy
from ressursbank.solver.objective import employee_terms, per_employee
from ressursbank.solver.rules.home_critical_first import critical_by_unit, mostly_overlaps


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
        n_days = c.problem.horizon_days + 2
        # the first start and last end of the shifts starting on each day (+1 column on each side), for a vector
        # pre-filter on rest and one shift at a time; the exact check follows
        self.day_start = np.full((c.n_employees, n_days), -1, dtype=np.int64)
        self.day_end = np.full((c.n_employees, n_days), -1, dtype=np.int64)
        self.objective = np.zeros(c.n_employees, dtype=np.int64)
        self.home_critical = critical_by_unit(c)
        self.rest = self.g.rest
        self.absent: dict[int, frozenset[int]] = {}
        for e in range(c.n_employees):
            self._sync(e)

    # --- state ----------------------------------------------------------------------------------------------------
    def _sync(self, e: int) -> None:
        """Recompute employee ``e``'s state vectors from their shift list."""
        c, g = self.c, self.g
        needs = self.shifts[e]
        g.week_minutes[e] = 0
        g.unsocial[e] = 0
        g.moved[e] = False
        g.outside[e] = False
        g.sunday_worked[e] = False
        self.day_start[e] = -1
        self.day_end[e] = -1
        home = int(c.e_home[e])
        for n in needs:
            u, d = int(c.n_unit[n]), int(c.n_day[n]) + 1
            g.week_minutes[e, int(c.n_week[n])] += int(c.n_minutes[n])
            g.unsocial[e] += int(c.n_unsocial[n])
            g.moved[e] |= u != home
            g.outside[e] |= bool(c.u_sector[u] != c.e_sector[e])
            if c.n_sunday[n] >= 0:
                g.sunday_worked[e, int(c.n_sunday[n])] = True
            if self.day_start[e, d] < 0:
                self.day_start[e, d] = int(c.n_start[n])
            self.day_end[e, d] = max(int(self.day_end[e, d]), int(c.n_end[n]))
        g.overtime[e] = np.maximum(0, g.week_minutes[e] - c.e_full[e])
        g.overtime_total[e] = int(g.overtime[e].sum())
        self.objective[e] = person_objective(c, e, needs)

    def _change_cost(self, e: int, n: int, adding: bool) -> int:
        """The ``changes`` term's delta when ``e`` starts (``adding``) or stops working ``n``."""
        if self.hint is None:
            return 0
        kept = (e, n) in self.hint
        step = self.c.weights.change
        return (-step if kept else step) if adding else (step if kept else -step)

    def _with(self, e: int, n: int) -> list[int]:
        c = self.c
        return sorted([*self.shifts[e], n], key=lambda m: (int(c.n_start[m]), m))

    def _without(self, e: int, n: int) -> list[int]:
        return [m for m in self.shifts[e] if m != n]

    def _move(self, n: int, giver: int, taker: int) -> None:
        self.by_need[n].remove(giver)
        self.by_need[n].append(taker)
        self.shifts[giver] = self._without(giver, n)
        self.shifts[taker] = self._with(taker, n)
        self._sync(giver)
        self._sync(taker)

    # --- rules ----------------------------------------------------------------------------------------------------
    def lawful(self, e: int, n: int) -> bool:
        """May ``e`` take need ``n`` on top of their shifts under every hard rule the engine keeps?"""
        c = self.c
        if e in self.by_need[n] or not c.class_mask[int(c.n_class[n]), e] or e in self._absent(n):
            return False
        p = c.rule_params[int(c.e_rule_set[e])]
        needs = self._with(e, n)
        latest = None
        for m in needs:  # one shift at a time and daily rest, as the checker reads them
            s = int(c.n_start[m])
            if latest is not None and s - latest < max(0, p.daily_rest):  # a negative gap is an overlap
                return False
            latest = int(c.n_end[m]) if latest is None else max(latest, int(c.n_end[m]))
        d, b = int(c.n_day[n]), int(c.n_week[n])
        if sum(int(c.n_minutes[m]) for m in needs if c.n_day[m] == d) > p.max_day:
            return False
        per_week = [0] * c.weeks
        for m in needs:
            per_week[int(c.n_week[m])] += int(c.n_minutes[m])
        if per_week[b] > p.max_week:
            return False
        overtime = [max(0, per_week[k] - int(c.e_full[e, k])) for k in range(c.weeks)]
        if overtime[b] > p.overtime_week or sum(overtime) > p.overtime_year:
            return False
        if any(sum(overtime[f : f + 4]) > p.overtime_4_weeks for f in range(max(1, c.weeks - 3))):
            return False
        volunteer = p.position_volunteers_free and c.e_volunteer[e]
        if p.position_hard and not volunteer and min(per_week[b], int(c.e_full[e, b])) > int(c.e_contract[e, b]):
            return False
        if p.weekly_rest > 0:
            intervals = [(int(c.n_start[m]), int(c.n_end[m])) for m in needs]
            s, t = int(c.n_start[n]), int(c.n_end[n])
            for k in range(c.weeks):
                lo = k * MINUTES_PER_WEEK
                hi = min(c.horizon_minutes, lo + MINUTES_PER_WEEK)
                if s < hi and t > lo and _longest_off(intervals, lo, hi) < min(p.weekly_rest, hi - lo):
                    return False
        sunday = int(c.n_sunday[n])
        if p.sunday_hard and sunday >= 0:
            worked = {int(c.n_sunday[m]) for m in self.shifts[e]}
            if sunday - 1 in worked or sunday + 1 in worked:
                return False
        if p.cohort_days > 0:
            block = d // p.cohort_days
            if any(int(c.n_day[m]) // p.cohort_days == block and c.n_unit[m] != c.n_unit[n] for m in self.shifts[e]):
                return False
        home = int(c.e_home[e])
        if p.home_critical_first and int(c.n_unit[n]) != home:
            for m in self.home_critical.get(home, ()):
                if len(self.by_need[m]) < int(c.n_count[m]) and mostly_overlaps(c, n, m) and c.is_eligible(e, m):
                    return False
        return True

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
            start, end = self.day_start[idx, col], self.day_end[idx, col]
            ok &= (start < 0) | (t + rest <= start) | (end + rest <= s)
        return ok

    # --- moves ----------------------------------------------------------------------------------------------------
    def takers(self, n: int, exclude: Iterable[int] = ()) -> tuple[IntArray, IntArray]:
        """People who might take ``n``, with their exact marginal objective, cheapest first."""
        c = self.c
        idx = self.members[int(c.n_class[n])]
        ok = self._prefilter(n, idx)
        people = idx[ok]
        skip = set(self.by_need[n]) | set(exclude)
        if skip:
            people = people[~np.isin(people, list(skip))]
        if len(people) == 0:
            return people, people
        cost = self.g.marginal(n, people)
        order = np.argsort(cost, kind="stable")
        return people[order], cost[order]

    def try_transfer(self, giver: int, n: int, *, chains: bool) -> int:
        """Move ``n`` from ``giver`` to someone (or along a chain of two); returns the gain (0 when nothing)."""
        c = self.c
        if (giver, n) in self.pins:
            return 0
        after_giver = person_objective(c, giver, self._without(giver, n))
        release = int(self.objective[giver]) - after_giver - self._change_cost(giver, n, adding=False)
        if release <= 0:
            return 0
        people, cost = self.takers(n, exclude=(giver,))
        tried_chain = 0
        for taker, marginal in zip(people.tolist(), cost.tolist(), strict=True):
            if marginal >= release:
                break
            if not self.lawful(taker, n):
                continue
            after_taker = person_objective(c, taker, self._with(taker, n))
            gain = release - (after_taker - int(self.objective[taker])) - self._change_cost(taker, n, adding=True)
            if gain <= 0:
                continue
            overflow = self._overflows(taker, n)
            if not overflow or not chains:
                self._move(n, giver, taker)
                return gain
            # the taker pays extra hours for it: first try to pass one of their shifts on, then accept as it is
            if tried_chain < 3:
                tried_chain += 1
                chained = self._chain(giver, n, taker, gain)
                if chained > 0:
                    return chained
            self._move(n, giver, taker)
            return gain
        return 0

    def _overflows(self, e: int, n: int) -> bool:
        """Would taking ``n`` give ``e`` paid extra hours or overtime that week?"""
        c, g = self.c, self.g
        b = int(c.n_week[n])
        after = int(g.week_minutes[e, b]) + int(c.n_minutes[n])
        if after > int(c.e_full[e, b]):
            return True
        paid = not g.position_free[e] and g.position_cost[e] > 0
        return paid and after > int(c.e_contract[e, b])

    def _chain(self, giver: int, n: int, middle: int, direct_gain: int) -> int:
        """``n`` goes giver -> middle, and one of middle's shifts that week goes on to a third person."""
        c = self.c
        b = int(c.n_week[n])
        self._move(n, giver, middle)
        base = int(self.objective[middle])
        best = 0
        for n2 in list(self.shifts[middle]):
            if n2 == n or int(c.n_week[n2]) != b or (middle, n2) in self.pins:
                continue
            release = base - person_objective(c, middle, self._without(middle, n2))
            release -= self._change_cost(middle, n2, adding=False)
            if release <= 0:
                continue
            people, cost = self.takers(n2, exclude=(middle, giver))
            for third, marginal in zip(people[:200].tolist(), cost[:200].tolist(), strict=True):
                if marginal >= release:
                    break
                if not self.lawful(third, n2):
                    continue
                after = person_objective(c, third, self._with(third, n2))
                gain = release - (after - int(self.objective[third])) - self._change_cost(third, n2, adding=True)
                if gain > 0:
                    self._move(n2, middle, third)
                    return direct_gain + gain
                break
        # no chain: undo the first step
        self._move(n, middle, giver)
        return best

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
        for n in self.shifts[e]:
            s = int(c.n_sunday[n])
            paired = s >= 0 and ((s > 0 and worked[s - 1]) or (s + 1 < len(worked) and worked[s + 1]))
            if heavy[int(c.n_week[n])] or (paired and g.sunday_cost[e] > 0):
                out.append(n)
        # the longest shifts first: they release the most hours
        out.sort(key=lambda m: (-int(c.n_minutes[m]), m))
        return out


def improve_locally(
    c: Compiled,
    by_need: list[list[int]],
    *,
    pins: set[tuple[int, int]],
    hint: set[tuple[int, int]] | None,
    deadline: float,
    rounds: int = 3,
    chains: bool = True,
) -> tuple[list[list[int]], dict[str, float | int | str]]:
    """Transfers and ejection chains until no move helps, ``rounds`` passes are done or ``deadline`` passes.

    Deterministic: people and shifts are visited in a fixed order.
    """
    started = time.perf_counter()
    search = LocalSearch(c, by_need, pins=pins, hint=hint)
    moves = 0
    gained = 0
    rounds_done: list[float] = []
    for _ in range(rounds):
        round_gain = 0
        for e in search.overloaded():
            if time.perf_counter() > deadline:
                break
            for n in search.shifts_to_try(e):
                if n not in search.shifts[e]:
                    continue
                gain = search.try_transfer(e, n, chains=chains)
                if gain > 0:
                    moves += 1
                    round_gain += gain
        gained += round_gain
        rounds_done.append(round(time.perf_counter() - started, 1))
        if round_gain == 0 or time.perf_counter() > deadline:
            break
    stats: dict[str, float | int | str] = {
        "local_moves": moves,
        "local_gain": gained,
        "local_s": round(time.perf_counter() - started, 3),
        "local_rounds": " ".join(map(str, rounds_done)),
    }
    return search.by_need, stats
