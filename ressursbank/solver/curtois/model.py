"""The CP-SAT model of a Curtois instance, or of a neighbourhood of it (the rest fixed to a known roster).

One builder serves the monolithic model (every cell free), the heuristic (one employee free) and the LNS
(some employees and days free). A cell is an (employee, day) pair; a fixed cell contributes constants, so the
rule builders in :mod:`.rules` work unchanged on any neighbourhood and only emit constraints that touch a free
cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from ressursbank.solver.curtois.compile import OFF, Assignment, Compiled

Formulation = Literal["engine", "plain"]
#: A Boolean in the model: a CP-SAT literal, or a constant 0/1 for a fixed cell.
Bit = cp_model.IntVar | int

#: The domain of every Boolean: one shared object, so a variable costs no new domain (the LNS builds thousands).
_BOOLEAN = Domain(0, 1)


@dataclass(frozen=True, slots=True)
class Span:
    """The free days of one employee: ``days`` (sorted) and their first and last day."""

    days: tuple[int, ...]
    first: int
    last: int


class CurtoisModel:
    """A CP-SAT model over the free cells of a compiled instance.

    Parameters
    ----------
    compiled
        The compiled instance.
    fixed
        The roster that fixes every cell that is not free (defaults to all off).
    free
        For each employee, the free days (an empty collection fixes the employee); ``None`` frees every cell.
    formulation
        ``"engine"`` (strong clause and grouped encodings) or ``"plain"`` (textbook linear encodings).
    """

    def __init__(
        self,
        compiled: Compiled,
        *,
        fixed: Assignment | None = None,
        free: Sequence[Iterable[int]] | None = None,
        formulation: Formulation = "engine",
    ) -> None:
        self.compiled = compiled
        self.formulation: Formulation = formulation
        self.fixed = fixed if fixed is not None else compiled.empty()
        self.model = cp_model.CpModel()
        self._proto = self.model.proto
        all_days = tuple(range(compiled.days))
        self.spans: list[Span | None] = []
        for e in range(compiled.employees):
            days = all_days if free is None else tuple(sorted(set(free[e])))
            self.spans.append(Span(days, days[0], days[-1]) if days else None)
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.w: dict[tuple[int, int], cp_model.IntVar] = {}
        self.weekend_flags: dict[tuple[int, int], cp_model.IntVar] = {}
        self.cover_slacks: list[tuple[int, int, cp_model.IntVar, bool]] = []
        self.objective_constant = 0
        self.objective_expression: cp_model.LinearExprT | None = None
        self.by_cover: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        self._free_sets = [set(span.days) if span else set() for span in self.spans]
        for e, span in enumerate(self.spans):
            if span is None:
                continue
            for d in span.days:
                allowed = compiled.allowed[e][d]
                if not allowed:
                    continue
                xs = []
                for s in allowed:
                    var = self.new_bool()
                    self.x[e, d, s] = var
                    self.by_cover.setdefault((d, s), []).append(var)
                    xs.append(var)
                work = self.new_bool()
                self.w[e, d] = work
                if formulation == "engine":
                    self.model.add_exactly_one([work.Not(), *xs])
                else:
                    self.model.add_at_most_one(xs)
                    self.model.add(work == sum(xs))

    def new_bool(self) -> cp_model.IntVar:
        """Return a new unnamed Boolean: half the cost of ``CpModel.new_bool_var`` (no name, shared domain)."""
        return cp_model.IntVar(self._proto).with_domain(_BOOLEAN)

    # -- cells ---------------------------------------------------------------------------------------------
    def is_free(self, e: int, d: int) -> bool:
        """Return whether cell (e, d) is free in this model."""
        return d in self._free_sets[e]

    def shift(self, e: int, d: int, s: int) -> Bit:
        """Return the literal 'e works s on d', or its constant value for a fixed or impossible cell."""
        if d in self._free_sets[e]:
            return self.x.get((e, d, s), 0)
        return int(self.fixed[e][d] == s)

    def shift_bits(self, e: int, d: int, shifts: Iterable[int]) -> list[Bit]:
        """Return the literals 'e works s on d' for ``shifts``, dropping constant zeros (for at-most-ones)."""
        if d in self._free_sets[e]:
            x = self.x
            return [var for s in shifts if (var := x.get((e, d, s))) is not None]
        fixed = self.fixed[e][d]
        return [1] if fixed != OFF and fixed in shifts else []

    def work(self, e: int, d: int) -> Bit:
        """Return the literal 'e works on d', or its constant value for a fixed or impossible cell."""
        if d in self._free_sets[e]:
            return self.w.get((e, d), 0)
        return int(self.fixed[e][d] != OFF)

    def fixed_counts(self, e: int) -> list[int]:
        """Return, per shift type, how often employee ``e`` works it on the fixed (not free) days."""
        counts = [0] * self.compiled.shifts
        free = self._free_sets[e]
        for d, s in enumerate(self.fixed[e]):
            if s != OFF and d not in free:
                counts[s] += 1
        return counts

    # -- constraint helpers that fold constants ------------------------------------------------------------
    def add_at_most_one(self, bits: Iterable[Bit]) -> None:
        """Post 'at most one of ``bits`` is true', folding constants."""
        ones = 0
        variables: list[cp_model.IntVar] = []
        for bit in bits:
            if isinstance(bit, int):
                ones += bit
            else:
                variables.append(bit)
        if ones >= 1:
            for var in variables:
                self.model.add(var == 0)
        elif len(variables) > 1:
            self.model.add_at_most_one(variables)

    def add_clause(self, positive: Iterable[Bit], negative: Iterable[Bit]) -> None:
        """Post 'some of ``positive`` is true or some of ``negative`` is false', folding constants."""
        literals: list[cp_model.LiteralT] = []
        pos_vars: list[cp_model.IntVar] = []
        neg_vars: list[cp_model.IntVar] = []
        for bit in positive:
            if isinstance(bit, int):
                if bit:
                    return
            else:
                literals.append(bit)
                pos_vars.append(bit)
        for bit in negative:
            if isinstance(bit, int):
                if not bit:
                    return
            else:
                literals.append(bit.Not())
                neg_vars.append(bit)
        if not literals:
            return  # every cell fixed: the fixed roster is already lawful here
        if self.formulation == "engine":
            self.model.add_bool_or(literals)
        else:
            self.model.add(sum(pos_vars) + sum(1 - v for v in neg_vars) >= 1)

    def add_sum(self, terms: Iterable[tuple[int, Bit]], lower: int | None, upper: int | None) -> None:
        """Post ``lower <= sum(coef * bit) <= upper``, folding constants; skipped when nothing is free."""
        constant = 0
        linear: list[tuple[int, cp_model.IntVar]] = []
        for coef, bit in terms:
            if isinstance(bit, int):
                constant += coef * bit
            else:
                linear.append((coef, bit))
        if not linear:
            return
        top = sum(c for c, _ in linear if c > 0)
        bottom = sum(c for c, _ in linear if c < 0)
        binding_above = upper is not None and constant + top > upper
        binding_below = lower is not None and constant + bottom < lower
        if not (binding_above or binding_below):
            return  # no assignment of the free cells can break it (e.g. a window with a fixed day off)
        expr = cp_model.LinearExpr.weighted_sum([v for _, v in linear], [c for c, _ in linear])
        if binding_above and upper is not None:
            self.model.add(expr <= upper - constant)
        if binding_below and lower is not None:
            self.model.add(expr >= lower - constant)

    # -- hints and solutions -------------------------------------------------------------------------------
    def add_hint(self, assignment: Sequence[Sequence[int]]) -> None:
        """Hint every variable of the model from the full roster ``assignment``."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        # Written to the proto in bulk: ``CpModel.add_hint`` per variable costs ten times as much in Python.
        variables: list[int] = []
        values: list[int] = []
        for (e, d, s), var in self.x.items():
            variables.append(var.index)
            values.append(int(assignment[e][d] == s))
        for (e, d), var in self.w.items():
            variables.append(var.index)
            values.append(int(assignment[e][d] != OFF))
        for (e, first), var in self.weekend_flags.items():
            variables.append(var.index)
            values.append(int(any(assignment[e][d] != OFF for d in (first, first + 1) if d < len(assignment[e]))))
        # Count the cover only on the days that have a slack (a window of a year-long roster, not the year).
        count: dict[tuple[int, int], int] = {}
        for d in sorted({d for d, _, _, _ in self.cover_slacks}):
            for row in assignment:
                s = row[d]
                if s != OFF:
                    count[d, s] = count.get((d, s), 0) + 1
        for d, s, var, is_under in self.cover_slacks:
            gap = count.get((d, s), 0) - self.compiled.cover_requirement[d][s]
            variables.append(var.index)
            values.append(max(0, -gap) if is_under else max(0, gap))
        hint = self.model.proto.solution_hint
        hint.vars.extend(variables)
        hint.values.extend(values)

    def extract(self, solver: cp_model.CpSolver) -> Assignment:
        """Return the full assignment: solver values on free cells, the fixed roster elsewhere."""
        result = [row[:] for row in self.fixed]
        for e, span in enumerate(self.spans):
            if span is not None:
                for d in span.days:
                    result[e][d] = OFF
        for (e, d, s), var in self.x.items():
            if solver.boolean_value(var):
                result[e][d] = s
        return result
