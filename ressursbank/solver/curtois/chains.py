"""Ejection chains of exact best responses: a move out of the best responses' local optimum at their speed.

A sweep of best responses (:class:`~.construct.BestResponse`) stops where no single employee can improve alone.
A chain forces one change there: a costly cover cell (drawn by its penalty) gets a person (under-covered: one
who could work it takes the best row *with* that shift that day) or loses one (over-covered: one who works it
takes the best row *without* it); of a few candidates, the one whose forced row costs least against the others.
The cells that change become over- or under-covered, so the employees who work or could work them best-respond
in turn (the forced one is left out: it would undo the move), and those whose rows change pass the disturbance
on, for a bounded number of programme calls. Every step after the forced one gains strictly, so the chain ends
on its best roster; it is kept when it beats the start (else the rows are restored). Every row is a programme's
lawful row (or the row the employee had), so a chain never returns an unlawful roster.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled
from ressursbank.solver.curtois.construct import BestResponse
from ressursbank.solver.curtois.pricing_dp import DpPricer

#: Employees priced with the cell forced, per chain (the cheapest forced row starts the chain).
CANDIDATES = 4
#: Best responses a chain may call after its forced move (each one programme call).
CHAIN_CALLS = 24
#: Employees who could fill a newly under-covered cell, drawn per cell (all who work an over-covered one).
FILLERS = 3


@dataclass(slots=True)
class ChainStats:
    """What the chains did: chains tried, chains kept and the objective gained."""

    chains: int = 0
    kept: int = 0
    gain: int = 0


class Chains:
    """Ejection chains on ``assignment`` (changed in place), with the dynamic programmes of ``pricers``."""

    def __init__(
        self, compiled: Compiled, assignment: Assignment, pricers: dict[int, DpPricer | None] | None = None
    ) -> None:
        self.compiled = compiled
        self.assignment = assignment
        self.response = BestResponse(compiled, assignment, pricers)
        self.value = compiled.objective(assignment)
        self.stats = ChainStats()

    def run(self, *, rng: random.Random, deadline: float, chains: int | None = None) -> int:
        """Run chains until ``deadline`` (at most ``chains`` of them); return the objective gained."""
        start = self.value
        done = 0
        while time.monotonic() < deadline and (chains is None or done < chains):
            done += 1
            if not self.chain(rng, deadline) and self._cells() is None:
                break
        return start - self.value

    def _cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The penalised cells (days, shifts, penalties), or ``None`` when none costs anything."""
        br = self.response
        gap = br.staffed - br.requirement
        penalty = np.where(gap < 0, -gap * br.under, gap * br.over)
        days, shifts = np.nonzero(penalty > 0)
        if len(days) == 0:
            return None
        return days, shifts, penalty[days, shifts]

    def chain(self, rng: random.Random, deadline: float) -> bool:
        """One chain from a costly cell; return whether it was kept (the objective dropped)."""
        cells = self._cells()
        if cells is None:
            return False
        days, shifts, penalty = cells
        pick = rng.choices(range(len(days)), weights=penalty.tolist())[0]
        d, s = int(days[pick]), int(shifts[pick])
        br, c, rows = self.response, self.compiled, self.assignment
        under = br.staffed[d, s] < br.requirement[d, s]
        if under:
            candidates = [e for e in range(c.employees) if s in c.allowed[e][d] and rows[e][d] != s]
        else:
            candidates = [e for e in range(c.employees) if rows[e][d] == s]
        candidates = [e for e in candidates if e not in br.pricers or br.pricers[e] is not None]
        if not candidates:
            return False
        self.stats.chains += 1
        saved = [row[:] for row in rows]
        staffed = br.staffed.copy()
        # The forced move: the candidate whose best row with (under) or without (over) the cell costs least.
        best: tuple[float, int, list[int]] | None = None
        for e in rng.sample(candidates, min(CANDIDATES, len(candidates))):
            if best is not None and time.monotonic() >= deadline:
                break
            forced = self._forced(e, d, s, under)
            if forced is not None and (best is None or forced[0] < best[0]):
                best = (forced[0], e, forced[1])
        if best is None:
            return False
        _, tabu, row = best
        queue = self._move(tabu, row, rng)
        calls = 0
        while queue and calls < CHAIN_CALLS and time.monotonic() < deadline:
            e = queue.pop(0)
            if e == tabu:
                continue
            old = rows[e]
            br.respond(e)
            calls += 1
            if rows[e] is not old:
                queue.extend(x for x in self._affected(e, old, rows[e], rng) if x not in queue)
        value = c.objective(rows)
        if value < self.value:
            self.stats.kept += 1
            self.stats.gain += self.value - value
            self.value = value
            return True
        for e, row in enumerate(saved):
            rows[e] = row
        br.staffed[:] = staffed
        return False

    def _forced(self, e: int, d: int, s: int, under: bool) -> tuple[float, list[int]] | None:
        """The best row of ``e`` with (``under``) or without shift ``s`` on day ``d`` and its marginal cost change."""
        br, rows = self.response, self.assignment
        old = rows[e]
        br._count(old, -1)
        try:
            duals = np.where(br.staffed < br.requirement, br.under, -br.over)
            pricer = br.pricers.get(e) or DpPricer(self.compiled, e)
            priced = pricer.price(duals, [(d, s, under)], relaxed=True)
            if priced is None:
                br.pricers[e] = None
                return None
            br.pricers[e] = pricer
            if not priced.rows:
                return None
            row = list(priced.rows[-1])
            return br._marginal(e, row, duals) - br._marginal(e, old, duals), row
        finally:
            br._count(old, 1)

    def _move(self, e: int, row: list[int], rng: random.Random) -> list[int]:
        """Give ``e`` the row ``row``; return the employees the change affects."""
        br, rows = self.response, self.assignment
        old = rows[e]
        br._count(old, -1)
        br._count(row, 1)
        rows[e] = row
        return self._affected(e, old, row, rng)

    def _affected(self, e: int, old: list[int], new: list[int], rng: random.Random) -> list[int]:
        """The employees (other than ``e``) who work a cell the change of ``e`` left over-covered, or could work
        one it left under-covered (a few drawn per cell)."""
        br, c, rows = self.response, self.compiled, self.assignment
        found: list[int] = []
        for d, (was, now) in enumerate(zip(old, new, strict=True)):
            if was == now:
                continue
            for s in (was, now):
                if s == OFF:
                    continue
                if br.staffed[d, s] > br.requirement[d, s] and br.over[d, s] > 0:
                    found.extend(x for x in range(c.employees) if x != e and rows[x][d] == s)
                elif br.staffed[d, s] < br.requirement[d, s] and br.under[d, s] > 0:
                    fillers = [x for x in range(c.employees) if x != e and rows[x][d] != s and s in c.allowed[x][d]]
                    found.extend(rng.sample(fillers, min(FILLERS, len(fillers))))
        rng.shuffle(found)
        return list(dict.fromkeys(found))
