"""Compiled (numba) loops of :class:`ressursbank.solver.local_search.LocalSearch`.

``takers`` filtered the class's members with about twenty numpy temporaries per call (room within the contract,
the week's hours, absence, rest and one shift at a time against the shifts of the day before, of the day and of
the day after, people already on the need); :func:`takers_filter` makes the same tests person by person in one
pass and keeps the members' order. Compiled on first use and cached on disk (``cache=True``); ``nogil``.
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

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@_njit
def takers_filter(
    idx: Ints,
    need: Ints,
    room_only: bool,
    week_minutes: Ints,
    limit: Ints,
    max_week: Ints,
    rest: Ints,
    flag: Bools,
    day_start: Ints,
    day_end: Ints,
) -> Ints:
    """The people of ``idx`` (in order) who may take the need ``need = (start, end, minutes, week, day)``: within
    ``max_week`` (and ``limit``, with ``room_only``) that week, not flagged (absent, on the need or excluded), and
    with ``rest`` before and after the shifts of the day before, the day and the day after (``day_start`` and
    ``day_end``: (day + 1, employee), -1 when free)."""
    s, t, m, b, d = need[0], need[1], need[2], need[3], need[4]
    out = np.empty(len(idx), dtype=np.int64)
    count = 0
    for i in range(len(idx)):
        e = idx[i]
        after = week_minutes[e, b] + m
        if room_only and after > limit[e, b]:
            continue
        if after > max_week[e] or flag[e]:
            continue
        r = rest[e]
        ok = True
        for col in range(d, d + 3):  # days d-1, d, d+1 (shifted by one column)
            first = day_start[col, e]
            if first >= 0 and t + r > first and day_end[col, e] + r > s:
                ok = False
                break
        if ok:
            out[count] = e
            count += 1
    return out[:count]
