"""Branch-and-price for a Curtois instance: column generation at every node of a small branch-and-bound tree.

The root is the column generation of :mod:`.colgen` (roster-per-employee master, exact pricing by dynamic
programming or CP-SAT, a Lagrangian bound valid at every iteration). Where the root LP leaves a gap, the tree
branches on one employee's day: "employee ``e`` has shift ``s`` (or is off) on day ``d``" or not. A branching
decision is pushed into ``e``'s pricing (allowed labels of the programme, a variable's domain in CP-SAT) and into
the master (columns that break it get an upper bound of 0), so every node's Lagrangian bound is valid for its
whole subtree. The cell to branch on is the one, among the ``BRANCH_CANDIDATES`` most fractional, whose
weaker child has the highest Lagrangian bound (Lagrangian strong branching, one exact programme per child). The
objective is integral, so a node is pruned once ``ceil(bound) >= incumbent``; a child is
first bounded by re-pricing only the branched employee at its parent's best Lagrangian point (one exact call),
so it can be pruned before any LP. Nodes are taken best bound first (deepest first among equal bounds, which
makes the search dive), and the incumbent is shared both ways with whoever runs beside (our LNS): better
rosters come in through ``incumbent`` and go out through ``on_roster``. Once the incumbent lies at most
``heuristic_gap`` above the least open bound, the tree spends no more time on RINS or the restricted master IP.

With more than one worker the dynamic programmes run in worker processes (:class:`~.pricing_dp.DpPool`: the
programme holds Python's lock, so threads cannot share it); the root prices on ``root_processes`` of them while a
search beside it needs a core. Before the tree, reduced-cost fixing prices every employee with each cell forced at
the root's best Lagrangian point and bans, for the whole tree, the cells whose use lifts that bound past
``incumbent - 1`` (no better roster uses them); a better incumbent bans more. When GLOP fails on a node LP twice
(warm, then from scratch), the master LP is rebuilt before the tree gives up.

API::

    branch_and_price(compiled, *, deadline, workers=1, initial_rosters=(), incumbent=None, on_roster=None,
                     stop=None, root_ip_seconds=0.0, max_gap=None, root_deadline=None, on_root=None,
                     pricing_processes=True, reduced_cost_fixing=True, root_processes=None,
                     heuristic_gap=HEURISTIC_GAP) -> BranchResult

The result is ``OPTIMAL`` (``proven``) only when every open node was pruned against the incumbent; otherwise
``lower_bound`` is the least bound of the open nodes (never more than the incumbent).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ressursbank.solver.curtois.colgen import (
    CEIL_TOLERANCE,
    DIVE_FRACTION,
    DIVE_INTEGRAL,
    DP_COLUMNS,
    ENTER_TOLERANCE,
    SMOOTHING,
    Duals,
    Fixing,
    Priced,
    Pricer,
    Row,
    _clip,
    _lagrangian,
    _lawful,
    _Master,
    _master_mip,
    smoothed,
)
from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled
from ressursbank.solver.curtois.model import CurtoisModel
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.presets import apply_preset
from ressursbank.solver.curtois.pricing_dp import DpPool, DpPriced
from ressursbank.solver.curtois.rules import post_rules

logger = logging.getLogger(__name__)

#: A weight within this of 0 or 1 counts as integral.
INTEGRAL = 1e-6
#: Time limit of one employee's pricing solve.
MAX_PRICING_SECONDS = 5.0
#: While columns keep coming, a pricing solve stops after this many seconds (its bound stays valid, only
#: weaker); a round that adds nothing is repeated exactly before the LP counts as solved. 0 disables.
FAST_PRICING_SECONDS = 0.0
#: The restricted master IP runs again (for ``root_ip_seconds``) after this many seconds of tree search.
IP_EVERY_SECONDS = 6.0
#: RINS frees a cell when the LP puts less than this weight on the incumbent's value there.
RINS_AGREE = 0.99
#: Seconds of one RINS solve, and how often (in tree seconds) it runs.
RINS_SECONDS = 2.0
RINS_EVERY_SECONDS = 3.0
#: RINS rounds right after the root (each around the improved incumbent) while they improve.
ROOT_RINS_ROUNDS = 4
#: Seconds at least for the root's price-and-fix dive (or a tenth of the budget when more).
DIVE_SECONDS = 5.0
#: Reduced-cost fixing after the root: each employee's cells whose forced use lifts the Lagrangian bound past the
#: incumbent are banned for the whole tree (one exact programme per employee and cell at the root's best point).
REDUCED_COST_FIXING = True

#: RINS and the restricted master IP run in the tree only while the incumbent lies more than this above the
#: least open bound (0: whenever it is above). Nearer, only the proof or a roster one better is left, and the
#: heuristics' seconds (one core, the pricing processes idle) go to nodes instead (7 with its optimum as the
#: pruning value, tree alone, 60 s, load ~5: 520 nodes against 295; 5 with its optimum handed in: proofs in
#: 14-20 s against 13-60 s). Proofs of 7 stay a lottery either way (some runs in 43-113 nodes, most not in 60 s).
HEURISTIC_GAP = 1
#: Fractional cells (the most fractional first) whose two children are bounded before branching (one exact
#: programme each, at the node's best Lagrangian point); the one whose weaker child's bound rises most is branched
#: on. 1: the most fractional cell. Session 15, instance 5 with its optimum handed in, tree alone on 2 pricing
#: processes, load 4-5: proofs in 97-261 nodes (mean 166, 6.8 CPU s, 5 runs) against 162-427 (mean 256, 9.1 CPU s,
#: 7 runs); 30 candidates: 260-319 nodes. Instance 1: 463 against 479 nodes.
BRANCH_CANDIDATES = 10
#: Reduced-cost fixing prices the cells in this many batches and stops (the rest unbanned) once it has used this
#: share of the time left.
CELL_PRICING_BATCHES = 20
CELL_PRICING_SHARE = 0.25
#: Seconds between progress lines of the tree (debug log).
REPORT_SECONDS = 5.0

Incumbent = tuple[int, Assignment]
#: At a root's best Lagrangian point: (bound, per-employee minima, per employee the minimum with each cell forced).
CellMinima = tuple[float, list[float], list[dict[tuple[int, int], float]]]


@dataclass(frozen=True, slots=True)
class BranchResult:
    """The outcome of :func:`branch_and_price`.

    ``lower_bound``: a valid lower bound (``None`` before one full pricing round); ``root_bound``: the root's;
    ``proven``: the tree was exhausted, so ``objective`` is optimal; ``assignment``/``objective``: the best
    roster known (found here or handed in); ``nodes``: nodes whose LP was solved; ``columns``: master size;
    ``root_converged``: the root LP was solved to optimality; ``root_seconds``: time to the end of the root.
    """

    lower_bound: int | None
    root_bound: int | None
    proven: bool
    assignment: Assignment | None
    objective: int | None
    nodes: int
    columns: int
    root_converged: bool
    root_seconds: float
    elapsed: float


@dataclass(order=True)
class _Node:
    key: tuple[int, int, int]
    fixings: tuple[tuple[int, int, int, bool], ...] = field(compare=False)  # (employee, day, shift, on)
    bound: float = field(compare=False)


def _obeys(row: Row, fixings: Sequence[Fixing]) -> bool:
    return all((row[d] == s) == on for d, s, on in fixings)


class _Tree:
    """The shared state of one branch-and-price run."""

    def __init__(
        self,
        compiled: Compiled,
        *,
        workers: int,
        incumbent: Callable[[], Incumbent | None] | None,
        on_roster: Callable[[int, Assignment], None] | None,
        processes: bool = True,
    ) -> None:
        self.c = compiled
        self.master = _Master(compiled)
        self.pricers = [Pricer(compiled, e) for e in range(compiled.employees)]
        # The dynamic-programming pricer holds the GIL: threads would only contend (CP-SAT pricing releases it),
        # so with more than one worker the programmes run in worker processes.
        exact_dp = all(pricer.dp is not None for pricer in self.pricers)
        self.pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 and not exact_dp else None
        self.dp_pool = DpPool(compiled, workers) if workers > 1 and exact_dp and processes else None
        #: Pricing processes in use (fewer while a search beside the root needs a core); ``None``: all.
        self.processes: int | None = None
        self.poll = incumbent
        self.on_roster = on_roster
        self.best: Assignment | None = None
        self.best_value: int | None = None
        self.fixings: list[list[Fixing]] = [[] for _ in range(compiled.employees)]
        self.last_rins = 0.0
        self.rins_every = RINS_EVERY_SECONDS
        self.rins_runs = 0
        #: The best Lagrangian point of the current node: (duals, per-employee minima, bound), priced under the
        #: node's own fixings, so replacing one employee's minimum gives a valid bound for a child.
        self.dual_point: tuple[Duals, list[float], float] | None = None
        #: Reduced-cost fixing: per employee, the cells (day, shift or OFF) no roster better than the incumbent
        #: uses, as fixings "not this"; they hold at every node (see :meth:`price_cells`).
        self.bans: list[list[Fixing]] = [[] for _ in range(compiled.employees)]
        self.banned_below: int | None = None  # the incumbent the bans were drawn against
        #: At the root's best point: (bound, per-employee minima, per employee the minimum with each cell forced).
        self.cell_minima: CellMinima | None = None

    # -- incumbent --------------------------------------------------------------------------------------
    def offer(self, assignment: Assignment, *, announce: bool = True) -> None:
        value = self.c.objective(assignment)
        if self.best_value is None or value < self.best_value:
            self.best, self.best_value = [list(row) for row in assignment], value
            for e, row in enumerate(assignment):
                self.add_column(e, tuple(row))
            logger.info("branch-and-price: roster %d", value)
            if announce and self.on_roster is not None:
                self.on_roster(value, self.best)

    def refresh(self) -> None:
        """Adopt a better roster from outside (its rows become columns: feeding the LNS back into the master)."""
        if self.poll is None:
            return
        found = self.poll()
        if found is not None and (self.best_value is None or found[0] < self.best_value):
            self.offer(found[1], announce=False)

    def add_column(self, e: int, row: Row) -> bool:
        if self.bans[e] and not _obeys(row, self.bans[e]):
            return False  # no roster better than the incumbent uses it
        if not self.master.add(e, row):
            return False
        if not _obeys(row, self.fixings[e]):
            self.master.columns[e][-1][2].SetUb(0.0)
        return True

    def rins(self, weights: Sequence[dict[Row, float]], deadline: float, base: Assignment | None = None) -> None:
        """Try RINS around ``base`` (the incumbent by default) with the current LP solution."""
        self.last_rins = time.monotonic()
        limit = min(RINS_SECONDS, deadline - time.monotonic())
        base = base if base is not None else self.best
        if base is None or limit < 0.1:
            return
        self.rins_runs += 1
        found = _rins(self.c, base, weights, time_limit=limit, seed=self.rins_runs)
        before = self.best_value
        if found is not None:
            self.offer(found)
        # Back off while RINS fails (the incumbent is often optimal already and the time is the tree's).
        self.rins_every = RINS_EVERY_SECONDS if self.best_value != before else 2 * self.rins_every
        self.last_rins = time.monotonic()

    def dive(self, until: float) -> None:
        """Price-and-fix dive from the root: fix whole columns (the integral ones and the heaviest quarter of the
        fractional ones), re-generate columns for the others, repeat; offer the roster it ends with.

        A heuristic: it leaves the master restricted to the root again (no fixings) when done.
        """
        fixings: list[tuple[int, int, int, bool]] = []
        fixed: set[int] = set()
        try:
            while len(fixed) < self.c.employees and time.monotonic() < until:
                if not self.restrict(fixings):
                    return
                bound, _ = self.solve_node(-math.inf, until, prune=False)
                if math.isinf(bound):
                    return
                _, weights = self.lp_rosters()
                picks = sorted(
                    (
                        (max(weights[e].items(), key=lambda item: item[1]), e)
                        for e in range(self.c.employees)
                        if e not in fixed
                    ),
                    key=lambda pick: -pick[0][1],
                )
                integral = [pick for pick in picks if pick[0][1] >= 1 - DIVE_INTEGRAL]
                fractional = [pick for pick in picks if pick[0][1] < 1 - DIVE_INTEGRAL]
                chosen = integral + fractional[: max(1, math.ceil(len(fractional) * DIVE_FRACTION))]
                for (row, _), e in chosen:
                    fixed.add(e)
                    fixings.extend((e, d, s, True) for d, s in enumerate(row))
            if len(fixed) == self.c.employees:
                roster = [[OFF] * self.c.days for _ in range(self.c.employees)]
                for e, d, s, _ in fixings:
                    roster[e][d] = s
                self.offer(roster)
        finally:
            self.restrict(())

    # -- reduced-cost fixing -----------------------------------------------------------------------------
    def price_cells(self, point: tuple[Duals, list[float], float], until: float) -> None:
        """At the root's best Lagrangian point, price every employee with each cell (day, shift or OFF) forced.

        With ``L`` the point's bound, ``m_e`` employee ``e``'s minimum and ``m_e(d, s)`` the minimum with the cell
        forced, every roster using the cell costs at least ``L - m_e + m_e(d, s)`` (the other employees at their
        minima): when that exceeds ``incumbent - 1``, the integral objective says no better roster uses it.
        Skipped (no bans) when the programme is not available for everyone; the cells not priced within
        ``CELL_PRICING_SHARE`` of the time to ``until`` are never banned.
        """
        duals, minima, bound = point
        c = self.c
        # The cells of each employee's cheapest roster cost nothing extra (never banned): left out, which saves a
        # third of the work when there are two shift types.
        started = time.monotonic()
        cheapest = self._price_exactly(duals, [(e, ()) for e in range(c.employees)], until)
        if cheapest is None:
            return
        tasks = [
            (e, ((d, s, True),))
            for e, found in enumerate(cheapest)
            for d in range(c.days)
            for s in (*c.allowed[e][d], OFF)
            if found is None or not found.rows or found.rows[-1][d] != s
        ]
        # In batches, so a slow programme (a first round inflated by building the workers' programmes, e.g. 11)
        # costs at most ``CELL_PRICING_SHARE`` of the time left: the cells not priced by then are never banned.
        budget_end = started + CELL_PRICING_SHARE * max(0.0, until - started)
        batch = max(c.employees, math.ceil(len(tasks) / CELL_PRICING_BATCHES))
        per: list[dict[tuple[int, int], float]] = [{} for _ in range(c.employees)]
        priced_count = 0
        for first in range(0, len(tasks), batch):
            if time.monotonic() >= budget_end:
                break
            chunk = tasks[first : first + batch]
            priced_cells = self._price_exactly(duals, chunk, until)
            if priced_cells is None:
                break
            for (e, ((d, s, _),)), priced in zip(chunk, priced_cells, strict=True):
                if priced is not None:
                    per[e][d, s] = priced.minimum
            priced_count += len(chunk)
        if priced_count < len(tasks):
            logger.info("branch-and-price: %d of %d cells priced in time", priced_count, len(tasks))
        self.cell_minima = (bound, list(minima), per)

    def _price_exactly(
        self, duals: Duals, tasks: Sequence[tuple[int, tuple[Fixing, ...]]], until: float
    ) -> list[DpPriced | None] | None:
        """The dynamic programme on each ``(employee, fixings)`` (in the pool when there is one); ``None`` when it
        is not available for everyone, fails, or time runs out."""
        if self.dp_pool is not None:
            try:
                return self.dp_pool.price(duals, tasks, 1)
            except Exception:
                logger.warning("branch-and-price: cell pricing in processes failed", exc_info=True)
                return None
        found: list[DpPriced | None] = []
        for e, fixings in tasks:
            dp = self.pricers[e].dp
            if dp is None or time.monotonic() >= until:
                return None
            found.append(dp.price(duals, fixings, 1))
        return found

    def apply_bans(self) -> int:
        """Ban the cells :meth:`price_cells` rules out against the current incumbent; return how many are banned."""
        if self.cell_minima is None or self.best_value is None or self.best_value == self.banned_below:
            return sum(map(len, self.bans))
        for e, bans in enumerate(cell_bans(self.cell_minima, self.best_value)):
            self.bans[e] = bans
            kept = []
            for column in self.master.columns[e]:
                if _obeys(column[0], self.bans[e]):
                    kept.append(column)
                else:
                    column[2].SetUb(0.0)
            self.master.columns[e] = kept
        self.banned_below = self.best_value
        banned = sum(map(len, self.bans))
        logger.info("branch-and-price: %d cells banned by reduced cost below %d", banned, self.best_value)
        return banned

    # -- a node -----------------------------------------------------------------------------------------
    def restrict(self, node_fixings: Sequence[tuple[int, int, int, bool]]) -> bool:
        """Apply a node's fixings to the master and the pricers; return ``False`` when trivially infeasible."""
        per: list[list[Fixing]] = [[] for _ in range(self.c.employees)]
        for e, d, s, on in node_fixings:
            per[e].append((d, s, on))
        possible = True
        for e in range(self.c.employees):
            # the master keeps only columns that obey the bans, so the node's own fixings decide the rest
            pricing = self.bans[e] + per[e]
            if pricing != self.fixings[e] or pricing:
                possible = self.pricers[e].fix(pricing) and possible
            self.fixings[e] = pricing
            infinity = self.master.lp.infinity()
            for row, _, var in self.master.columns[e]:
                var.SetUb(infinity if _obeys(row, per[e]) else 0.0)
        return possible

    def price(self, duals: Duals, employees: Sequence[int], until: float, *, fast: bool = False) -> list[Priced] | None:
        if time.monotonic() >= until:
            return None
        most = FAST_PRICING_SECONDS if fast else MAX_PRICING_SECONDS

        def one(e: int) -> Priced:
            limit = min(most, until - time.monotonic())
            return self.pricers[e].price(duals, time_limit=limit)

        if self.dp_pool is not None:
            tasks = [(e, self.pricers[e].fixings) for e in employees]
            try:
                exact = self.dp_pool.price(duals, tasks, DP_COLUMNS, processes=self.processes)
            except Exception:  # e.g. a script without a main guard cannot spawn: price in this process
                logger.warning("branch-and-price: pricing processes failed; pricing here", exc_info=True)
                self.dp_pool.close()
                self.dp_pool = None
                return [one(e) for e in employees]
            # None: the programme would be too large for this employee, whose CP-SAT pricer runs here instead
            return [
                one(e) if found is None else self.pricers[e].accept(found)
                for e, found in zip(employees, exact, strict=True)
            ]
        if self.pool is None:
            return [one(e) for e in employees]
        return list(self.pool.map(one, employees))

    def add_negative(self, priced: Sequence[Priced], duals: Duals, mu: Sequence[float]) -> int:
        added = 0
        for e, result in enumerate(priced):
            for column in result.rows:
                reduced = self.master.cost(e, column) - mu[e]
                reduced -= sum(duals[d][s] for d, s in enumerate(column) if s != OFF)
                if reduced < -ENTER_TOLERANCE and self.add_column(e, column):
                    added += 1
        return added

    def solve_node(self, bound: float, until: float, *, prune: bool = True) -> tuple[float, bool]:
        """Column generation at the current node; return (its bound, whether its LP was solved exactly).

        Returns ``math.inf`` as the bound when the node holds no lawful roster or is pruned by the incumbent.
        """
        c = self.c
        everyone = range(c.employees)
        # An employee without a column obeying the fixings gets one from pricing (or the node is infeasible).
        missing = [e for e in everyone if not any(var.ub() > 0.5 for _, _, var in self.master.columns[e])]
        if missing:
            zero: Duals = [[0.0] * c.shifts for _ in range(c.days)]
            priced = self.price(zero, missing, until)
            if priced is None:
                return bound, False
            for e, result in zip(missing, priced, strict=True):
                if not result.rows:
                    return math.inf, True
                for row in result.rows:
                    self.add_column(e, row)
        centre: Duals | None = None
        alpha = SMOOTHING
        fast = FAST_PRICING_SECONDS > 0
        self.dual_point = None
        while time.monotonic() < until:
            self.refresh()
            lp_value, lp_duals, mu = self.master.solve()
            lp_duals = _clip(c, lp_duals)
            target = math.ceil(lp_value - CEIL_TOLERANCE)
            pruned = prune and self.best_value is not None and not math.isinf(bound)
            if pruned and math.ceil(bound - CEIL_TOLERANCE) >= (self.best_value or 0):
                return math.inf, True  # pruned: nothing in this subtree beats the incumbent
            if not math.isinf(bound) and math.ceil(bound - CEIL_TOLERANCE) >= target:
                return bound, True
            duals = smoothed(centre, lp_duals, alpha)
            priced = self.price(duals, everyone, until, fast=fast)
            if priced is None:
                break
            if any(not p.rows and math.isinf(p.bound) for p in priced):
                return math.inf, True
            minima = [p.bound for p in priced]
            lagrangian = _lagrangian(c, duals, minima)
            if self.dual_point is None or lagrangian > self.dual_point[2]:
                self.dual_point = (duals, minima, lagrangian)
            if lagrangian > bound:
                bound, centre = lagrangian, duals
            added = self.add_negative(priced, lp_duals, mu)
            if added == 0:
                if alpha > 0 and duals is not lp_duals:
                    alpha = 0.0
                    continue
                if all(p.optimal for p in priced):
                    return max(bound, lagrangian), True
                fast = False  # the truncated pricing found nothing: price exactly before concluding
            else:
                fast = FAST_PRICING_SECONDS > 0
                if alpha == 0.0:
                    alpha = SMOOTHING
        return bound, False

    def lp_rosters(self) -> tuple[Assignment, list[dict[Row, float]]]:
        """Return the LP's heaviest column per employee and the weights of the obeying columns."""
        weights = self.master.weights
        rounded = [list(max(w.items(), key=lambda item: item[1])[0]) for w in weights]
        return rounded, weights

    def branching(self, weights: Sequence[dict[Row, float]]) -> tuple[int, int, int, float] | None:
        """Return the most fractional (employee, day, shift-or-OFF, value), or ``None`` when integral."""
        candidates = self.fractional_cells(weights)
        return candidates[0] if candidates else None

    def fractional_cells(self, weights: Sequence[dict[Row, float]]) -> list[tuple[int, int, int, float]]:
        """Every fractional (employee, day, shift-or-OFF, value) of the LP, the most fractional first."""
        found: list[tuple[float, int, int, int, float]] = []
        for e, w in enumerate(weights):
            heavy = [(row, value) for row, value in w.items() if value > INTEGRAL]
            if len(heavy) <= 1:
                continue
            for d in range(self.c.days):
                flow: dict[int, float] = {}
                for row, value in heavy:
                    flow[row[d]] = flow.get(row[d], 0.0) + value
                for s, value in flow.items():
                    if INTEGRAL < value < 1 - INTEGRAL:
                        found.append((min(value, 1 - value), e, d, s, value))
        # stable: among equally fractional cells the first found wins, as before
        found.sort(key=lambda cell: -round(cell[0], 9))
        return [cell[1:] for cell in found]

    def child_bound(self, bound: float, fixings: Sequence[tuple[int, int, int, bool]], e: int) -> float:
        """Return a valid bound of the child with ``fixings``, which add a fixing on employee ``e`` to the node's.

        At the node's best Lagrangian point only ``e``'s minimum changes: it is re-priced exactly under the
        child's fixings (the dynamic programme; without it, the node's bound is returned).
        """
        point = self.dual_point
        dp = self.pricers[e].dp
        if point is None or dp is None:
            return bound
        duals, minima, lagrangian = point
        priced = dp.price(duals, [*self.bans[e], *((d, s, on) for f, d, s, on in fixings if f == e)])
        if priced is None:
            return bound
        if math.isinf(priced.minimum):
            return math.inf
        minimum = priced.minimum - 1e-9 * (1.0 + abs(priced.minimum))
        return max(bound, lagrangian - minima[e] + minimum)


