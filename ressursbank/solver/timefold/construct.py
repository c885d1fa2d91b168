"""Greedy construction: a legal (possibly incomplete) roster in one chronological pass, vectorised over employees.

Shifts are taken in order of start (ties: the rarer skill first). Because every earlier shift is already decided,
an employee can take the shift when its latest end plus 10 hours is not after the start (this also excludes
overlaps) and it has no shift starting on the same date; unavailable dates and missing skills are filtered. Among
those who can, the best change of desired minus undesired minutes wins, then the fewest shifts so far. A shift
nobody can take stays unassigned (-1) for the improvement phase to repair; hard rules are never broken.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ressursbank.solver.timefold.compile import DESIRED, REST_US, UNAVAILABLE, UNDESIRED, Compiled


def construct(compiled: Compiled, seed: int = 0) -> npt.NDArray[np.int64]:
    """Return a legal roster as shift -> employee index (-1 where no employee could be found).

    Parameters
    ----------
    compiled
        The compiled data set.
    seed
        Seed of the tie-breaking noise.

    Returns
    -------
    numpy.ndarray
        The holder of each shift.
    """
    rng = np.random.default_rng(seed)
    n_employees, n_shifts = compiled.n_employees, compiled.n_shifts
    assign = np.full(n_shifts, -1, dtype=np.int64)
    last_date = np.full(n_employees, -(10**9), dtype=np.int64)
    latest_end = np.full(n_employees, -(10**18), dtype=np.int64)
    count = np.zeros(n_employees, dtype=np.float64)
    pool = np.array([len(e) for e in compiled.eligible], dtype=np.int64)
    order = np.lexsort((np.arange(n_shifts), pool[compiled.skill], compiled.start_us))
    kind = compiled.kind
    for s in order:
        candidates = compiled.eligible[int(compiled.skill[s])]
        if candidates.size == 0:
            continue
        start = compiled.start_us[s]
        ok = (last_date[candidates] != compiled.start_date[s]) & (latest_end[candidates] + REST_US <= start)
        reward = np.zeros(candidates.size, dtype=np.float64)
        for date, minutes in compiled.entries[s]:
            k = kind[candidates, date]
            if minutes > 0:
                ok &= k != UNAVAILABLE
            reward += minutes * ((k == DESIRED).astype(np.float64) - (k == UNDESIRED).astype(np.float64))
        if not ok.any():
            continue
        score = reward * 64.0 - count[candidates] + rng.random(candidates.size) * 0.5
        score[~ok] = -np.inf
        e = int(candidates[int(np.argmax(score))])
        assign[s] = e
        last_date[e] = compiled.start_date[s]
        latest_end[e] = max(int(latest_end[e]), int(compiled.end_us[s]))
        count[e] += 1
    return assign
