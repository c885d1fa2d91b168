"""Re-assign a set of one day's shifts at once by a min-cost assignment: ejection chains of any length in one day.

Relieving paid extra hours or a Sunday pair often needs a chain of qualifications (a nurse's shift goes to a
healthcare worker who is busy that day, whose shift goes to someone lent from a closed unit, ...); single transfers
and three-person replacements miss most of them. With every other day of the plan fixed and each person holding at
most one of the freed shifts, the objective change of giving person ``p`` shift ``s`` instead of their freed shift
of that day (or none) is exact per pair: every objective term is a function of one person's shifts (plus the
``changes`` term, per pair) and coverage does not change. So the freed shifts are re-solved as a min-cost flow
(need -> person, one shift per person) whose augmenting paths are the chains; the result is checked against the
exact per-person objective before it is kept.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
from ortools.graph.python import min_cost_flow

from ressursbank.solver.local_search import LocalSearch

# Asker, one pass on a 45 CPU s plan (4.28e11): widths 6, depth 2, 500 needs: 1.44e10 in 2.9 CPU s; 10, 3, 1,500:
# 2.42e10 in 5.0 s; 16, 4, 3,000: 3.22e10 in 9.5 s
#: cheapest people free that day tried per freed shift
FREE_WIDTH = 16
#: cheapest people busy that day (whose shift of the day is then freed too) tried per freed shift
BUSY_WIDTH = 16
#: how many times a busy candidate's shift may in turn free another
DEPTH = 4
#: at most this many needs freed per day (about 0.4 CPU s a day on Asker)
MOST_FREED = 3000


def seeds_of_day(search: LocalSearch, day: int) -> list[int]:
    """The shifts of ``day`` held by people with paid extra hours or overtime that week, or a Sunday pair."""
    out: list[int] = []
    for e in search.overloaded():
        out.extend(n for n in search.shifts_to_try(e) if search.day[n] == day)
    return list(dict.fromkeys(out))


def _freeable(search: LocalSearch, n: int) -> bool:
    if not search.movable[n]:
        return False
    return all((e, n) not in search.pins and _one_that_day(search, e, n) for e in search.by_need[n])


def _one_that_day(search: LocalSearch, e: int, n: int) -> bool:
    day = search.day[n]
    return sum(1 for m in search.shifts[e] if search.day[m] == day) == 1


def match_day(search: LocalSearch, day: int, seeds: list[int]) -> int:
    """Free ``seeds`` (shifts of ``day``) and the shifts of the people who might take them, re-assign them all at
    the least exact cost; returns the gain (0 when the plan is kept)."""
    g = search.g
    col = day + 1
    freed: dict[int, int] = {}  # need -> depth
    frontier = [n for n in seeds if _freeable(search, n)]
    for n in frontier:
        freed[n] = 0
    # person -> their freed shift of the day (None: free that day)
    holding: dict[int, int | None] = {}
    for n in freed:
        for e in search.by_need[n]:
            holding[e] = n
    candidates: dict[int, list[int]] = {}
    queue = deque(frontier)
    while queue:
        n = queue.popleft()
        depth = freed[n]
        found: list[int] = []
        # free that day: the cheapest takers (room only past the seeds: they pass the hours on)
        takers, _ = search.takers(n, room_only=depth > 0)
        for p in takers[: 4 * FREE_WIDTH].tolist():
            if len(found) >= FREE_WIDTH:
                break
            if p in holding and holding[p] is not None:
                continue
            if search.lawful(p, n):
                found.append(p)
        # busy that day with a shift that can be freed, and room for n in its place
        if depth < DEPTH and len(freed) < MOST_FREED:
            b = search.week[n]
            idx = search.members[search.need_class[n]]
            starts = search.day_start[col].take(idx)
            ok = starts >= 0
            ok &= (
                g.week_minutes[idx, b] - (search.day_end[col].take(idx) - starts) + search.minutes[n]
                <= search.limit[idx, b]
            )
            idx = idx[ok]
            if len(idx):
                idx = idx[np.argsort(g.marginal(n, idx), kind="stable")]
            busy = 0
            for p in idx[: 6 * BUSY_WIDTH].tolist():
                if busy >= BUSY_WIDTH or len(freed) >= MOST_FREED:
                    break
                if p in search.by_need[n]:
                    continue
                own = [m for m in search.shifts[p] if search.day[m] == day]
                if len(own) != 1:
                    continue
                m = own[0]
                if m not in freed and not _freeable(search, m):
                    continue
                base = [k for k in search.shifts[p] if k != m]
                if not search.lawful(p, n, base):
                    continue
                busy += 1
                found.append(p)
                if m not in freed:
                    freed[m] = depth + 1
                    for e in search.by_need[m]:
                        holding[e] = m
                    queue.append(m)
        candidates[n] = found
        for p in found:
            holding.setdefault(p, None)
    if not freed:
        return 0
    # exact costs: person p's objective with n in place of their freed shift, against without any freed shift
    people = list(holding)
    node_of = {p: k for k, p in enumerate(people)}
    needs = list(freed)
    need_node = {n: len(people) + k for k, n in enumerate(needs)}
    source, sink = len(people) + len(needs), len(people) + len(needs) + 1
    base_cost: dict[int, int] = {}
    for p in people:
        cur = holding[p]
        base_cost[p] = search.objective_after(p, remove=(cur,) if cur is not None else ())
        if cur is not None:
            base_cost[p] += search.change_cost(p, cur, adding=False)
    flow = min_cost_flow.SimpleMinCostFlow()
    edges: list[tuple[int, int]] = []
    costs: list[int] = []

    def edge(p: int, n: int, lawful_checked: bool) -> None:
        cur = holding[p]
        if cur == n:
            cost = int(search.objective[p])
        else:
            if not lawful_checked:
                base = [k for k in search.shifts[p] if k != cur]
                if p in search.by_need[n] or not search.lawful(p, n, base):
                    return
            cost = search.objective_after(p, add=(n,), remove=(cur,) if cur is not None else ())
            cost += search.change_cost(p, n, adding=True)
            if cur is not None:
                cost += search.change_cost(p, cur, adding=False)
        edges.append((p, n))
        costs.append(cost - base_cost[p])

    for n in needs:
        for p in search.by_need[n]:
            edge(p, n, True)
        for p in candidates.get(n, []):
            # free people were checked on the current plan, busy ones against their day's shift removed
            edge(p, n, True)
    for (p, n), cost in zip(edges, costs, strict=True):
        flow.add_arc_with_capacity_and_unit_cost(need_node[n], node_of[p], 1, cost)
    total = 0
    for n in needs:
        copies = len(search.by_need[n])
        total += copies
        flow.add_arc_with_capacity_and_unit_cost(source, need_node[n], copies, 0)
    for p in people:
        flow.add_arc_with_capacity_and_unit_cost(node_of[p], sink, 1, 0)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:
        return 0
    new_holders: dict[int, list[int]] = {n: [] for n in needs}
    for arc in range(len(edges)):
        if flow.flow(arc) > 0:
            p, n = edges[arc]
            new_holders[n].append(p)
    # the new shift lists of everyone whose day changes, priced exactly
    new_shift: dict[int, int | None] = dict.fromkeys(people)
    for n, holders in new_holders.items():
        for p in holders:
            new_shift[p] = n
    changed = [p for p in people if new_shift[p] != holding[p]]
    if not changed:
        return 0
    gain = 0
    lists: dict[int, list[int]] = {}
    for p in changed:
        cur, new = holding[p], new_shift[p]
        after = [k for k in search.shifts[p] if k != cur]
        if new is not None:
            after = search.in_time_order([*after, new])
            gain -= search.change_cost(p, new, adding=True)
        if cur is not None:
            gain -= search.change_cost(p, cur, adding=False)
        lists[p] = after
        gain += int(search.objective[p]) - search.person_objective(p, after)
    if gain <= 0:
        return 0
    for n, holders in new_holders.items():
        if sorted(holders) != sorted(search.by_need[n]):
            search.by_need[n] = holders
            for u in {search.unit[n], *(search.home[p] for p in holders)}:
                search.version[u, search.week[n]] += 1
    for p in changed:
        search.shifts[p] = lists[p]
        either = holding[p]
        week = search.week[either if either is not None else new_shift[p] or 0]
        search.version[search.home[p], week] += 1
        search.sync(p)
    return gain


def match_days(search: LocalSearch, deadline: float) -> tuple[int, int]:
    """One :func:`match_day` per day with overloaded people, weekends first; returns the gain and the days changed."""
    c = search.c
    weekend = set(c.n_day[c.n_weekend.astype(bool)].tolist())
    days = sorted(range(c.problem.horizon_days), key=lambda d: (d not in weekend, d))
    gained = changed = 0
    for day in days:
        if time.perf_counter() > deadline:
            break
        seeds = seeds_of_day(search, day)
        if not seeds:
            continue
        gain = match_day(search, day, seeds)
        if gain > 0:
            gained += gain
            changed += 1
    return gained, changed