def cell_bans(cell_minima: CellMinima, incumbent: int) -> list[list[Fixing]]:
    """Per employee, the cells (day, shift or ``OFF``) that no roster better than ``incumbent`` uses.

    With ``L`` the point's bound, ``m_e`` employee ``e``'s minimum and ``m_e(d, s)`` the minimum with the cell
    forced, every roster using the cell costs at least ``L - m_e + m_e(d, s)``; the objective is integral, so
    when that exceeds ``incumbent - 1`` no better roster uses the cell. A ban is a fixing "not this cell" (for
    ``OFF``: the employee works that day).
    """
    bound, minima, per = cell_minima
    slack = incumbent - 1 - bound
    # minima carry a hair less than the exact minimum: the margin keeps a tie from counting as a rise
    return [
        [
            (d, s, False)
            for (d, s), value in sorted(per[e].items())
            if value - minima[e] > slack + 1e-6 * (1.0 + abs(value) + abs(bound))
        ]
        for e in range(len(minima))
    ]


def branch_and_price(
    compiled: Compiled,
    *,
    deadline: float,
    workers: int = 1,
    initial_rosters: Sequence[Assignment] = (),
    incumbent: Callable[[], Incumbent | None] | None = None,
    on_roster: Callable[[int, Assignment], None] | None = None,
    stop: Callable[[], bool] | None = None,
    root_ip_seconds: float = 0.0,
    max_gap: float | None = None,
    root_deadline: float | None = None,
    on_root: Callable[[], None] | None = None,
    pricing_processes: bool = True,
    reduced_cost_fixing: bool = REDUCED_COST_FIXING,
    root_processes: int | None = None,
    heuristic_gap: int = HEURISTIC_GAP,
) -> BranchResult:
    """Run branch-and-price until the tree is exhausted, ``stop()`` is true, or ``deadline`` passes.

    Parameters
    ----------
    compiled
        The compiled instance.
    deadline
        A ``time.monotonic()`` value by which to return.
    workers
        Pricing threads, or with ``pricing_processes`` and the dynamic programme for every employee, pricing
        processes (:class:`~.pricing_dp.DpPool`: the programme holds Python's lock, threads cannot share it).
    initial_rosters
        Lawful rosters: their rows seed the master, the best is the first incumbent.
    incumbent
        Polled for a better roster found elsewhere (objective, roster); adopted and its rows added as columns.
    on_roster
        Called with every better roster found here.
    stop
        Polled between nodes.
    root_ip_seconds
        Seconds for the restricted master IP (SCIP over the columns, hinted with the incumbent) after the root,
        and again every ``IP_EVERY_SECONDS`` of tree search (twice as long after each failure).
    max_gap
        No tree when the incumbent after the root exceeds the root bound by more than this share of it: the
        call returns the root bound at once (``proven`` false), leaving the time to other searches.
    root_deadline
        When the root's column generation has not converged by then, the call returns after the root's primal
        steps (RINS, restricted master IP) with the root's Lagrangian bound (valid, if weaker).
    on_root
        Called once the root and its primal steps are done (e.g. to stop a search running beside the root).
    pricing_processes
        Price in worker processes when ``workers > 1`` (else threads, which only help the CP-SAT pricer).
    root_processes
        Pricing processes in use until ``on_root`` is called (a search beside the root keeps a core).
    heuristic_gap
        In the tree, RINS and the restricted master IP run only while the incumbent lies more than this above
        the least open bound (nearer, the time goes to the proof: the tree's cores price, the heuristics do not).
    reduced_cost_fixing
        Ban, before the tree, the cells no roster better than the incumbent can use (:meth:`_Tree.price_cells`).
    """
    start = time.monotonic()
    tree = _Tree(compiled, workers=workers, incumbent=incumbent, on_roster=on_roster, processes=pricing_processes)
    tree.processes = root_processes
    c = compiled
    try:
        for assignment in initial_rosters:
            if all(_lawful(c, e, row) for e, row in enumerate(assignment)):
                tree.offer(assignment, announce=False)
        tree.refresh()
        # Root: first round at "everything under-covered" duals gives a column per employee and a first bound.
        start_duals = _clip(c, [[float(c.cover_under[d][s]) for s in range(c.shifts)] for d in range(c.days)])
        priced = tree.price(start_duals, range(c.employees), deadline)
        if priced is None:
            return _result(tree, None, None, False, 0, False, start, start)
        for e, result in enumerate(priced):
            for row in result.rows:
                tree.add_column(e, row)
        root_bound = _lagrangian(c, start_duals, [p.bound for p in priced])
        root_bound, root_converged = tree.solve_node(root_bound, min(deadline, root_deadline or deadline))
        root_seconds = time.monotonic()
        root_point = tree.dual_point  # the dive below re-solves other nodes
        if math.isinf(root_bound):  # pruned at the root: the incumbent is optimal
            assert tree.best_value is not None
            return _result(tree, tree.best_value, tree.best_value, True, 1, True, start, root_seconds)
        root_lower = math.ceil(root_bound - CEIL_TOLERANCE)
        logger.info("branch-and-price: root bound %.3f (converged %s)", root_bound, root_converged)
        if not all(tree.master.weights):
            # out of time before the root's first LP (e.g. a loaded machine): only its first Lagrangian bound
            if on_root is not None:
                on_root()
            return _result(tree, root_lower, root_lower, False, 1, False, start, root_seconds)
        rounded, weights = tree.lp_rosters()
        tree.offer(rounded)
        # RINS around the LP rounding (only the LP's fractional cells are free), then around the incumbent.
        tree.rins(weights, deadline, base=rounded)
        for _ in range(ROOT_RINS_ROUNDS):
            before = tree.best_value
            tree.rins(weights, deadline)
            if tree.best_value == before:
                break

        def too_wide() -> bool:
            return (
                max_gap is not None
                and tree.best_value is not None
                and tree.best_value - root_lower > max_gap * max(1, tree.best_value)
            )

        if root_converged and too_wide():  # a dive re-solves the LP at every step: only where it is quick
            tree.dive(min(deadline, time.monotonic() + max(DIVE_SECONDS, 0.1 * (deadline - start))))
            tree.rins(weights, deadline)
        if root_ip_seconds > 0 and (tree.best_value is None or tree.best_value > root_lower):
            limit = min(root_ip_seconds, deadline - time.monotonic())
            if limit > 0.1:
                solved = _master_mip(tree.master, time_limit=limit, hint=tree.best)
                if solved is not None:
                    tree.offer(solved)
        if on_root is not None:
            on_root()
        tree.processes = None  # the tree has every pricing process
        if tree.best_value is not None and tree.best_value <= root_lower:
            return _result(tree, tree.best_value, root_lower, True, 1, root_converged, start, root_seconds)
        if not root_converged:
            return _result(tree, root_lower, root_lower, False, 1, False, start, root_seconds)
        if too_wide():
            # The LP leaves too wide a gap for a tree to close in time: leave the rest to other searches.
            logger.info("branch-and-price: root gap %d..%d too wide, no tree", root_lower, tree.best_value)
            return _result(tree, root_lower, root_lower, False, 1, True, start, root_seconds)
        if reduced_cost_fixing and root_point is not None:
            priced_from = time.monotonic()
            tree.price_cells(root_point, deadline)
            logger.info("branch-and-price: cells priced in %.1fs", time.monotonic() - priced_from)
            tree.apply_bans()
        counter = itertools.count()
        heap: list[_Node] = []
        nodes = 1
        current: _Node | None = _Node((root_lower, 0, next(counter)), (), root_bound)
        assert current is not None
        tree.dual_point = root_point
        _push_children(tree, heap, current, weights, counter)
        current = None
        last_ip = time.monotonic()
        ip_every = IP_EVERY_SECONDS
        next_report = time.monotonic() + REPORT_SECONDS
        while heap:
            tree.refresh()
            tree.apply_bans()  # a better incumbent bans more
            if (
                root_ip_seconds > 0
                and time.monotonic() - last_ip >= ip_every
                and (tree.best_value is None or tree.best_value > heap[0].key[0] + heuristic_gap)
            ):
                # Price-and-branch primal: the restricted master IP over every column generated so far.
                limit = min(root_ip_seconds, deadline - time.monotonic())
                if limit > 0.1:
                    solved = _master_mip(tree.master, time_limit=limit, hint=tree.best)
                    before = tree.best_value
                    if solved is not None:
                        tree.offer(solved)
                    ip_every = IP_EVERY_SECONDS if tree.best_value != before else 2 * ip_every
                last_ip = time.monotonic()
            node = heap[0]
            if tree.best_value is not None and node.key[0] >= tree.best_value:
                break  # best-bound order: every open node is pruned
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + REPORT_SECONDS
                logger.debug(
                    "branch-and-price: %d nodes, %d open, least open bound %.3f, roster %s",
                    nodes,
                    len(heap),
                    node.bound,
                    tree.best_value,
                )
            if time.monotonic() >= deadline or (stop is not None and stop()):
                break
            heapq.heappop(heap)
            current = node
            if not tree.restrict(node.fixings):
                current = None
                continue
            try:
                bound, exact = tree.solve_node(node.bound, deadline)
            except RuntimeError:
                # the node's LP failed: the node stays open with its parent's bound (valid for its subtree)
                # and the tree stops, so the reported bound stays valid
                logger.warning("branch-and-price: node LP failed; the tree stops with its open bounds", exc_info=True)
                break
            nodes += 1
            if math.isinf(bound):
                current = None
                continue
            node.bound = bound
            node.key = (math.ceil(bound - CEIL_TOLERANCE), node.key[1], node.key[2])
            if not exact:
                break  # out of time inside the node: it stays open with its bound so far
            rounded, weights = tree.lp_rosters()
            tree.offer(rounded)
            least_key = min(node.key[0], heap[0].key[0]) if heap else node.key[0]
            if time.monotonic() - tree.last_rins >= tree.rins_every and (
                tree.best_value is None or tree.best_value > least_key + heuristic_gap
            ):
                tree.rins(weights, deadline)
            if tree.branching(weights) is None or (tree.best_value is not None and node.key[0] >= tree.best_value):
                current = None  # integral LP (its roster is offered) or pruned
                continue
            _push_children(tree, heap, node, weights, counter)
            current = None
        open_bounds = [n.key[0] for n in heap] + ([current.key[0]] if current is not None else [])
        if tree.best_value is not None:
            open_bounds = [min(b, tree.best_value) for b in open_bounds]
        proven = tree.best_value is not None and (not open_bounds or min(open_bounds) >= tree.best_value)
        lower = tree.best_value if proven else min(open_bounds, default=root_lower)
        if lower is not None:
            lower = max(lower, root_lower)
            if tree.best_value is not None:
                lower = min(lower, tree.best_value)
        logger.info("branch-and-price: %d nodes, bound %s, roster %s", nodes, lower, tree.best_value)
        if heap and logger.isEnabledFor(logging.DEBUG):
            # which nodes stay open: how many per rounded bound, and how deep (the tree dives on equal bounds)
            by_key: dict[int, list[int]] = {}
            for n in heap:
                by_key.setdefault(n.key[0], []).append(-n.key[1])
            logger.debug(
                "branch-and-price: open nodes by rounded bound (count, depths): %s",
                ", ".join(f"{key}: {len(d)} at {min(d)}-{max(d)}" for key, d in sorted(by_key.items())),
            )
        return _result(tree, lower, root_lower, proven, nodes, True, start, root_seconds)
    finally:
        if tree.pool is not None:
            tree.pool.shutdown(wait=True)
        if tree.dp_pool is not None:
            tree.dp_pool.close()


