"""Large-neighbourhood search: free a part of the plan (a unit's days and the people who could help), re-optimise
it exactly with CP-SAT, keep it when the whole objective improves.

Parts are chosen where the objective is: open places first (critical first), then overtime, then moves. A part is
a window of days around one open need: the need's unit's needs in the window, and a few dozen people who may fill
it (the unit's own staff first, then the nearest), together with every need they work in the window.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np

from ressursbank.checker.roster import OBJECTIVE_TERMS
from ressursbank.solver.compile import Compiled
from ressursbank.solver.cpmodel import SubModel, apply
from ressursbank.solver.objective import employee_terms, per_employee
from ressursbank.solver.params import SolveParams


def part_objective(
    c: Compiled,
    by_need: list[list[int]],
    employees: list[int],
    needs: list[int],
    hint: set[tuple[int, int]] | None,
) -> int:
    """The objective terms a part can change: its needs' unmet places, its people's terms, their changes."""
    w = c.weights
    terms = dict.fromkeys(OBJECTIVE_TERMS, 0)
    for n in needs:
        missing = max(0, int(c.n_count[n]) - len(by_need[n]))
        terms["unmet_critical" if c.n_critical[n] else "unmet_other"] += missing * (
            w.unmet_critical if c.n_critical[n] else w.unmet_other
        )
    chosen = set(employees)
    shifts: dict[int, list[int]] = {e: [] for e in employees}
    for n, people in enumerate(by_need):
        for e in people:
            if e in chosen:
                shifts[e].append(n)
    for e in employees:
        employee_terms(c, e, sorted(shifts[e], key=lambda n: int(c.n_start[n])), terms)
        if hint is not None:
            now = {(e, n) for n in shifts[e]}
            before = {(f, n) for (f, n) in hint if f == e}
            terms["changes"] += w.change * len(now ^ before)
    return sum(terms.values())


def heavy_people(c: Compiled, by_need: list[list[int]]) -> list[int]:
    """People with overtime, paid extra hours beyond their position or a Sunday pair (what is left to reduce)."""
    pairs = [(e, n) for n, people in enumerate(by_need) for e in people]
    if not pairs:
        return []
    es = np.array([e for e, _ in pairs], dtype=np.int64)
    ns = np.array([n for _, n in pairs], dtype=np.int64)
    minutes = np.zeros((c.n_employees, c.weeks), dtype=np.int64)
    np.add.at(minutes, (es, c.n_week[ns]), c.n_minutes[ns])
    rp = c.rule_params
    rule_sets = c.e_rule_set.tolist()
    priced = np.array([rp[r].position_cost_per_hour > 0 for r in rule_sets], dtype=np.bool_)
    volunteers_free = np.array([rp[r].position_volunteers_free for r in rule_sets], dtype=np.bool_)
    paid = priced & ~(volunteers_free & c.e_volunteer)
    extra = np.maximum(0, np.minimum(minutes, c.e_full) - c.e_contract) * paid[:, None]
    heavy = (extra.sum(axis=1) > 0) | (np.maximum(0, minutes - c.e_full).sum(axis=1) > 0)
    if c.sundays:
        sunday = np.zeros((c.n_employees, len(c.sundays)), dtype=np.bool_)
        on_sunday = c.n_sunday[ns] >= 0
        sunday[es[on_sunday], c.n_sunday[ns[on_sunday]]] = True
        costly = np.array([rp[r].sunday_cost > 0 for r in rule_sets], dtype=np.bool_)
        heavy |= (sunday[:, :-1] & sunday[:, 1:]).any(axis=1) & costly
    out: list[int] = np.flatnonzero(heavy).tolist()
    return out


def _overtime_need(c: Compiled, shifts: list[list[int]], rng: random.Random, heavy: list[int] | None = None) -> int:
    """A need worked in a week where its person works overtime or extra hours (the next term to reduce)."""
    if heavy:
        e = rng.choice(heavy)
        if shifts[e]:
            minutes = [0] * c.weeks
            for n in shifts[e]:
                minutes[int(c.n_week[n])] += int(c.n_minutes[n])
            over = [n for n in shifts[e] if minutes[int(c.n_week[n])] > int(c.e_contract[e, int(c.n_week[n])])]
            return rng.choice(over or shifts[e])
    for _ in range(200):
        e = rng.randrange(c.n_employees)
        if not shifts[e]:
            continue
        minutes = [0] * c.weeks
        for n in shifts[e]:
            minutes[int(c.n_week[n])] += int(c.n_minutes[n])
        over = [n for n in shifts[e] if minutes[int(c.n_week[n])] > int(c.e_full[e, int(c.n_week[n])])]
        if over:
            return rng.choice(over)
    return rng.randrange(c.n_needs)


def choose_part(
    c: Compiled,
    by_need: list[list[int]],
    rng: random.Random,
    params: SolveParams,
    shifts: list[list[int]],
    heavy: list[int] | None = None,
) -> tuple[list[int], list[int]] | None:
    """A neighbourhood around an open need (or, when all are covered, around an overtime shift)."""
    open_needs = [n for n in range(c.n_needs) if len(by_need[n]) < c.n_count[n]]
    critical = [n for n in open_needs if c.n_critical[n]]
    pool = critical or open_needs
    seed_need = rng.choice(pool) if pool and rng.random() < 0.85 else _overtime_need(c, shifts, rng, heavy)
    unit = int(c.n_unit[seed_need])
    half = max(1, params.neighbourhood_days // 2)
    day = int(c.n_day[seed_need])
    lo, hi = day - half, day + half
    in_window = (c.n_day >= lo) & (c.n_day <= hi)
    unit_needs = np.flatnonzero(in_window & (c.n_unit == unit)).tolist()
    mask = c.eligible_mask(seed_need)
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0:
        return None
    km = c.unit_km[c.e_home[candidates], unit]
    noise = np.array([rng.random() for _ in range(len(candidates))])
    order = np.lexsort((noise, km))
    # half the places go to the nearest people, half to the nearest who still have room below full time that
    # week (they are who can take a shift without overtime)
    week = int(c.n_week[seed_need])
    worked = np.array(
        [sum(int(c.n_minutes[n]) for n in shifts[int(e)] if c.n_week[n] == week) for e in candidates], dtype=np.int64
    )
    room = c.e_full[candidates, week] - worked >= c.n_minutes[seed_need]
    nearest = params.neighbourhood_employees // 2
    people = [int(e) for e in candidates[order[:nearest]]]
    for i in order[room[order]].tolist():
        if len(people) >= params.neighbourhood_employees:
            break
        if int(candidates[i]) not in people:
            people.append(int(candidates[i]))
    for n in unit_needs:
        for e in by_need[n]:
            if e not in people and len(people) < 2 * params.neighbourhood_employees:
                people.append(e)
    needs = set(unit_needs)
    for e in people:
        for n in shifts[e]:
            if lo <= c.n_day[n] <= hi:
                needs.add(n)
    return sorted(people), sorted(needs)


_SHARED: Compiled | None = None  # the compiled problem, inherited by forked worker processes


Task = tuple[
    list[int], list[int], list[list[int]], set[tuple[int, int]] | None, set[tuple[int, int]], float, int, float
]


def _solve_part(task: Task) -> dict[int, list[int]] | None:
    """Build and solve one part (in a worker process or in this one)."""
    people, needs, by_need, hint, pins, seconds, seed, deterministic_s = task
    assert _SHARED is not None
    sub = SubModel(_SHARED, people, needs, by_need, hint=hint, pins=pins)
    sub.build()
    return sub.solve(seconds, seed, deterministic_s=deterministic_s)


def _units_of(c: Compiled, people: list[int], needs: list[int]) -> set[int]:
    return {int(c.n_unit[n]) for n in needs} | {int(c.e_home[e]) for e in people}


def improve(
    c: Compiled,
    by_need: list[list[int]],
    params: SolveParams,
    *,
    deadline: float,
    hint: set[tuple[int, int]] | None,
    pins: set[tuple[int, int]],
    progress: Callable[[int, float], None] | None = None,
) -> tuple[list[list[int]], dict[str, float | int | str]]:
    """Improve ``by_need`` until ``deadline``; returns the plan and statistics.

    With ``params.processes > 1``, that many parts with disjoint people, needs and units (so that no rule links
    them) are solved at once in forked worker processes and then accepted one by one.
    """
    global _SHARED
    _SHARED = c
    rng = random.Random(params.seed)
    started = time.perf_counter()
    tried = accepted = 0
    gained = 0
    total = max(1e-9, deadline - started)
    shifts = per_employee(c, by_need)
    heavy = heavy_people(c, by_need)
    width = max(1, params.processes)
    pool = None
    if width > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(width)
    try:
        while time.perf_counter() + 0.5 < deadline and (params.max_parts <= 0 or tried < params.max_parts):
            parts: list[tuple[list[int], list[int]]] = []
            taken: set[int] = set()
            for _ in range(4 * width):
                if len(parts) == width:
                    break
                part = choose_part(c, by_need, rng, params, shifts, heavy)
                if part is None:
                    continue
                units = _units_of(c, *part)
                if units & taken:
                    continue
                taken |= units
                parts.append(part)
            if not parts:
                continue
            # one worker: CP-SAT's deterministic time limits the part; the clock is only a safety net, wide enough
            # (20x) that a loaded machine does not cut a part short and so change the plan of a seeded run
            limit = params.sub_time_limit_s * (20 if width == 1 else 1)
            seconds = max(0.1, min(limit, deadline - time.perf_counter() - 0.3))
            deterministic_s = params.sub_time_limit_s if width == 1 else 0.0
            tasks: list[Task] = [
                (people, needs, by_need, hint, pins, seconds, params.seed + tried + i, deterministic_s)
                for i, (people, needs) in enumerate(parts)
            ]
            tried += len(tasks)
            if pool is not None and len(tasks) > 1:
                solutions = pool.map(_solve_part, tasks)
            else:
                solutions = [_solve_part(t) for t in tasks]
            for (people, needs), solution in zip(parts, solutions, strict=True):
                if solution is None:
                    continue
                sub = SubModel(c, people, needs, by_need, hint=hint, pins=pins)
                before = part_objective(c, by_need, people, needs, hint)
                candidate = apply(by_need, sub, solution)
                after = part_objective(c, candidate, people, needs, hint)
                if after < before:
                    by_need = candidate
                    accepted += 1
                    gained += before - after
            shifts = per_employee(c, by_need)
            heavy = heavy_people(c, by_need)
            if progress is not None:
                progress(-gained, min(1.0, (time.perf_counter() - started) / total))
    finally:
        if pool is not None:
            pool.terminate()
        _SHARED = None
    return by_need, {"lns_parts": tried, "lns_accepted": accepted, "lns_gain": gained}
