"""The result of a solve: status, plan, objective by term, proven bound, gap, runtime and statistics."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ressursbank.domain.plan import Plan


class SolveStatus(enum.StrEnum):
    """How good the returned plan is known to be."""

    #: The plan is proven optimal (objective equals the bound).
    OPTIMAL = "optimal"
    #: A lawful plan was found; the gap says how far from optimal it can be at most.
    FEASIBLE = "feasible"
    #: No lawful plan could be built (only with pins that break hard rules); the plan returned is the best effort.
    INFEASIBLE = "infeasible"
    #: Nothing could be said within the limits (for example the model did not fit the time budget).
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Result:
    """What :func:`ressursbank.solve.solve` returns; it never raises on infeasibility.

    Attributes
    ----------
    status
        See :class:`SolveStatus`.
    plan
        The best plan found (empty when none).
    terms
        The objective by term, in the documented order (docs/objective.md).
    bound
        A proven lower bound on the objective of any lawful plan (0 when nothing better is known).
    runtime_s
        Wall time of the solve.
    statistics
        Counts and timings per phase (people moved, overtime minutes, coverage, sub-solves, ...).
    hard_violations
        Hard-rule violations the independent checker found in ``plan`` (always 0 unless pins break rules).
    """

    status: SolveStatus
    plan: Plan
    terms: dict[str, int]
    bound: int
    runtime_s: float
    statistics: dict[str, float | int | str] = field(default_factory=dict)
    hard_violations: int = 0

    @property
    def objective(self) -> int:
        return sum(self.terms.values())

    @property
    def gap(self) -> float:
        """Relative gap ``(objective - bound) / objective`` (0 when both are 0)."""
        if self.objective <= 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / self.objective)
