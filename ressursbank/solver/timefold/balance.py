"""Rebalance shift counts by single moves, never losing desired-minus-undesired minutes and never breaking a rule.

The balance term is tiny next to the date terms (a desired day is worth 480, U is a few units), so the LNS
optimises the minutes and this pass then moves shifts from the busiest employees to the least busy ones who may
legally take them (every hard rule's filter from :mod:`rules` decides) at no loss of minutes. Each move lowers
sum x_i^2 by at least 2, so U never grows.
"""

from __future__ import annotations

import math
import random
import time

from ressursbank.solver.timefold.rules import RULES
from ressursbank.solver.timefold.state import State

_DAY_US = 86_400_000_000
_REST_US = 600 * 60_000_000


def _reach(state: State) -> int:
    """How many dates apart two shifts can still conflict."""
    c = state.compiled
    if c.n_shifts == 0:
        return 1
    longest = int((c.end_us - c.start_us).max())
    return math.ceil((longest + _REST_US) / _DAY_US) + 1


def can_take(state: State, shift: int, employee: int, reach: int) -> bool:
    """Whether ``employee`` may take ``shift`` next to the shifts it holds, by every hard rule's filter."""
    c = state.compiled
    date = int(c.start_date[shift])
    near = [s for d in range(date - reach, date + reach + 1) for s in state.on_date[employee].get(d, ())]
    return all(rule.allows(c, employee, near)(shift) for rule in RULES if rule.allows is not None)


def rebalance(state: State, rng: random.Random, deadline: float) -> int:
    """Move shifts from high to low counts while that is legal and costs no minutes; return the number of moves.

    Parameters
    ----------
    state
        The roster, changed in place.
    rng
        Shuffles the order in which shifts and employees are tried.
    deadline
        ``time.perf_counter()`` value at which to stop.
    """
    c = state.compiled
    reach = _reach(state)
    counts = state.counts
    moves = 0
    while time.perf_counter() < deadline:
        # One pass: busiest first, each tries to hand one shift to the least busy who may take it at no loss.
        order = sorted(range(c.n_employees), key=lambda e: (counts[e], rng.random()))
        before = moves
        for high in reversed(order):
            if counts[high] < counts[order[0]] + 2 or time.perf_counter() >= deadline:
                break
            shifts = sorted(state.shifts_of[high])
            rng.shuffle(shifts)
            for s in shifts:
                gain = c.reward(s, high)
                skill, date = int(c.skill[s]), int(c.start_date[s])
                target = None
                for low in order:
                    if counts[low] > counts[high] - 2:
                        break
                    # Cheap tests first (skill, a shift that same date); can_take() then asks every hard rule.
                    if skill not in c.emp_skills[low] or date in state.on_date[low]:
                        continue
                    if c.reward(s, low) >= gain and can_take(state, s, low, reach):
                        target = low
                        break
                if target is not None:
                    state.apply({s: target})
                    moves += 1
                    break
        if moves == before:
            break
    return moves
