"""The current roster of a search, with shift counts and desired-minus-undesired minutes kept up to date."""

from __future__ import annotations

import decimal

import numpy as np
import numpy.typing as npt

from ressursbank.checker.timefold import unfairness
from ressursbank.solver.timefold.compile import Compiled


class State:
    """The current roster with incrementally maintained counts and minutes (S2 - S1)."""

    def __init__(self, compiled: Compiled, assign: npt.NDArray[np.int64]) -> None:
        self.compiled = compiled
        self.assign = assign.copy()
        self.counts = [0] * compiled.n_employees
        self.shifts_of: list[set[int]] = [set() for _ in range(compiled.n_employees)]
        self.on_date: list[dict[int, set[int]]] = [{} for _ in range(compiled.n_employees)]
        self.minutes = 0
        self.unassigned: set[int] = set()
        for s in range(compiled.n_shifts):
            e = int(self.assign[s])
            if e < 0:
                self.unassigned.add(s)
            else:
                self._add(s, e)

    def _add(self, s: int, e: int) -> None:
        self.counts[e] += 1
        self.shifts_of[e].add(s)
        self.on_date[e].setdefault(int(self.compiled.start_date[s]), set()).add(s)
        self.minutes += self.compiled.reward(s, e)

    def _remove(self, s: int, e: int) -> None:
        self.counts[e] -= 1
        self.shifts_of[e].discard(s)
        same_day = self.on_date[e][int(self.compiled.start_date[s])]
        same_day.discard(s)
        if not same_day:
            del self.on_date[e][int(self.compiled.start_date[s])]
        self.minutes -= self.compiled.reward(s, e)

    def apply(self, changes: dict[int, int]) -> dict[int, int]:
        """Give each shift in ``changes`` its new holder (-1: unassigned); return the old holders."""
        old: dict[int, int] = {}
        for s, e in changes.items():
            before = int(self.assign[s])
            old[s] = before
            if before == e:
                continue
            if before >= 0:
                self._remove(s, before)
            else:
                self.unassigned.discard(s)
            if e >= 0:
                self._add(s, e)
            else:
                self.unassigned.add(s)
            self.assign[s] = e
        return old

    def unfairness(self) -> decimal.Decimal:
        """The S3 term of the current roster."""
        return unfairness(self.counts)

    def soft(self) -> decimal.Decimal:
        """The soft score of the current roster."""
        return decimal.Decimal(self.minutes) - self.unfairness()

    def key(self) -> tuple[int, decimal.Decimal]:
        """Sort key, higher is better: fewer unassigned shifts first, then soft."""
        return (-len(self.unassigned), self.soft())

    def date_value(self, e: int, date: int) -> int:
        """Minutes employee ``e`` works on date index ``date``."""
        total = 0
        for s in self.shifts_of[e]:
            for d, m in self.compiled.entries[s]:
                if d == date:
                    total += m
        return total
