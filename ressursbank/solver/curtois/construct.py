"""A fast construction heuristic: roster one employee at a time against the cover left by the others.

Every hard rule of the benchmark concerns one employee, so each single-employee model is small and its
feasibility does not depend on the others; with the others fixed, its objective is the exact marginal cost
of that employee's roster (requests plus the change in cover penalties).
"""

from __future__ import annotations

import random
import time

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled
from ressursbank.solver.curtois.model import CurtoisModel
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.pattern import pattern_roster
from ressursbank.solver.curtois.pricing_dp import DpPricer
from ressursbank.solver.curtois.rules import post_rules

_SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)


def roster_one(
    compiled: Compiled,
    assignment: Assignment,
    e: int,
    *,
    time_limit: float,
    seed: int,
    hint_row: list[int] | None = None,
) -> Assignment | None:
    """Return ``assignment`` with employee ``e`` re-rostered at least cost, or ``None`` if none was found.

    Parameters
    ----------
    compiled
        The compiled instance.
    assignment
        The current roster; every other employee stays as it is.
    e
        The employee to roster.
    time_limit
        Seconds for the single-employee model.
    seed
        CP-SAT random seed.
    hint_row
        A lawful row for ``e`` to start from (e.g. the pattern constructor's); without it the current row is
        the hint when it has shifts.
    """
    free: list[range | tuple[()]] = [()] * compiled.employees
    free[e] = range(compiled.days)
    m = CurtoisModel(compiled, fixed=assignment, free=free)
    post_rules(m)
    add_objective(m)
    if hint_row is not None:
        hinted = [row[:] for row in assignment]
        hinted[e] = hint_row
        m.add_hint(hinted)
    elif any(s != OFF for s in assignment[e]):
        m.add_hint(assignment)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m.model)
    if status not in _SOLVED:
        return None
    return m.extract(solver)


def construct(compiled: Compiled, *, deadline: float, seed: int, exact: bool = True) -> Assignment | None:
    """Build a lawful roster greedily, employee by employee, before ``deadline`` (a ``time.monotonic`` value).

    Employees with the least freedom (fewest allowed cells) go first. With ``exact``, each gets its exact best
    response against the rows so far (:class:`BestResponse`, the dynamic programme), and sweeps of best responses
    follow until none gains. Where the programme cannot price an employee, that employee gets the pattern
    constructor's row (:mod:`.pattern`, nearly instant), which with ``exact`` a small CP-SAT model at the exact
    marginal cost then improves, hinted with it, within the employee's share of the time; without ``exact``
    (year-long instances) CP-SAT only steps in when the pattern constructor fails. Past the deadline only the pattern
    constructor runs, with a short CP-SAT attempt where it fails. Returns ``None`` when some employee could
    not be rostered at all.
    """
    rng = random.Random(seed)
    assignment = compiled.empty()
    order = sorted(
        range(compiled.employees),
        key=lambda e: sum(len(compiled.allowed[e][d]) > 0 for d in range(compiled.days)),
    )
    pricers: dict[int, DpPricer | None] = {}
    for position, e in enumerate(order):
        # The exact programme rosters e at least marginal cost against the rows so far (its rows are lawful).
        if exact and BestResponse(compiled, assignment, pricers).respond(e, force=True):
            continue
        remaining = deadline - time.monotonic()
        share = remaining / (len(order) - position)
        # The pattern constructor is nearly instant and lawful; CP-SAT then improves its row within the share.
        # Without that hint CP-SAT may not find any row in time on long horizons (instance 19: 84 days).
        row = pattern_roster(compiled, e, assignment, rng, demand_days=not exact)
        if row is not None and (not exact or remaining <= 0):
            assignment[e] = row
            continue
        if remaining <= 0 and row is None:
            # Past the deadline and the pattern failed: a short CP-SAT attempt still beats having no roster.
            result = roster_one(compiled, assignment, e, time_limit=1.0, seed=seed)
            if result is None:
                return None
            assignment = result
            continue
        result = roster_one(
            compiled, assignment, e, time_limit=min(remaining, max(0.05, share)), seed=seed, hint_row=row
        )
        if row is not None:
            assignment[e] = row
            if result is not None and compiled.objective(result) <= compiled.objective(assignment):
                assignment = result
        elif result is not None:
            assignment = result
        else:
            # Neither found a row in its share: one longer CP-SAT attempt before giving up.
            result = roster_one(compiled, assignment, e, time_limit=max(1.0, 4 * share), seed=seed + 1)
            if result is None:
                return None
            assignment = result
    if not exact:
        assignment = sweep(compiled, assignment, rng=rng, deadline=deadline)
    # Best responses: exact where the programme fits (1-20), from the Lagrangian programme on 22 and 24.
    BestResponse(compiled, assignment, pricers).sweep(rng=rng, deadline=deadline)
    return assignment


