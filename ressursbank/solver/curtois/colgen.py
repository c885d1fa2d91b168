"""Column generation over per-employee rosters: a valid lower bound and a good roster for a Curtois instance.

Every hard rule of the benchmark concerns one employee, so the instance decomposes: the master problem picks one
roster (column) per employee and pays the cover penalties; a pricing problem per employee finds the lawful
roster with the least reduced cost. The LP relaxation of this set-partitioning master is far tighter than the
compact model's (branch-and-price solves the benchmark this way), and because the objective is integral,
``ceil(LP bound)`` often equals the optimum.

Pricing is exact: the dynamic programme of :mod:`.pricing_dp` (a shortest path over days with run, minutes,
weekend and cap resources; 4-10x faster per call than CP-SAT on instances 7-12, and the same minimum), with the
single-employee CP-SAT model as the fallback where the programme would be too large.

API::

    column_generation(instance_or_compiled, *, deadline, workers=1, initial_rosters=None,
                      master_ip_seconds=3.0, max_pricing_seconds=5.0, dive_seconds=5.0) -> ColumnGenerationResult

- ``instance_or_compiled``: a :class:`~ressursbank.domain.curtois.CurtoisInstance` or its
  :class:`~.compile.Compiled` form.
- ``deadline``: a ``time.monotonic()`` value; the call returns by then (give or take the building of the IP).
  Column generation runs until ``deadline - dive_seconds - master_ip_seconds`` (or convergence), then a
  price-and-fix dive (a heuristic that never touches the bound) until ``deadline - master_ip_seconds``, then
  the restricted master IP (SCIP over all generated columns, hinted with the best roster) until ``deadline``.
  Time left over by an early convergence goes to the dive and the IP, so pass a deadline you mean; the IP and
  dive are skipped when a roster already meets ``lower_bound``.
- ``workers``: threads that price employees in parallel (CP-SAT releases the GIL while it solves).
- ``initial_rosters``: one dense assignment (``list[list[int]]``, ``OFF`` = -1) or several; their lawful rows
  seed the master and the best one hints the master IP, so the returned roster is never worse than it.

:class:`ColumnGenerationResult` fields:

- ``lower_bound``: ``ceil`` of ``bound`` (an ``int``), a valid lower bound on the optimum; ``None`` only when the
  deadline passed before one full pricing round.
- ``bound``: the best Lagrangian bound seen, ``sum_ds R_ds pi_ds + sum_e min_r (c_r - pi . a_r)`` for duals
  ``pi`` clipped to ``[-over, under]``; valid at every iteration, with each employee's minimum taken from the
  pricing solver's proven bound (exact when the pricing solve was optimal) and rounding errors discounted.
- ``lp_value``: the last restricted-master LP value, an upper bound on the LP relaxation (equal to it when
  ``converged``).
- ``converged``: exact pricing at the master's duals found no negative reduced cost (LP relaxation solved), or
  ``lower_bound`` already equals ``ceil(lp_value)`` so no further bound gain is possible.
- ``iterations``: master LP solves; ``columns``: columns generated in total (initial ones included).
- ``assignment``: the best lawful integer roster of the dive, the restricted master IP over the generated
  columns, the LP rounding, and the initial rosters; ``None`` when none was found. ``objective``: its
  published objective (equal to the checker's).
- ``lp_roster``: per employee the column with the largest weight in the last restricted-master LP solved by the
  column generation (before any dive), ``None`` without one. Its objective is poor (13: ~18,000 at the converged
  LP), but it carries the LP's structure: the LNS started from it beats the LNS started from the construction
  (see :mod:`.lp_guided`).
- ``elapsed``: wall seconds; ``lp_seconds``: of which column generation (the rest is the dive and the IP);
  ``pricing_solves``: CP-SAT pricing calls; ``pricing_optimal``: whether the last pricing round was solved to
  optimality for every employee.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from ressursbank.checker.curtois import check_employee
from ressursbank.domain.curtois import CurtoisInstance
from ressursbank.exceptions import DomainError
from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled, compile_instance
from ressursbank.solver.curtois.model import CurtoisModel, Span
from ressursbank.solver.curtois.pricing_dp import DpPriced, DpPricer
from ressursbank.solver.curtois.rules import post_rules, sequence_flow

#: Reduced costs are scaled by this and rounded for CP-SAT; the rounding error is discounted from the bound.
PRICE_SCALE = 100_000
#: A column enters the master when its reduced cost is below minus this.
ENTER_TOLERANCE = 1e-6
#: Subtracted from the bound before rounding up, against floating-point noise in the duals.
CEIL_TOLERANCE = 1e-6
#: Wentges smoothing: prices at ``alpha * centre + (1 - alpha) * master duals``.
SMOOTHING = 0.5

logger = logging.getLogger(__name__)

#: CP-SAT parameters of a pricing solve (tiny models: the fixed cost of a solve matters most).
PRICING_PARAMETERS: dict[str, object] = {}

#: Price by the exact dynamic programme of :mod:`.pricing_dp` (CP-SAT only where it gives up).
PRICING_DP = True
#: Rows the dynamic programme returns per call (the best ones, each ending in a different final state).
DP_COLUMNS = 4
#: Rows per employee and round in :func:`column_generation` (the root): fewer columns make each master LP cheaper
#: (GLOP's cost per pivot grows with the columns) for a few more rounds. Session 15, root alone, one process,
#: load 4-5: instance 12 converges in 5.0 CPU s with 2 (4.1 with 1) against 7.4 with 4; 13 in 56 (59) against 70-75.
ROOT_DP_COLUMNS = 2

#: Solver of the restricted master IP: "cp-sat" or a pywraplp MIP solver name ("SCIP", "CBC").
MASTER_IP_SOLVER = "SCIP"

#: Post the redundant run-length flow (exact LP hull of the run rules) in each pricing model.
PRICING_FLOW = False

#: Dive: a column with at least ``1 - DIVE_INTEGRAL`` weight counts as integral; this share of the fractional
#: employees (the heaviest) is fixed per dive step.
DIVE_INTEGRAL = 1e-3
DIVE_FRACTION = 0.25

Row = tuple[int, ...]
Duals = list[list[float]]
#: A branching decision on one employee's roster: (day, shift or ``OFF``, whether the roster has it).
Fixing = tuple[int, int, bool]


@dataclass(frozen=True, slots=True)
class ColumnGenerationResult:
    """The outcome of :func:`column_generation` (see the module docstring for every field)."""

    lower_bound: int | None
    bound: float | None
    lp_value: float | None
    converged: bool
    iterations: int
    columns: int
    assignment: Assignment | None
    objective: int | None
    elapsed: float
    pricing_solves: int = 0
    pricing_optimal: bool = False
    lp_seconds: float = 0.0
    lp_roster: Assignment | None = None


@dataclass(frozen=True, slots=True)
class Priced:
    """One pricing solve: lawful rows found (best last), a proven lower bound on ``min_r c_r - pi . a_r``,
    and whether the solve was optimal."""

    rows: tuple[Row, ...]
    bound: float
    optimal: bool


class _Collector(cp_model.CpSolverSolutionCallback):
    """Collects every improving solution of a pricing solve as a dense row."""

    def __init__(self, cells: list[tuple[int, int, cp_model.IntVar]], days: int) -> None:
        super().__init__()
        self._cells = cells
        self._days = days
        self.rows: list[Row] = []

    def on_solution_callback(self) -> None:
        row = [OFF] * self._days
        for d, s, var in self._cells:
            if self.boolean_value(var):
                row[d] = s
        self.rows.append(tuple(row))


class Pricer:
    """The pricing problem of one employee: the exact dynamic programme (:mod:`.pricing_dp`) first, else a
    single-employee CP-SAT model under every per-employee rule.

    The model comes from the shared builders (:class:`~.model.CurtoisModel` with only this employee free, and
    :func:`~.rules.post_rules`), so the rosters it returns obey exactly the rules the engine posts; the tests hold
    the programme to the same minimum.
    """

    def __init__(self, compiled: Compiled, e: int) -> None:
        self.compiled = compiled
        self.e = e
        # The CP-SAT model is built on first use: the dynamic programme prices almost every call, and building
        # 120 models took 6.7 of the first 25 s of instance 13's root (session 16, load 5).
        self._model: CurtoisModel | None = None
        self._cells: list[tuple[int, int, cp_model.IntVar]] | None = None
        self.hint: Row | None = None
        self._fixed_indices: list[int] = []
        self.fixings: tuple[Fixing, ...] = ()
        self.dp = DpPricer(compiled, e) if PRICING_DP else None

    @property
    def m(self) -> CurtoisModel:
        """The single-employee CP-SAT model (built on first access)."""
        if self._model is None:
            free: list[range | tuple[()]] = [()] * self.compiled.employees
            free[self.e] = range(self.compiled.days)
            model = CurtoisModel(self.compiled, free=free)
            post_rules(model)
            if PRICING_FLOW:
                sequence_flow(model, self.e, Span(tuple(range(self.compiled.days)), 0, self.compiled.days - 1))
            self._model = model
        return self._model

    @property
    def cells(self) -> list[tuple[int, int, cp_model.IntVar]]:
        """The model's shift variables as ``(day, shift, variable)``."""
        if self._cells is None:
            self._cells = [(d, s, var) for (_, d, s), var in self.m.x.items()]
        return self._cells

    def fix(self, fixings: Sequence[Fixing]) -> bool:
        """Restrict the pricing model to rosters that obey ``fixings`` (replacing earlier ones).

        Each fixing ``(day, shift, on)`` says whether the roster has ``shift`` (or ``OFF``) on ``day``; it is
        applied by narrowing a variable's domain, so the model is reused across branch-and-price nodes.
        Returns ``False`` when the fixings are impossible on their face (e.g. a shift on a fixed day off).
        """
        if self._model is None and not fixings:
            self.fixings = ()
            return True  # nothing to lift or narrow: the model stays unbuilt
        proto = self.m.model.proto
        for index in self._fixed_indices:
            proto.variables[index].domain[0] = 0
            proto.variables[index].domain[1] = 1
        self._fixed_indices = []
        self.fixings = tuple(fixings)
        possible = True
        for d, s, on in fixings:
            if s == OFF:
                var = self.m.w.get((self.e, d))
                value = 0 if on else 1  # "off on d" is "not working on d"
                if var is None:
                    possible = possible and on  # a fixed day off: never working there
                    continue
            else:
                var = self.m.x.get((self.e, d, s))
                value = 1 if on else 0
                if var is None:
                    possible = possible and not on
                    continue
            proto.variables[var.index].domain[0] = value
            proto.variables[var.index].domain[1] = value
            self._fixed_indices.append(var.index)
        return possible

    def accept(self, exact: DpPriced) -> Priced:
        """Turn the dynamic programme's answer under this pricer's fixings (priced here or in a
        :class:`~.pricing_dp.DpPool` process) into a :class:`Priced`.

        Raises
        ------
        DomainError
            When the employee has no lawful roster at all.
        """
        if math.isinf(exact.minimum):
            if self.fixings:
                return Priced((), math.inf, True)
            raise DomainError(f"employee {self.compiled.instance.employees[self.e].id} has no lawful roster")
        if exact.rows:
            self.hint = exact.rows[-1]
        # an exact minimum, less a hair for the floating-point sums
        return Priced(exact.rows, exact.minimum - 1e-9 * (1.0 + abs(exact.minimum)), True)

    def price(self, duals: Duals, *, time_limit: float, seed: int = 0, columns: int = DP_COLUMNS) -> Priced:
        """Return lawful rosters of least ``cost - duals . cover`` and a proven lower bound on that minimum.

        ``columns``: how many rows the dynamic programme returns at most (CP-SAT returns its improving ones).

        Raises
        ------
        DomainError
            When the employee has no lawful roster at all.
        """
        c = self.compiled
        if self.dp is not None:
            exact = self.dp.price(duals, self.fixings, columns=columns)
            if exact is not None:
                return self.accept(exact)
        request = c.request_cost[self.e]
        variables: list[cp_model.IntVar] = []
        coefficients: list[int] = []
        # Per day, the worst rounding error of any shift; the sum bounds the error of any roster (one shift a day).
        error = [0.0] * c.days
        relaxed = [0.0] * c.days  # per day, the cheapest option ignoring all sequence rules (fallback bound)
        for d, s, var in self.cells:
            value = request[d].get(s, 0) - duals[d][s]
            scaled = round(value * PRICE_SCALE)
            error[d] = max(error[d], abs(scaled - value * PRICE_SCALE))
            relaxed[d] = min(relaxed[d], value)
            if scaled:
                variables.append(var)
                coefficients.append(scaled)
        if time_limit <= 0:
            return Priced((), sum(relaxed), False)  # no time left: the rule-free bound only
        model = self.m.model
        model.minimize(cp_model.LinearExpr.weighted_sum(variables, coefficients))
        model.clear_hints()  # type: ignore[no-untyped-call]
        if self.hint is not None:
            for d, s, var in self.cells:
                model.add_hint(var, self.hint[d] == s)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        for name, setting in PRICING_PARAMETERS.items():
            setattr(solver.parameters, name, setting)
        collector = _Collector(self.cells, c.days)
        status = solver.solve(model, collector)
        if status == cp_model.INFEASIBLE:
            if self._fixed_indices:
                return Priced((), math.inf, True)  # no lawful roster obeys the branching fixings
            raise DomainError(f"employee {c.instance.employees[self.e].id} has no lawful roster")
        fallback = sum(relaxed)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = (solver.best_objective_bound - sum(error)) / PRICE_SCALE
            bound = max(fallback, proven)
        else:
            bound = fallback
        rows = tuple(collector.rows)
        if rows:
            self.hint = rows[-1]
        return Priced(rows, bound, status == cp_model.OPTIMAL)


