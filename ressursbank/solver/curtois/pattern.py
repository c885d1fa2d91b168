"""A pure-Python constructor for one employee: a dynamic programme picks the working days, a greedy pass the shifts.

Large instances (a year, tight minute windows) defeat a from-scratch CP-SAT search for even one employee. Here
the working days come from a dynamic programme over run states (length of the current work or off run, first
run exempt) and weekends used, which hits an exact number of working days; then each working day gets the
shift type that best tracks the minutes target, respects caps and forbidden successions (with one day of
look-ahead) and helps the cover still missing. The checker's per-employee rules decide whether it worked.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ressursbank.checker.curtois import check_employee
from ressursbank.solver.curtois.compile import OFF, Compiled

# A run state: ("I", n) working since day 0, ("N", n) working run that started inside, ("F", n) off run
# (n capped at the minimum days off; a first off run starts satisfied).
_State = tuple[str, int]


def _working_days(
    compiled: Compiled,
    e: int,
    targets: list[int],
    rng: random.Random,
    *,
    exact: bool = False,
    gains: Sequence[float] | None = None,
) -> list[bool] | None:
    """Return a day pattern with one of ``targets`` working days that keeps the run and weekend rules.

    The weekends to work are drawn first (all other weekends are off), which keeps the programme small. With
    ``gains`` (the value of working each day), the backward pass prefers working on days with a positive gain
    and staying off on the others, among the choices that still reach the target: a greedy, always-lawful walk.
    """
    employee = compiled.instance.employees[e]
    k_max, a = employee.max_consecutive_shifts, employee.min_consecutive_shifts
    b = max(1, employee.min_consecutive_days_off)
    days = compiled.days
    can_work = [bool(compiled.allowed[e][d]) for d in range(days)]
    # Fast mode: work the weekends with the fewest fixed days off (ties at random) and keep the others off.
    # Exact mode: count weekends in the programme's state instead (slower, used when fast mode fails).
    weekends = sorted(compiled.weekends, key=lambda days_: (sum(not can_work[d] for d in days_), rng.random()))
    if exact:
        weekends = []
    for off_weekend in weekends[employee.max_weekends :]:
        for d in off_weekend:
            can_work[d] = False
    states: list[_State] = [("I", n) for n in range(1, k_max + 1)]
    states += [("N", n) for n in range(1, k_max + 1)] + [("F", n) for n in range(1, b + 1)]
    index = {state: i for i, state in enumerate(states)}

    def step(state: _State, label: int) -> int:
        kind, length = state
        if kind in ("I", "N"):
            if label:
                return index[kind, length + 1] if length < k_max else -1
            return index["F", 1] if kind == "I" or length >= a else -1
        if label:
            return index["N", 1] if length >= b else -1
        return index["F", min(length + 1, b)]

    table = [(step(state, 0), step(state, 1)) for state in states]
    prefix: list[float] | None = None
    if gains is not None:
        prefix = [0.0]
        for gain in gains:
            prefix.append(prefix[-1] + max(-1000.0, min(1000.0, gain)))
    levels = min(employee.max_weekends, len(compiled.weekends)) + 1 if exact else 1
    weekend_day = [d % 7 == 5 or d % 7 == 6 for d in range(days)]

    def advance(key: int, label: int, d: int) -> int:
        """Return the next key (state * levels + weekends used), or -1."""
        state, used = divmod(key, levels)
        target = table[state][label]
        if target < 0:
            return -1
        if exact and label and weekend_day[d] and not (d % 7 == 6 and states[state][0] in ("I", "N")):
            used += 1
            if used >= levels:
                return -1
        return target * levels + used

    # layers[d][key] = bitset of the working-day counts reachable in ``key`` after day d.
    first: dict[int, int] = {index["F", b] * levels: 1}
    if can_work[0]:
        first[index["I", 1] * levels] = 2
    layers = [first]
    for d in range(1, days):
        nxt: dict[int, int] = {}
        labels = (0, 1) if can_work[d] else (0,)
        for key, counts in layers[-1].items():
            for label in labels:
                target = advance(key, label, d)
                if target >= 0:
                    nxt[target] = nxt.get(target, 0) | (counts << label)
        layers.append(nxt)
    for target_count in targets:
        ends = [key for key, counts in layers[-1].items() if counts >> target_count & 1]
        if not ends:
            continue
        key = rng.choice(ends)
        pattern = [False] * days
        count = target_count
        for d in range(days - 1, 0, -1):
            label = int(states[key // levels][0] in ("I", "N"))
            pattern[d] = bool(label)
            count -= label
            options = [
                prev for prev, counts in layers[d - 1].items() if counts >> count & 1 and advance(prev, label, d) == key
            ]
            if prefix is not None and len(options) > 1:
                # Options differ in the length of the run that ends on day d - 1: prefer the run whose days
                # gain most when worked (work run) or least (off run).
                scores = [_run_score(states[prev // levels], prefix, d) for prev in options]
                top = max(scores)
                options = [prev for prev, value in zip(options, scores, strict=True) if value >= top - 1e-9]
            key = rng.choice(options)
        pattern[0] = states[key // levels][0] in ("I", "N")
        return pattern
    return None


def pattern_roster(
    compiled: Compiled,
    e: int,
    others: Sequence[Sequence[int]],
    rng: random.Random,
    *,
    attempts: int = 8,
    demand_days: bool = False,
) -> list[int] | None:
    """Return a lawful row of shifts for employee ``e``, or ``None`` when the attempts all fail.

    ``others`` (the other employees' rows) steers the shift choice toward cover that is still missing. With
    ``demand_days`` the cover-led attempts aim at the number of working days that the missing cover's shift
    lengths call for, rather than the median shift length (see :func:`_demand_length`).
    """
    instance = compiled.instance
    employee = instance.employees[e]
    lengths = [compiled.minutes[s] for s in range(compiled.shifts) if compiled.caps[e][s] > 0]
    if not lengths:
        return [OFF] * compiled.days if employee.min_total_minutes == 0 else None
    goal = (employee.min_total_minutes + employee.max_total_minutes) / 2
    typical = sorted(lengths)[len(lengths) // 2]
    low = -(-employee.min_total_minutes // max(lengths))
    high = employee.max_total_minutes // min(lengths)
    targets = sorted(range(low, high + 1), key=lambda n: abs(n * typical - goal))
    staffed = [[0] * compiled.shifts for _ in range(compiled.days)]
    for other in others:
        for d, s in enumerate(other):
            if s != OFF:
                staffed[d][s] += 1
    gains = _day_gains(compiled, e, staffed)
    # With ``demand_days`` the cover-led attempts aim at the number of days the missing cover's shift lengths
    # call for: aimed at the median length, a tight minutes window leaves room for that length only (instance
    # 24: three times the cover of the 600-minute shifts, a third of the 480-minute ones; construction
    # 1,041,569 -> 392,424). On 1-19 it helped some instances and hurt others (19: no row), so it is only on
    # for the year-long instances, where the pattern rows are the construction.
    demand = (_demand_length(compiled, e, staffed) if demand_days else None) or typical
    cover_targets = sorted(range(low, high + 1), key=lambda n: abs(n * demand - goal))
    cover_rng = random.Random(e)
    # Two cover-led attempts first (days where cover is missing, the shift the cover needs most), then the
    # minutes-led ones that rarely fail (half of them with the slower exact weekend programme).
    for attempt in range(-2, attempts):
        cover_led = attempt < 0
        # The cover-led attempts draw from their own generator, so the others see the same stream as before.
        pattern = _working_days(
            compiled,
            e,
            cover_targets if cover_led else targets,
            cover_rng if cover_led else rng,
            exact=attempt >= attempts // 2,
            gains=gains if cover_led else None,
        )
        if pattern is None:
            continue
        # A cover-led attempt works on a copy of the cover; the minutes-led ones keep their historic behaviour.
        cover = [cells[:] for cells in staffed] if cover_led else staffed
        row = _choose_shifts(compiled, e, pattern, cover, goal, cover_first=cover_led)
        if row is None:
            continue
        shifts = {d: instance.shift_types[s].id for d, s in enumerate(row) if s != OFF}
        if next(check_employee(instance, employee, shifts), None) is None:
            return row
    return None


def _demand_length(compiled: Compiled, e: int, staffed: list[list[int]]) -> float | None:
    """Return the mean length of the shifts still missing in the cover that ``e`` may work, or ``None``."""
    caps = compiled.caps[e]
    total = count = 0
    for d in range(compiled.days):
        for s in compiled.allowed[e][d]:
            missing = compiled.cover_requirement[d][s] - staffed[d][s]
            if missing > 0 and caps[s] > 0:
                total += missing * compiled.minutes[s]
                count += missing
    return total / count if count else None


def _run_score(state: _State, prefix: Sequence[float], end: int) -> float:
    """Return the gain of the run ``state`` describes, ending on day ``end - 1`` (negated for an off run)."""
    kind, length = state
    total = prefix[end] - prefix[max(0, end - length)]
    return total if kind in ("I", "N") else -total


def _day_gains(compiled: Compiled, e: int, staffed: list[list[int]]) -> list[float]:
    """Return, per day, the best objective gain of working it (cover still missing, minus request costs)."""
    gains = []
    for d in range(compiled.days):
        best = float("-inf")
        for s in compiled.allowed[e][d]:
            missing = compiled.cover_requirement[d][s] - staffed[d][s]
            gain = compiled.cover_under[d][s] if missing > 0 else -compiled.cover_over[d][s]
            best = max(best, gain - compiled.request_cost[e][d].get(s, 0))
        gains.append(best)
    return gains


def _choose_shifts(
    compiled: Compiled,
    e: int,
    pattern: list[bool],
    staffed: list[list[int]],
    goal: float,
    *,
    cover_first: bool = False,
) -> list[int] | None:
    """Pick a shift for each working day of ``pattern``.

    By default the choice tracks the minutes goal first; with ``cover_first`` it takes the shift that helps
    the cover most among those that keep the minutes window reachable with the days left.
    """
    caps = list(compiled.caps[e])
    row = [OFF] * compiled.days
    work_days = [d for d, on in enumerate(pattern) if on]
    employee = compiled.instance.employees[e]
    lengths = [compiled.minutes[s] for s in range(compiled.shifts) if caps[s] > 0]
    shortest, longest = min(lengths), max(lengths)
    minutes = 0
    for position, d in enumerate(work_days):
        previous = row[d - 1] if d > 0 else OFF
        ideal = (goal - minutes) / (len(work_days) - position)
        left = len(work_days) - position - 1
        best: tuple[float, int] | None = None
        for s in compiled.allowed[e][d]:
            if caps[s] <= 0 or (previous != OFF and s in compiled.forbidden_next[previous]):
                continue
            if cover_first:
                total = minutes + compiled.minutes[s]
                if total + left * shortest > employee.max_total_minutes:
                    continue
                if total + left * longest < employee.min_total_minutes:
                    continue
            if d + 1 < compiled.days and pattern[d + 1]:
                nxt = compiled.allowed[e][d + 1]
                if not any(caps[t] - (t == s) > 0 and t not in compiled.forbidden_next[s] for t in nxt):
                    continue
            missing = compiled.cover_requirement[d][s] - staffed[d][s]
            gain = compiled.cover_under[d][s] if missing > 0 else -compiled.cover_over[d][s]
            weight = 0.01 if cover_first else 10.0
            score = abs(compiled.minutes[s] - ideal) * weight - gain + compiled.request_cost[e][d].get(s, 0)
            if best is None or score < best[0]:
                best = (score, s)
        if best is None:
            return None
        s = best[1]
        row[d] = s
        caps[s] -= 1
        minutes += compiled.minutes[s]
        staffed[d][s] += 1
    return row