def _worked(row: list[int]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The (days, shifts) index arrays of the cells ``row`` works."""
    cells = np.asarray(row, dtype=np.intp)
    days = np.flatnonzero(cells != OFF)
    return days, cells[days]


class BestResponse:
    """Exact best responses: one employee's row re-rostered at least marginal cost against everyone else.

    With the others fixed, the objective change of employee ``e`` working shift ``s`` on day ``d`` is its request
    cost plus the change of that cell's cover penalty, so the best row is a pricing problem with those changes as
    duals, solved exactly by the dynamic programme of :mod:`.pricing_dp` (milliseconds per row). Rows change in
    place in the ``assignment`` given. Where the exact programme is too large (year-long 22 and 24) the row comes
    from its Lagrangian variant (``relaxed=True``: caps priced, the row checked lawful, not always optimal).
    Measured on 13 (session 14, load 4.7): construction 32,778 -> 6,527 in 2.2 s of sweeps; 20 s of LNS from
    there 5,994 against 23,387 from the construction (19: 5,311 against 8,549). The marginal cover costs are one
    numpy expression (session 16: the same rosters on 13, 15, 19, 20, 24; forced responses plus sweeps, CPU 1.87 ->
    1.48 s on 13, 16.3 -> 14.6 s on 24, where the dynamic programme dominates).
    """

    def __init__(
        self, compiled: Compiled, assignment: Assignment, pricers: dict[int, DpPricer | None] | None = None
    ) -> None:
        self.compiled = compiled
        self.assignment = assignment
        # Arrays, so a response's marginal cover costs are one numpy expression instead of a Python loop over
        # every cell (the year-long instances run many sweeps).
        self.requirement = np.array(compiled.cover_requirement, dtype=np.int64)
        self.under = np.array(compiled.cover_under, dtype=np.float64)
        self.over = np.array(compiled.cover_over, dtype=np.float64)
        self.staffed = np.zeros((compiled.days, compiled.shifts), dtype=np.int64)
        for row in assignment:
            self._count(row, 1)
        # Built once per employee and shared across calls; ``None`` for an employee the programme could not
        # price at all once: skipped from then on.
        self.pricers = {} if pricers is None else pricers

    def _count(self, row: list[int], sign: int) -> None:
        days, shifts = _worked(row)
        self.staffed[days, shifts] += sign

    def respond(self, e: int, *, force: bool = False) -> bool:
        """Re-roster ``e`` when a strictly cheaper lawful row exists (with ``force``, take the best row whatever
        ``e`` has now, e.g. an empty, unlawful row); return whether the programme could price ``e``."""
        c = self.compiled
        if e in self.pricers and self.pricers[e] is None:
            return False
        old = self.assignment[e]
        self._count(old, -1)
        # minus the penalty change of one more person on each cell (the "dual" the programme subtracts): the
        # under-cover weight while the cell is short, minus the over-cover weight once it is met
        duals = np.where(self.staffed < self.requirement, self.under, -self.over)
        pricer = self.pricers.get(e) or DpPricer(c, e)
        # relaxed: where the exact programme is too large (year-long 22, 24), a lawful row from the Lagrangian
        # programme (caps priced); elsewhere the exact minimum, as before.
        priced = pricer.price(duals, relaxed=True)
        self.pricers[e] = None if priced is None else pricer
        row = old
        if priced is not None and priced.rows:
            best = list(priced.rows[-1])
            if force or self._marginal(e, best, duals) < self._marginal(e, old, duals) - 1e-6:
                row = best
        self.assignment[e] = row
        self._count(row, 1)
        return priced is not None and bool(priced.rows)

    def _marginal(self, e: int, row: list[int], duals: npt.NDArray[np.float64]) -> float:
        request = self.compiled.request_cost[e]
        days, shifts = _worked(row)
        requested = sum(request[d].get(s, 0) for d, s in enumerate(row) if s != OFF)
        return float(requested - duals[days, shifts].sum())

    def sweep(self, *, rng: random.Random, deadline: float, passes: int | None = None) -> int:
        """Best responses for every employee in random order, repeated while a sweep gains and time remains (at
        most ``passes`` times); return the number of rows changed."""
        changed = 0
        done = 0
        while time.monotonic() < deadline and (passes is None or done < passes):
            done += 1
            before = changed
            order = list(range(self.compiled.employees))
            rng.shuffle(order)
            for e in order:
                if time.monotonic() >= deadline:
                    break
                old = self.assignment[e]
                self.respond(e)
                changed += self.assignment[e] is not old
            if changed == before:
                break
        return changed


#: Sweeps go on while one cuts the objective by at least this share.
SWEEP_MIN_GAIN = 0.01


def sweep(compiled: Compiled, assignment: Assignment, *, rng: random.Random, deadline: float) -> Assignment:
    """Re-roster each employee in turn with the pattern constructor against everyone else; keep what improves.

    The greedy pass rosters the first employees against an empty roster; a sweep lets each one redo its row
    against the cover the others now leave missing. Sweeps repeat while one gains at least ``SWEEP_MIN_GAIN``
    of the objective and the deadline allows. On the year-long instances, where a CP-SAT neighbourhood of a
    few rows is slow, this is far cheaper per unit gained (24: 392,424 -> 241,862 in three sweeps, 7.7 CPU s;
    the LNS gained 13,000 in 57 s from the same start).
    """
    assignment = [row[:] for row in assignment]
    cost = _CoverCost(compiled, assignment)
    off = [OFF] * compiled.days
    while time.monotonic() < deadline:
        before = cost.total
        order = list(range(compiled.employees))
        rng.shuffle(order)
        for e in order:
            if time.monotonic() >= deadline:
                break
            others = list(assignment)
            others[e] = off
            row = pattern_roster(compiled, e, others, rng, demand_days=True)
            if row is not None and cost.delta(e, assignment[e], row) < 0:
                cost.replace(e, assignment[e], row)
                assignment[e] = row
        if before - cost.total < SWEEP_MIN_GAIN * before:
            break
    return assignment


class _CoverCost:
    """The objective of a roster, kept up to date as single rows change (no full recount per row)."""

    def __init__(self, compiled: Compiled, assignment: Assignment) -> None:
        self.compiled = compiled
        self.staffed = [[0] * compiled.shifts for _ in range(compiled.days)]
        for row in assignment:
            for d, s in enumerate(row):
                if s != OFF:
                    self.staffed[d][s] += 1
        self.total = compiled.objective(assignment)

    def delta(self, e: int, old: list[int], new: list[int]) -> int:
        """Return the change of the objective if employee ``e``'s row ``old`` became ``new``."""
        c = self.compiled
        change = 0
        for d, (was, now) in enumerate(zip(old, new, strict=True)):
            if was == now:
                continue
            costs = c.request_cost[e][d]
            if was != OFF:
                count = self.staffed[d][was]
                change += c.cover_cost(d, was, count - 1) - c.cover_cost(d, was, count) - costs.get(was, 0)
            if now != OFF:
                count = self.staffed[d][now]
                change += c.cover_cost(d, now, count + 1) - c.cover_cost(d, now, count) + costs.get(now, 0)
        return change

    def replace(self, e: int, old: list[int], new: list[int]) -> None:
        """Apply the change of employee ``e``'s row from ``old`` to ``new``."""
        self.total += self.delta(e, old, new)
        for d, (was, now) in enumerate(zip(old, new, strict=True)):
            if was != now:
                if was != OFF:
                    self.staffed[d][was] -= 1
                if now != OFF:
                    self.staffed[d][now] += 1