class _Master:
    """The restricted master LP (GLOP), grown column by column."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self._build()
        self.columns: list[list[tuple[Row, int, pywraplp.Variable]]] = [[] for _ in range(compiled.employees)]
        self.known: set[tuple[int, Row]] = set()
        self.weights: list[dict[Row, float]] = [{} for _ in range(compiled.employees)]

    def _build(self) -> None:
        """Create the LP with its cover and convexity rows (no columns)."""
        c = self.compiled
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        if self.lp is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("GLOP is not available")
        infinity = self.lp.infinity()
        self.objective = self.lp.Objective()
        self.objective.SetMinimization()
        self.cover: list[list[pywraplp.Constraint]] = []
        for d in range(c.days):
            row = []
            for s in range(c.shifts):
                requirement = c.cover_requirement[d][s]
                constraint = self.lp.Constraint(requirement, requirement)
                under = self.lp.NumVar(0.0, infinity, f"u{d}_{s}")
                over = self.lp.NumVar(0.0, infinity, f"o{d}_{s}")
                constraint.SetCoefficient(under, 1.0)
                constraint.SetCoefficient(over, -1.0)
                self.objective.SetCoefficient(under, c.cover_under[d][s])
                self.objective.SetCoefficient(over, c.cover_over[d][s])
                row.append(constraint)
            self.cover.append(row)
        self.convexity = [self.lp.Constraint(1.0, 1.0) for _ in range(c.employees)]

    def _variable(self, e: int, row: Row, cost: int, upper: float) -> pywraplp.Variable:
        var = self.lp.NumVar(0.0, upper, "")
        self.objective.SetCoefficient(var, cost)
        self.convexity[e].SetCoefficient(var, 1.0)
        for d, s in enumerate(row):
            if s != OFF:
                self.cover[d][s].SetCoefficient(var, 1.0)
        return var

    def rebuild(self) -> None:
        """Build the LP afresh with the current columns and their upper bounds (no warm-start history)."""
        upper = [[var.ub() for _, _, var in columns] for columns in self.columns]
        self._build()
        self.columns = [
            [(row, cost, self._variable(e, row, cost, ub)) for (row, cost, _), ub in zip(columns, ubs, strict=True)]
            for e, (columns, ubs) in enumerate(zip(self.columns, upper, strict=True))
        ]

    def cost(self, e: int, row: Row) -> int:
        """Return the request cost of ``row`` for employee ``e`` (without the constant of granted-nothing)."""
        request = self.compiled.request_cost[e]
        return sum(request[d].get(s, 0) for d, s in enumerate(row) if s != OFF)

    def add(self, e: int, row: Row) -> bool:
        """Add ``row`` as a column of employee ``e``; return whether it was new."""
        if (e, row) in self.known:
            return False
        self.known.add((e, row))
        cost = self.cost(e, row)
        self.columns[e].append((row, cost, self._variable(e, row, cost, self.lp.infinity())))
        return True

    def solve(self) -> tuple[float, Duals, list[float]]:
        """Solve the LP; return its value, the cover duals and the convexity duals."""
        status = self.lp.Solve()
        if status == pywraplp.Solver.ABNORMAL:
            # GLOP can fail numerically when warm-started after many bound changes (seen deep in a
            # branch-and-price tree): solve once more from scratch before giving up
            from_scratch = pywraplp.MPSolverParameters()
            from_scratch.SetIntegerParam(
                pywraplp.MPSolverParameters.INCREMENTALITY, pywraplp.MPSolverParameters.INCREMENTALITY_OFF
            )
            status = self.lp.Solve(from_scratch)
        if status == pywraplp.Solver.ABNORMAL:
            # still failing (seen on instance 7's tree): a new LP with the same columns and bounds
            logger.warning("restricted master LP abnormal twice: rebuilt")
            self.rebuild()
            status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"restricted master LP status {status}")
        duals = [[constraint.dual_value() for constraint in row] for row in self.cover]
        self.weights = [{row: var.solution_value() for row, _, var in columns} for columns in self.columns]
        mu = [constraint.dual_value() for constraint in self.convexity]
        return self.objective.Value() + self.compiled.request_constant, duals, mu

    def rounded(self) -> Assignment:
        """Return, per employee, the column with the largest weight in the last LP solution."""
        return [
            list(max(columns, key=lambda column: weights.get(column[0], 0.0))[0])
            for columns, weights in zip(self.columns, self.weights, strict=True)
        ]

    def fix(self, e: int, row: Row) -> None:
        """Restrict employee ``e`` to the column ``row`` (a dive step)."""
        for column, _, var in self.columns[e]:
            var.SetUb(1.0 if column == row else 0.0)

    def release(self) -> None:
        """Undo every :meth:`fix`."""
        infinity = self.lp.infinity()
        for columns in self.columns:
            for _, _, var in columns:
                var.SetUb(infinity)

    @property
    def size(self) -> int:
        return len(self.known)


def _clip(compiled: Compiled, duals: Duals) -> Duals:
    """Clip duals into the dual-feasible box ``-over <= pi <= under`` of the slack variables."""
    under, over = compiled.cover_under, compiled.cover_over
    return [
        [min(float(under[d][s]), max(-float(over[d][s]), value)) for s, value in enumerate(row)]
        for d, row in enumerate(duals)
    ]


def smoothed(centre: Duals | None, lp_duals: Duals, alpha: float) -> Duals:
    """Wentges dual smoothing: price at ``alpha * centre + (1 - alpha) * lp_duals`` (the LP duals alone without a
    stability centre), which damps the oscillation of column generation's duals."""
    if centre is None or alpha <= 0:
        return lp_duals
    return [
        [alpha * kept + (1 - alpha) * new for kept, new in zip(row_c, row_n, strict=True)]
        for row_c, row_n in zip(centre, lp_duals, strict=True)
    ]


