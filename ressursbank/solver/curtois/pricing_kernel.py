"""Compiled (numba) forward pass and trace-back of the pricing dynamic programme of :mod:`.pricing_dp`.

The programme is the one described there, with three savings that keep it exact:

- the resource axes (minutes, weekends, tracked caps) are flattened into one index ``r`` (minutes the slowest
  axis) so one loop nest serves every shape. A move by shift ``s`` adds ``delta[s, w]`` to ``r`` (``w`` = 1 when
  the day counts as a new working weekend) and is allowed from ``r`` only where ``valid[s, w, r]`` (no axis runs
  past its end: over the minutes' maximum, the weekends' limit or a cap);
- a work run remembers the *class* of its last shift (shift types with the same forbidden successors), not the
  shift: that is all the successions need. The trace-back finds the shift again from the values;
- per day only the minutes that can be reached and still reach the minimum by the end are computed (``low``,
  ``high`` bound the minutes, inclusive); every other cell stays infinite.

Layouts (``D`` days, ``b`` off states, ``k`` run lengths, ``C`` classes, ``R`` resource cells)::

    off[D, b, R]      off run of length j + 1 (the last: long enough) after day d
    work[D, k, C, R]  work run that started after day 0, length l + 1, last shift of class c, after day d
    first[D, C, R]    work run that started on day 0 (so its length is d + 1, exempt from the minimum)

Functions are compiled on first use and cached on disk (``cache=True``); the cache is an optimisation only.
``nogil``: threads may run them side by side.
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

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: Codes of a final state handed to :func:`trace`.
FINAL_OFF, FINAL_WORK, FINAL_FIRST = 0, 1, 2


@_njit
def _relax(target: Floats, source: Floats, blocked: Floats, price: float, move: int, low: int, high: int) -> None:
    """``target[r + move] = min(target[r + move], source[r] + price + blocked[r])`` for ``low <= r < high``
    (branch-free, so the loop vectorises; ``blocked`` is 0 or infinity)."""
    for r in range(low, high):
        value = source[r] + price + blocked[r]
        if value < target[r + move]:
            target[r + move] = value


@_njit
def _least(target: Floats, source: Floats, low: int, high: int) -> None:
    """``target[r] = min(target[r], source[r])`` for ``low <= r < high``."""
    for r in range(low, high):
        if source[r] < target[r]:
            target[r] = source[r]


@_njit
def forward(
    cost: Floats,
    off_ok: Bools,
    shift_ok: Bools,
    weekend_start: Ints,
    weekend_continue: Ints,
    delta: Ints,
    blocked: Floats,
    class_of: Ints,
    group_of: Ints,
    group_start: Ints,
    group_classes: Ints,
    kind_start: Ints,
    kind_shifts: Ints,
    low: Ints,
    high: Ints,
    stride: int,
    a: int,
    off_all: Floats,
    work_all: Floats,
    first_all: Floats,
) -> None:
    """Fill ``off_all``, ``work_all`` and ``first_all`` day by day (see the module docstring).

    ``blocked[s, w, r]`` is 0 where the move of ``s`` from ``r`` is allowed, else infinity. Shift types of one
    *kind* (``kind_shifts[kind_start[i]:kind_start[i + 1]]``: the same class, predecessors and moves) differ
    only in cost, so each day only the cheapest allowed one of a kind moves.
    """
    days, b, cells = off_all.shape
    k = work_all.shape[1]
    classes = work_all.shape[2]
    kinds = kind_start.shape[0] - 1
    groups = group_start.shape[0] - 1
    inf = np.inf
    going = np.empty((groups, k, cells))
    going_first = np.empty((groups, cells))
    start = np.full((b, cells), inf)
    start[b - 1, 0] = 0.0  # before day 0: a satisfied (exempt) off run, nothing used
    for d in range(days):
        off = off_all[d]
        work = work_all[d]
        first = first_all[d]
        off[:] = inf
        work[:] = inf
        first[:] = inf
        # cells of the previous day worth reading, and those of this day worth writing
        if d == 0:
            prev_off = start
            source_low, source_high = 0, 1
        else:
            prev_off = off_all[d - 1]
            source_low, source_high = low[d - 1] * stride, (high[d - 1] + 1) * stride
        target_low, target_high = low[d] * stride, (high[d] + 1) * stride
        if source_low >= source_high or target_low >= target_high:
            continue
        both_low, both_high = max(source_low, target_low), min(source_high, target_high)
        if off_ok[d] and both_low < both_high:
            # a run started on day 0 may always end; one started inside must be long enough
            ending = off[0]
            if b == 1:
                _least(ending, prev_off[0], both_low, both_high)
            if d >= 1:
                for c in range(classes):
                    _least(ending, first_all[d - 1, c], both_low, both_high)
                for length in range(a - 1, k):
                    for c in range(classes):
                        _least(ending, work_all[d - 1, length, c], both_low, both_high)
            if b > 1:
                for j in range(1, b - 1):
                    off[j, both_low:both_high] = prev_off[j - 1, both_low:both_high]
                longest = off[b - 1]
                _least(longest, prev_off[b - 2], both_low, both_high)
                _least(longest, prev_off[b - 1], both_low, both_high)
        lengths = min(k - 1, d - 1) if d >= 1 else 0
        if d >= 1:
            # the best run of each length before, ending in a class that may precede the group's shifts
            for g in range(groups):
                for length in range(lengths):
                    best = going[g, length]
                    best[source_low:source_high] = inf
                    for i in range(group_start[g], group_start[g + 1]):
                        _least(best, work_all[d - 1, length, group_classes[i]], source_low, source_high)
                if d < k:
                    best = going_first[g]
                    best[source_low:source_high] = inf
                    for i in range(group_start[g], group_start[g + 1]):
                        _least(best, first_all[d - 1, group_classes[i]], source_low, source_high)
        for kind in range(kinds):
            price = inf
            s = kind_shifts[kind_start[kind]]
            for i in range(kind_start[kind], kind_start[kind + 1]):
                if shift_ok[d, kind_shifts[i]] and cost[d, kind_shifts[i]] < price:
                    price = cost[d, kind_shifts[i]]
            if not price < inf:
                continue
            c = class_of[s]
            w = weekend_start[d]
            move = delta[s, w]
            # the sources r whose target r + move lies in this day's window
            r_low = max(source_low, target_low - move)
            r_high = min(source_high, target_high - move)
            # start a run after a long enough off run (on day 0: the exempt start)
            into = first[c] if d == 0 else work[0, c]
            _relax(into, prev_off[b - 1], blocked[s, w], price, move, r_low, r_high)
            if d == 0:
                continue
            w = weekend_continue[d]
            move = delta[s, w]
            r_low = max(source_low, target_low - move)
            r_high = min(source_high, target_high - move)
            g = group_of[s]
            for length in range(lengths):
                _relax(work[length + 1, c], going[g, length], blocked[s, w], price, move, r_low, r_high)
            if d < k:
                _relax(first[c], going_first[g], blocked[s, w], price, move, r_low, r_high)


@_njit
def trace(
    off_all: Floats,
    work_all: Floats,
    first_all: Floats,
    cost: Floats,
    shift_ok: Bools,
    weekend_start: Ints,
    weekend_continue: Ints,
    delta: Ints,
    valid: Bools,
    class_of: Ints,
    successor_ok: Bools,
    a: int,
    final: Ints,
    tolerance: float,
    row: Ints,
) -> bool:
    """Walk back from the final state ``final`` = (code, j or length, class, r) of the last day to day 0, writing
    each day's shift (or -1) into ``row``; ``False`` if no predecessor matches (a defect).

    ``successor_ok[c, s]``: a shift ``s`` may follow a shift of class ``c``.
    """
    days, b, _ = off_all.shape
    k = work_all.shape[1]
    classes = work_all.shape[2]
    n = cost.shape[1]
    code, index, c, r = final[0], final[1], final[2], final[3]
    row[:] = -1
    d = days - 1
    while d >= 0:
        if code == FINAL_OFF:
            value = off_all[d, index, r]
        elif code == FINAL_WORK:
            value = work_all[d, index, c, r]
        else:
            value = first_all[d, c, r]
        best = np.inf
        found_code, found_index, found_class, found_r, found_s = -1, -1, -1, -1, -1
        if code == FINAL_OFF:
            if d == 0:
                # the exempt start: nothing used, no cost
                best = abs(value) if r == 0 else np.inf
            elif index == 0:
                for c_before in range(classes):
                    gap = abs(first_all[d - 1, c_before, r] - value)
                    if gap < best:
                        best, found_code, found_class = gap, FINAL_FIRST, c_before
                for length in range(a - 1, k):
                    for c_before in range(classes):
                        gap = abs(work_all[d - 1, length, c_before, r] - value)
                        if gap < best:
                            best, found_code, found_index, found_class = gap, FINAL_WORK, length, c_before
                if b == 1:
                    gap = abs(off_all[d - 1, 0, r] - value)
                    if gap < best:
                        best, found_code, found_index = gap, FINAL_OFF, 0
            else:
                gap = abs(off_all[d - 1, index - 1, r] - value)
                if gap < best:
                    best, found_code, found_index = gap, FINAL_OFF, index - 1
                if index == b - 1:
                    gap = abs(off_all[d - 1, index, r] - value)
                    if gap < best:
                        best, found_code, found_index = gap, FINAL_OFF, index
            found_r = r
        else:
            starts = d == 0 if code == FINAL_FIRST else index == 0
            for s in range(n):
                if class_of[s] != c or not shift_ok[d, s]:
                    continue
                rest = value - cost[d, s]
                w = weekend_start[d] if starts else weekend_continue[d]
                source = r - delta[s, w]
                if source < 0 or not valid[s, w, source]:
                    continue
                if starts:
                    if d == 0:
                        gap = abs(rest) if source == 0 else np.inf
                    else:
                        gap = abs(off_all[d - 1, b - 1, source] - rest)
                    if gap < best:
                        best, found_s, found_r = gap, s, source
                        found_code, found_index = FINAL_OFF, b - 1
                    continue
                for c_before in range(classes):
                    if not successor_ok[c_before, s]:
                        continue
                    if code == FINAL_FIRST:
                        gap = abs(first_all[d - 1, c_before, source] - rest)
                    else:
                        gap = abs(work_all[d - 1, index - 1, c_before, source] - rest)
                    if gap < best:
                        best, found_s, found_r, found_class = gap, s, source, c_before
                        found_code, found_index = code, index - 1
            row[d] = found_s
        if not best <= tolerance * max(1.0, abs(value)):
            return False
        code, index, c, r = found_code, found_index, found_class, found_r
        d -= 1
    return True


@_njit
def best_rows(
    off_all: Floats,
    work_all: Floats,
    first_all: Floats,
    final_penalty: Floats,
    cost: Floats,
    shift_ok: Bools,
    weekend_start: Ints,
    weekend_continue: Ints,
    delta: Ints,
    valid: Bools,
    class_of: Ints,
    successor_ok: Bools,
    a: int,
    tolerance: float,
    rows: Ints,
    values: Floats,
) -> int:
    """Write the ``len(values)`` final states of least value (plus ``final_penalty``), best first, into ``values``
    and their rows into ``rows``; return how many are finite, or -1 if a trace-back fails (a defect)."""
    days, b, cells = off_all.shape
    k = work_all.shape[1]
    classes = work_all.shape[2]
    columns = values.shape[0]
    states = np.full((columns, 4), -1, dtype=np.int64)
    values[:] = np.inf
    last = days - 1
    for code in range(3):
        count = b if code == FINAL_OFF else (k * classes if code == FINAL_WORK else classes)
        for index in range(count):
            for r in range(cells):
                if code == FINAL_OFF:
                    value = off_all[last, index, r]
                elif code == FINAL_WORK:
                    value = work_all[last, index // classes, index % classes, r]
                else:
                    value = first_all[last, index, r]
                value += final_penalty[r]
                if not value < values[columns - 1]:
                    continue
                # insert, keeping ``values`` sorted (ties: the earlier state first)
                place = columns - 1
                while place > 0 and value < values[place - 1]:
                    values[place] = values[place - 1]
                    states[place] = states[place - 1]
                    place -= 1
                values[place] = value
                states[place, 0] = code
                if code == FINAL_WORK:
                    states[place, 1], states[place, 2] = index // classes, index % classes
                elif code == FINAL_OFF:
                    states[place, 1], states[place, 2] = index, 0
                else:
                    states[place, 1], states[place, 2] = 0, index
                states[place, 3] = r
    found = 0
    for column in range(columns):
        if not values[column] < np.inf:
            break
        if not trace(
            off_all,
            work_all,
            first_all,
            cost,
            shift_ok,
            weekend_start,
            weekend_continue,
            delta,
            valid,
            class_of,
            successor_ok,
            a,
            states[column],
            tolerance,
            rows[column],
        ):
            return -1
        found += 1
    return found
