"""CP-SAT engine for Timefold's employee-scheduling benchmark: greedy construction, then LNS over days x employees."""

from __future__ import annotations

from ressursbank.solver.timefold.search import Progress, SolveOutcome, solve_timefold

__all__ = ["Progress", "SolveOutcome", "solve_timefold"]