def _lagrangian(compiled: Compiled, duals: Duals, minima: Sequence[float]) -> float:
    """Return the Lagrangian bound at ``duals`` given per-employee lower bounds on ``min_r c_r - pi . a_r``."""
    fixed = sum(
        compiled.cover_requirement[d][s] * duals[d][s] for d in range(compiled.days) for s in range(compiled.shifts)
    )
    return compiled.request_constant + fixed + sum(minima)


def _ceil(value: float) -> int:
    return math.ceil(value - CEIL_TOLERANCE)


def lagrangian_bound(compiled: Compiled, duals: Duals, *, time_limit: float = 10.0) -> float:
    """Return a valid lower bound on the optimum from any cover duals (clipped into the dual-feasible box).

    Prices every employee at ``duals``; the result is the Lagrangian bound the column generation also uses.
    """
    clipped = _clip(compiled, duals)
    minima = [Pricer(compiled, e).price(clipped, time_limit=time_limit).bound for e in range(compiled.employees)]
    return _lagrangian(compiled, clipped, minima)


def _lawful(compiled: Compiled, e: int, row: Sequence[int]) -> bool:
    instance = compiled.instance
    shift_ids = [s.id for s in instance.shift_types]
    shifts = {d: shift_ids[s] for d, s in enumerate(row) if s != OFF}
    return next(check_employee(instance, instance.employees[e], shifts), None) is None