def _rins(
    compiled: Compiled,
    incumbent: Assignment,
    weights: Sequence[dict[Row, float]],
    *,
    time_limit: float,
    seed: int,
) -> Assignment | None:
    """Relaxation-induced neighbourhood: keep the cells where the incumbent agrees with the LP, re-solve the rest.

    A cell (employee, day) is freed when the LP puts less than ``RINS_AGREE`` weight on the incumbent's value
    there; the rest is fixed to the incumbent, and CP-SAT (the engine's own model of the rules) re-solves the
    freed cells hinted with the incumbent. Returns the roster found (never worse than ``incumbent``) or ``None``.
    """
    free: list[list[int]] = [[] for _ in range(compiled.employees)]
    for e, w in enumerate(weights):
        for d in range(compiled.days):
            agree = sum(value for row, value in w.items() if row[d] == incumbent[e][d])
            if agree < RINS_AGREE:
                free[e].append(d)
    if not any(free):
        return None
    m = CurtoisModel(compiled, fixed=incumbent, free=free)
    post_rules(m)
    add_objective(m)
    m.add_hint(incumbent)
    solver = cp_model.CpSolver()
    apply_preset(solver, "neighbourhood", time_limit=time_limit, workers=1, seed=seed)
    status = solver.solve(m.model)
    logger.debug(
        "rins: %d free cells of %d, base %d, %s %s, %.2f s wall, %.2f deterministic",
        sum(map(len, free)),
        compiled.employees * compiled.days,
        compiled.objective(incumbent),
        solver.status_name(status),
        solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else "-",
        solver.wall_time,
        solver.deterministic_time,
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return m.extract(solver)


def _push_children(
    tree: _Tree, heap: list[_Node], node: _Node, weights: Sequence[dict[Row, float]], counter: itertools.count[int]
) -> None:
    """Branch on the most fractional cell; push each child unless its own Lagrangian bound prunes it."""
    candidates = tree.fractional_cells(weights)
    assert candidates
    bounds: dict[bool, float] = {}
    if BRANCH_CANDIDATES > 1 and tree.dual_point is not None:
        # Lagrangian strong branching: each candidate's two children bounded by re-pricing one employee at the
        # node's best Lagrangian point; the cell whose weaker child rises most wins (children the incumbent
        # prunes at once count as infinitely high).
        best_score: tuple[float, float] | None = None
        choice = candidates[0]
        for candidate in candidates[:BRANCH_CANDIDATES]:
            e, d, s, _ = candidate
            tried = {on: tree.child_bound(node.bound, (*node.fixings, (e, d, s, on)), e) for on in (True, False)}
            gains = sorted(
                math.inf
                if tree.best_value is not None and math.ceil(b - CEIL_TOLERANCE) >= tree.best_value
                else b - node.bound
                for b in tried.values()
            )
            score = (gains[0], gains[1])
            if best_score is None or score > best_score:
                best_score, choice, bounds = score, candidate, tried
    else:
        choice = candidates[0]
    e, d, s, value = choice
    depth = -node.key[1] + 1
    # The child the LP leans to is explored first (same bound, pushed with the deeper-first tie-break).
    first_on = value >= 0.5
    for on in (first_on, not first_on):
        fixings = (*node.fixings, (e, d, s, on))
        bound = bounds[on] if on in bounds else tree.child_bound(node.bound, fixings, e)
        if math.isinf(bound):
            continue  # no lawful roster of e obeys the child's fixings
        key = math.ceil(bound - CEIL_TOLERANCE)
        if tree.best_value is not None and key >= tree.best_value:
            continue  # pruned by its Lagrangian bound before any LP
        heapq.heappush(heap, _Node((max(node.key[0], key), -depth, next(counter)), fixings, bound))


def _result(
    tree: _Tree,
    lower: int | None,
    root_lower: int | None,
    proven: bool,
    nodes: int,
    root_converged: bool,
    start: float,
    root_end: float,
) -> BranchResult:
    return BranchResult(
        lower_bound=lower,
        root_bound=root_lower,
        proven=proven,
        assignment=tree.best,
        objective=tree.best_value,
        nodes=nodes,
        columns=tree.master.size,
        root_converged=root_converged,
        root_seconds=root_end - start,
        elapsed=time.monotonic() - start,
    )
