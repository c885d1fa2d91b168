"""Compiled (numba) forward pass and trace-back of the pricing dynamic programme of :mod:`.pricing_dp`.

The programme is the one described there, with savings that keep it exact:

- the resource axes (minutes, weekends, tracked caps) are flattened into one index ``r`` (minutes the slowest
  axis) so one loop nest serves every shape. A move by shift ``s`` adds ``delta[s, w]`` to ``r`` (``w`` = 1 when
  the day counts as a new working weekend) and is allowed from ``r`` only where ``blocked[s, w, r]`` is 0 (no
  axis runs past its end: over the minutes' maximum, the weekends' limit or a cap; else it is infinite);
- a work run remembers the *class* of its last shift (shift types with the same forbidden successors), not the
  shift: that is all the successions need. Shift types of one *kind* (same class, predecessors and moves) differ
  only in cost, so each day only the cheapest allowed one of a kind moves;
- per day only the minutes that can be reached and still reach the minimum by the end are computed (``low``,
  ``high`` bound the minutes, inclusive); every other cell stays infinite;
- values are kept for two days only; what the trace-back needs is one 16-bit *pointer* per cell and day (the
  predecessor's state and the shift worked), a quarter of the values' memory, and the trace-back is exact.

Layouts (``D`` days, ``b`` off states, ``k`` run lengths, ``C`` classes, ``R`` resource cells)::

    off[b, R]      off run of length j + 1 (the last: long enough)
    work[k, C, R]  work run that started after day 0, length l + 1, last shift of class c
    first[C, R]    work run that started on day 0 (so its length is d + 1, exempt from the minimum)

with pointers ``off_from[D, b, R]``, ``work_from[D, k, C, R]``, ``first_from[D, C, R]``:

- an off run of length 1 ends a work run: ``c`` (a run started on day 0, of class ``c``), ``C + l * C + c`` (a
  run of length ``l + 1`` and class ``c``) or ``C + k * C`` (an off run of length 1 before, when ``b`` = 1);
  a longer off run comes from the off run of index ``j`` given;
- a work or first run of length 1 holds the shift ``s``; a longer one ``s * C + c`` (shift ``s`` after a run
  whose last shift is of class ``c``).

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
Pointers = npt.NDArray[np.uint16]

#: Codes of a final state handed to :func:`trace`.
FINAL_OFF, FINAL_WORK, FINAL_FIRST = 0, 1, 2


@_njit
def _relax(
    target: Floats,
    pointers: Pointers,
    source: Floats,
    blocked: Floats,
    price: float,
    move: int,
    low: int,
    high: int,
    pointer: int,
) -> None:
    """``target[r + move] = min(target[r + move], source[r] + price + blocked[r])`` for ``low <= r < high``,
    with ``pointer`` where the minimum changes."""
    for r in range(low, high):
        value = source[r] + price + blocked[r]
        if value < target[r + move]:
            target[r + move] = value
            pointers[r + move] = pointer


@_njit
def _relax_from(
    target: Floats,
    pointers: Pointers,
    source: Floats,
    source_classes: Pointers,
    blocked: Floats,
    price: float,
    move: int,
    low: int,
    high: int,
    shift: int,
    classes: int,
) -> None:
    """As :func:`_relax`, the pointer ``shift * classes + c`` with ``c`` the class the source value came from."""
    for r in range(low, high):
        value = source[r] + price + blocked[r]
        if value < target[r + move]:
            target[r + move] = value
            pointers[r + move] = shift * classes + source_classes[r]


@_njit
def _least(target: Floats, pointers: Pointers, source: Floats, low: int, high: int, pointer: int) -> None:
    """``target[r] = min(target[r], source[r])`` for ``low <= r < high``, with ``pointer`` where it changes."""
    for r in range(low, high):
        if source[r] < target[r]:
            target[r] = source[r]
            pointers[r] = pointer


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
    weekend_price: float,
    last_off: Floats,
    last_work: Floats,
    last_first: Floats,
    off_from: Pointers,
    work_from: Pointers,
    first_from: Pointers,
) -> None:
    """Run the programme over all days: ``last_off``, ``last_work`` and ``last_first`` get the values after the
    last day, the pointer arrays every day's (see the module docstring). A move that counts a new working
    weekend (``weekend_start`` / ``weekend_continue``) also costs ``weekend_price`` (a Lagrangian multiplier of
    the weekend limit when its axis is left out; 0 otherwise)."""
    days, b, cells = off_from.shape
    k = work_from.shape[1]
    classes = work_from.shape[2]
    kinds = kind_start.shape[0] - 1
    groups = group_start.shape[0] - 1
    inf = np.inf
    going = np.empty((groups, k, cells))
    going_class = np.zeros((groups, k, cells), dtype=np.uint16)
    going_first = np.empty((groups, cells))
    going_first_class = np.zeros((groups, cells), dtype=np.uint16)
    # the values of the day before and of this day (swapped each day; copied out at the end)
    prev_off = np.full((b, cells), inf)
    prev_off[b - 1, 0] = 0.0  # before day 0: a satisfied (exempt) off run, nothing used
    prev_work = np.full((k, classes, cells), inf)
    prev_first = np.full((classes, cells), inf)
    this_off = np.empty((b, cells))
    this_work = np.empty((k, classes, cells))
    this_first = np.empty((classes, cells))
    ended = classes + k * classes  # pointer: an off run of length 1 before (b = 1)
    for d in range(days):
        if d > 0:
            prev_off, this_off = this_off, prev_off
            prev_work, this_work = this_work, prev_work
            prev_first, this_first = this_first, prev_first
        off = this_off
        work = this_work
        first = this_first
        off[:] = inf
        work[:] = inf
        first[:] = inf
        # cells of the previous day worth reading, and those of this day worth writing
        if d == 0:
            source_low, source_high = 0, 1
        else:
            source_low, source_high = low[d - 1] * stride, (high[d - 1] + 1) * stride
        target_low, target_high = low[d] * stride, (high[d] + 1) * stride
        if source_low >= source_high or target_low >= target_high:
            continue
        both_low, both_high = max(source_low, target_low), min(source_high, target_high)
        if off_ok[d] and both_low < both_high:
            # a run started on day 0 may always end; one started inside must be long enough
            ending = off[0]
            ending_from = off_from[d, 0]
            if b == 1:
                _least(ending, ending_from, prev_off[0], both_low, both_high, ended)
            if d >= 1:
                for c in range(classes):
                    _least(ending, ending_from, prev_first[c], both_low, both_high, c)
                for length in range(a - 1, k):
                    for c in range(classes):
                        _least(
                            ending,
                            ending_from,
                            prev_work[length, c],
                            both_low,
                            both_high,
                            classes + length * classes + c,
                        )
            if b > 1:
                for j in range(1, b - 1):
                    off[j, both_low:both_high] = prev_off[j - 1, both_low:both_high]
                    off_from[d, j, both_low:both_high] = j - 1
                _least(off[b - 1], off_from[d, b - 1], prev_off[b - 2], both_low, both_high, b - 2)
                _least(off[b - 1], off_from[d, b - 1], prev_off[b - 1], both_low, both_high, b - 1)
        lengths = min(k - 1, d - 1) if d >= 1 else 0
        if d >= 1:
            # the best run of each length before, ending in a class that may precede the group's shifts
            for g in range(groups):
                for length in range(lengths):
                    best = going[g, length]
                    best[source_low:source_high] = inf
                    for i in range(group_start[g], group_start[g + 1]):
                        c = group_classes[i]
                        _least(best, going_class[g, length], prev_work[length, c], source_low, source_high, c)
                if d < k:
                    best = going_first[g]
                    best[source_low:source_high] = inf
                    for i in range(group_start[g], group_start[g + 1]):
                        c = group_classes[i]
                        _least(best, going_first_class[g], prev_first[c], source_low, source_high, c)
        for kind in range(kinds):
            price = inf
            s = -1
            for i in range(kind_start[kind], kind_start[kind + 1]):
                if shift_ok[d, kind_shifts[i]] and cost[d, kind_shifts[i]] < price:
                    price = cost[d, kind_shifts[i]]
                    s = kind_shifts[i]
            if s < 0:
                continue
            c = class_of[s]
            w = weekend_start[d]
            move = delta[s, w]
            start_price = price + w * weekend_price
            # the sources r whose target r + move lies in this day's window
            r_low = max(source_low, target_low - move)
            r_high = min(source_high, target_high - move)
            # start a run after a long enough off run (on day 0: the exempt start)
            if d == 0:
                _relax(first[c], first_from[0, c], prev_off[b - 1], blocked[s, w], start_price, move, r_low, r_high, s)
                continue
            _relax(work[0, c], work_from[d, 0, c], prev_off[b - 1], blocked[s, w], start_price, move, r_low, r_high, s)
            w = weekend_continue[d]
            move = delta[s, w]
            price = price + w * weekend_price
            r_low = max(source_low, target_low - move)
            r_high = min(source_high, target_high - move)
            g = group_of[s]
            for length in range(lengths):
                _relax_from(
                    work[length + 1, c],
                    work_from[d, length + 1, c],
                    going[g, length],
                    going_class[g, length],
                    blocked[s, w],
                    price,
                    move,
                    r_low,
                    r_high,
                    s,
                    classes,
                )
            if d < k:
                _relax_from(
                    first[c],
                    first_from[d, c],
                    going_first[g],
                    going_first_class[g],
                    blocked[s, w],
                    price,
                    move,
                    r_low,
                    r_high,
                    s,
                    classes,
                )
    last_off[:] = this_off
    last_work[:] = this_work
    last_first[:] = this_first


@_njit
def trace(
    off_from: Pointers,
    work_from: Pointers,
    first_from: Pointers,
    weekend_start: Ints,
    weekend_continue: Ints,
    delta: Ints,
    final: Ints,
    row: Ints,
) -> None:
    """Follow the pointers back from the final state ``final`` = (code, j or length, class, r) of the last day
    to day 0, writing each day's shift (or -1) into ``row``."""
    days = off_from.shape[0]
    k = work_from.shape[1]
    classes = work_from.shape[2]
    code, index, c, r = final[0], final[1], final[2], final[3]
    row[:] = -1
    for d in range(days - 1, -1, -1):
        if code == FINAL_OFF:
            pointer = int(off_from[d, index, r])
            if d == 0:
                break
            if index > 0:
                index = pointer
            elif pointer == classes + k * classes:
                index = 0
            elif pointer < classes:
                code, c = FINAL_FIRST, pointer
            else:
                code = FINAL_WORK
                index, c = (pointer - classes) // classes, (pointer - classes) % classes
        elif code == FINAL_WORK:
            pointer = int(work_from[d, index, c, r])
            if index == 0:
                row[d] = pointer
                r -= delta[pointer, weekend_start[d]]
                code, index = FINAL_OFF, off_from.shape[1] - 1
            else:
                s = pointer // classes
                row[d] = s
                r -= delta[s, weekend_continue[d]]
                index, c = index - 1, pointer % classes
        else:
            pointer = int(first_from[d, c, r])
            if d == 0:
                row[0] = pointer
                break
            s = pointer // classes
            row[d] = s
            r -= delta[s, weekend_continue[d]]
            c = pointer % classes


@_njit
def best_rows(
    off: Floats,
    work: Floats,
    first: Floats,
    off_from: Pointers,
    work_from: Pointers,
    first_from: Pointers,
    final_penalty: Floats,
    weekend_start: Ints,
    weekend_continue: Ints,
    delta: Ints,
    rows: Ints,
    values: Floats,
) -> int:
    """Write the ``len(values)`` final states of least value (plus ``final_penalty``), best first, into ``values``
    and their rows into ``rows``; return how many are finite."""
    b, cells = off.shape
    k = work.shape[0]
    classes = work.shape[1]
    columns = values.shape[0]
    states = np.full((columns, 4), -1, dtype=np.int64)
    values[:] = np.inf
    for code in range(3):
        count = b if code == FINAL_OFF else (k * classes if code == FINAL_WORK else classes)
        for index in range(count):
            for r in range(cells):
                if code == FINAL_OFF:
                    value = off[index, r]
                elif code == FINAL_WORK:
                    value = work[index // classes, index % classes, r]
                else:
                    value = first[index, r]
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
        trace(off_from, work_from, first_from, weekend_start, weekend_continue, delta, states[column], rows[column])
        found += 1
    return found