class _StopAtBound(cp_model.CpSolverSolutionCallback):
    """Stops the master IP as soon as it reaches the proven lower bound."""

    def __init__(self, lower_bound: int | None) -> None:
        super().__init__()
        self._lower_bound = lower_bound

    def on_solution_callback(self) -> None:
        if self._lower_bound is not None and self.objective_value <= self._lower_bound + 0.5:
            self.stop_search()


def _master_ip(
    master: _Master,
    *,
    time_limit: float,
    workers: int,
    hint: Assignment | None,
    lower_bound: int | None,
) -> Assignment | None:
    """Solve the restricted master as an integer programme over the generated columns (CP-SAT)."""
    c = master.compiled
    model = cp_model.CpModel()
    choice: list[list[tuple[Row, cp_model.IntVar]]] = []
    by_cell: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    terms: list[cp_model.IntVar] = []
    weights: list[int] = []
    for e, columns in enumerate(master.columns):
        mine: list[tuple[Row, cp_model.IntVar]] = []
        for row, cost, _ in columns:
            var = model.new_bool_var(f"y{e}_{len(mine)}")
            mine.append((row, var))
            if cost:
                terms.append(var)
                weights.append(cost)
            for d, s in enumerate(row):
                if s != OFF:
                    by_cell.setdefault((d, s), []).append(var)
        model.add_exactly_one(var for _, var in mine)
        choice.append(mine)
    for d in range(c.days):
        for s in range(c.shifts):
            requirement = c.cover_requirement[d][s]
            staff = by_cell.get((d, s), [])
            if c.cover_under[d][s] and requirement > 0:
                under = model.new_int_var(0, requirement, f"u{d}_{s}")
                model.add(under + sum(staff) >= requirement)
                terms.append(under)
                weights.append(c.cover_under[d][s])
            if c.cover_over[d][s] and len(staff) > requirement:
                over = model.new_int_var(0, len(staff) - requirement, f"o{d}_{s}")
                model.add(sum(staff) - over <= requirement)
                terms.append(over)
                weights.append(c.cover_over[d][s])
    model.minimize(cp_model.LinearExpr.weighted_sum(terms, weights) + c.request_constant)
    if hint is not None:
        for e, mine in enumerate(choice):
            for row, var in mine:
                model.add_hint(var, list(row) == list(hint[e]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = max(1, workers)
    status = solver.solve(model, _StopAtBound(lower_bound))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    result: Assignment = []
    for mine in choice:
        picked = next(row for row, var in mine if solver.boolean_value(var))
        result.append(list(picked))
    return result


def _master_mip(
    master: _Master,
    *,
    time_limit: float,
    hint: Assignment | None,
    solver_name: str = "SCIP",
) -> Assignment | None:
    """Solve the restricted master as a MIP over the generated columns with an LP-based solver (SCIP)."""
    c = master.compiled
    mip = pywraplp.Solver.CreateSolver(solver_name)
    if mip is None:
        return None
    infinity = mip.infinity()
    objective = mip.Objective()
    objective.SetMinimization()
    cover = []
    for d in range(c.days):
        row = []
        for s in range(c.shifts):
            requirement = c.cover_requirement[d][s]
            constraint = mip.Constraint(requirement, requirement)
            under = mip.NumVar(0.0, infinity, "")
            over = mip.NumVar(0.0, infinity, "")
            constraint.SetCoefficient(under, 1.0)
            constraint.SetCoefficient(over, -1.0)
            objective.SetCoefficient(under, c.cover_under[d][s])
            objective.SetCoefficient(over, c.cover_over[d][s])
            row.append(constraint)
        cover.append(row)
    choice: list[list[tuple[Row, pywraplp.Variable]]] = []
    hint_vars: list[pywraplp.Variable] = []
    hint_values: list[float] = []
    for e, columns in enumerate(master.columns):
        convexity = mip.Constraint(1.0, 1.0)
        mine: list[tuple[Row, pywraplp.Variable]] = []
        for column, cost, _ in columns:
            var = mip.BoolVar("")
            objective.SetCoefficient(var, cost)
            convexity.SetCoefficient(var, 1.0)
            for d, s in enumerate(column):
                if s != OFF:
                    cover[d][s].SetCoefficient(var, 1.0)
            mine.append((column, var))
            if hint is not None:
                hint_vars.append(var)
                hint_values.append(float(list(column) == list(hint[e])))
        choice.append(mine)
    if hint_vars:
        mip.SetHint(hint_vars, hint_values)
    mip.SetTimeLimit(int(max(0.05, time_limit) * 1000))
    status = mip.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    return [list(max(mine, key=lambda item: item[1].solution_value())[0]) for mine in choice]


def _as_assignments(initial: Assignment | Sequence[Assignment] | None) -> list[Assignment]:
    if not initial:
        return []
    first = initial[0]
    if first and isinstance(first[0], int):
        return [initial]  # type: ignore[list-item]
    return list(initial)  # type: ignore[arg-type]


def column_generation(
    instance_or_compiled: CurtoisInstance | Compiled,
    *,
    deadline: float,
    workers: int = 1,
    initial_rosters: Assignment | Sequence[Assignment] | None = None,
    master_ip_seconds: float = 3.0,
    max_pricing_seconds: float = 5.0,
    dive_seconds: float = 5.0,
) -> ColumnGenerationResult:
    """Run column generation until convergence or ``deadline``; see the module docstring for the result.

    Parameters
    ----------
    instance_or_compiled
        The instance, compiled or not.
    deadline
        A ``time.monotonic()`` value by which to return.
    workers
        Pricing threads (and CP-SAT workers of the master IP).
    initial_rosters
        Lawful rosters (dense assignments) to seed the master with; unlawful rows are skipped.
    master_ip_seconds
        Seconds kept at the end for the restricted master IP (0 skips it).
    max_pricing_seconds
        Time limit of one employee's pricing solve.
    dive_seconds
        Seconds kept (before the master IP) for the price-and-fix dive; it also gets any time the column
        generation leaves when it converges early (0 skips it).
    """
    start = time.monotonic()
    c = instance_or_compiled if isinstance(instance_or_compiled, Compiled) else compile_instance(instance_or_compiled)
    lp_deadline = deadline - master_ip_seconds - dive_seconds
    master = _Master(c)
    seeds = _as_assignments(initial_rosters)
    best_assignment: Assignment | None = None
    best_objective: int | None = None
    for assignment in seeds:
        lawful = True
        for e, seed_row in enumerate(assignment):
            if _lawful(c, e, seed_row):
                master.add(e, tuple(seed_row))
            else:
                lawful = False
        if lawful:
            value = c.objective(assignment)
            if best_objective is None or value < best_objective:
                best_assignment, best_objective = [list(r) for r in assignment], value
    pricers = [Pricer(c, e) for e in range(c.employees)]
    for e, pricer in enumerate(pricers):
        if master.columns[e]:
            pricer.hint = master.columns[e][-1][0]
    # The dynamic-programming pricer holds the GIL: threads would only contend (CP-SAT pricing releases it).
    exact_dp = all(pricer.dp is not None for pricer in pricers)
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 and not exact_dp else None
    solves = 0

    def price_all(
        duals: Duals, employees: Sequence[int] | None = None, until: float = lp_deadline
    ) -> list[Priced] | None:
        nonlocal solves
        remaining = until - time.monotonic()
        if remaining <= 0:
            return None
        chosen = pricers if employees is None else [pricers[e] for e in employees]
        solves += len(chosen)

        def one(pricer: Pricer) -> Priced:
            # The limit is taken per solve, so a round never overruns ``until`` by more than one small solve.
            return pricer.price(
                duals, time_limit=min(max_pricing_seconds, until - time.monotonic()), columns=ROOT_DP_COLUMNS
            )

        if pool is None:
            return [one(p) for p in chosen]
        return list(pool.map(one, chosen))

    def add_negative(employees: Sequence[int], priced: Sequence[Priced], duals: Duals, mu: Sequence[float]) -> int:
        """Add every priced row with a negative reduced cost at the master's ``duals``; return how many."""
        added = 0
        for e, result in zip(employees, priced, strict=True):
            for column in result.rows:
                reduced = master.cost(e, column) - mu[e]
                reduced -= sum(duals[d][s] for d, s in enumerate(column) if s != OFF)
                if reduced < -ENTER_TOLERANCE and master.add(e, column):
                    added += 1
        return added

    def dive(until: float) -> Assignment | None:
        """Price-and-fix: fix the employees whose LP column is (nearly) integral plus the heaviest fractional
        ones, re-price the others, repeat. A heuristic over a restricted LP: it never touches the bound."""
        fixed: dict[int, Row] = {}
        try:
            while len(fixed) < c.employees:
                _, duals, mu = master.solve()
                free = [e for e in range(c.employees) if e not in fixed]
                out_of_time = time.monotonic() >= until
                if not out_of_time and fixed:
                    priced = price_all(_clip(c, duals), free, until)
                    if priced is not None and add_negative(free, priced, _clip(c, duals), mu):
                        _, duals, mu = master.solve()
                picks = sorted(
                    ((max(master.weights[e].items(), key=lambda item: item[1]), e) for e in free),
                    key=lambda pick: -pick[0][1],
                )
                if out_of_time:
                    chosen = picks  # complete with the LP's heaviest columns
                else:
                    integral = [pick for pick in picks if pick[0][1] >= 1 - DIVE_INTEGRAL]
                    fractional = [pick for pick in picks if pick[0][1] < 1 - DIVE_INTEGRAL]
                    chosen = integral + fractional[: max(1, math.ceil(len(fractional) * DIVE_FRACTION))]
                for (row, _), e in chosen:
                    master.fix(e, row)
                    fixed[e] = row
            return [list(fixed[e]) for e in range(c.employees)]
        finally:
            master.release()

    best_bound: float | None = None
    centre: Duals | None = None
    lp_value: float | None = None
    iterations = 0
    converged = False
    last_optimal = False
    try:
        # First round at "everything under-covered" duals: a lawful column per employee, and a first bound.
        start_duals = _clip(c, [[float(c.cover_under[d][s]) for s in range(c.shifts)] for d in range(c.days)])
        priced = price_all(start_duals)
        if priced is not None:
            for e, result in enumerate(priced):
                for row in result.rows:
                    master.add(e, row)
            best_bound = _lagrangian(c, start_duals, [p.bound for p in priced])
            centre = start_duals
            last_optimal = all(p.optimal for p in priced)
        alpha = SMOOTHING
        while all(master.columns) and time.monotonic() < lp_deadline:
            lp_value, lp_duals, mu = master.solve()
            iterations += 1
            lp_duals = _clip(c, lp_duals)
            if best_bound is not None and math.ceil(best_bound - CEIL_TOLERANCE) >= math.ceil(
                lp_value - CEIL_TOLERANCE
            ):
                converged = True
                break
            duals = smoothed(centre, lp_duals, alpha)
            priced = price_all(duals)
            if priced is None:
                break
            last_optimal = all(p.optimal for p in priced)
            bound = _lagrangian(c, duals, [p.bound for p in priced])
            if best_bound is None or bound > best_bound:
                best_bound, centre = bound, duals
            added = add_negative(range(c.employees), priced, lp_duals, mu)
            if added == 0:
                if alpha > 0 and duals is not lp_duals:
                    alpha = 0.0  # mispricing: price at the master's own duals next
                    continue
                if last_optimal:
                    converged = True
                    break
            elif alpha == 0.0:
                alpha = SMOOTHING
        lp_seconds = time.monotonic() - start
        lp_roster = master.rounded() if lp_value is not None else None
        lower_bound = None if best_bound is None else _ceil(best_bound)
        improvable = best_objective is None or lower_bound is None or best_objective > lower_bound
        if dive_seconds > 0 and lp_value is not None and all(master.columns) and improvable:
            dived = dive(deadline - master_ip_seconds)
            if dived is not None:
                value = c.objective(dived)
                if best_objective is None or value < best_objective:
                    best_assignment, best_objective = dived, value
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    proven = best_objective is not None and lower_bound is not None and best_objective <= lower_bound
    if master_ip_seconds > 0 and all(master.columns) and not proven:
        ip_limit = max(0.05, deadline - time.monotonic())
        hint = best_assignment
        if lp_value is not None:
            # The LP's heaviest column per employee is a lawful roster: the IP's fallback and, lacking a seed, its hint.
            rounded = master.rounded()
            value = c.objective(rounded)
            if best_objective is None or value < best_objective:
                best_assignment, best_objective = rounded, value
            hint = hint if hint is not None else rounded
        if MASTER_IP_SOLVER == "cp-sat":
            solved = _master_ip(master, time_limit=ip_limit, workers=workers, hint=hint, lower_bound=lower_bound)
        else:
            solved = _master_mip(master, time_limit=ip_limit, hint=hint, solver_name=MASTER_IP_SOLVER)
        if solved is not None:
            value = c.objective(solved)
            if best_objective is None or value < best_objective:
                best_assignment, best_objective = solved, value
    return ColumnGenerationResult(
        lower_bound=lower_bound,
        bound=best_bound,
        lp_value=lp_value,
        converged=converged,
        iterations=iterations,
        columns=master.size,
        assignment=best_assignment,
        objective=best_objective,
        elapsed=time.monotonic() - start,
        pricing_solves=solves,
        pricing_optimal=last_optimal,
        lp_seconds=lp_seconds,
        lp_roster=lp_roster,
    )
