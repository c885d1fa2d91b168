"""DailyRest (AML § 10-8 (1)): at least ``min_hours`` between two shifts of one person.

For every candidate start time ``T``, the shifts with ``start <= T < end + rest`` pairwise conflict; one
at-most-one constraint per ``T`` covers every conflicting pair (and overlapping shifts: OneShiftAtATime).
Candidates that conflict with a fixed shift get no variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ressursbank.solver.compile import Compiled
from ressursbank.solver.rules.one_shift_at_a_time import overlap_or_short_rest

if TYPE_CHECKING:
    from ressursbank.solver.cpmodel import SubModel


def rest_minutes(c: Compiled, e: int) -> int:
    return c.rule_params[int(c.e_rule_set[e])].daily_rest


def fits_fixed(c: Compiled, e: int, n: int, fixed: Sequence[int]) -> bool:
    """Need ``n`` keeps the rest to every fixed shift of ``e``."""
    rest = rest_minutes(c, e)
    s, t = int(c.n_start[n]), int(c.n_end[n])
    return not any(overlap_or_short_rest(s, t, int(c.n_start[f]), int(c.n_end[f]), rest) for f in fixed)


def constrain(sub: SubModel, e: int) -> None:
    c = sub.c
    rest = rest_minutes(c, e)
    cands = sorted(sub.candidates[e], key=lambda n: int(c.n_start[n]))
    seen: set[tuple[int, ...]] = set()
    for n in cands:
        moment = int(c.n_start[n])
        clique = tuple(m for m in cands if int(c.n_start[m]) <= moment < int(c.n_end[m]) + rest)
        if len(clique) >= 2 and clique not in seen:
            seen.add(clique)
            sub.model.add_at_most_one(sub.x[e, m] for m in clique)
