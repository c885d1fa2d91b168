"""The one door into the planning engine: :func:`solve`."""

from __future__ import annotations

from collections.abc import Iterable

from ressursbank.domain.plan import Pin, Plan
from ressursbank.domain.problem import Problem
from ressursbank.result import Result, SolveStatus
from ressursbank.solver.engine import run
from ressursbank.solver.params import PRESETS, Progress, SolveParams

__all__ = ["PRESETS", "Progress", "Result", "SolveParams", "SolveStatus", "solve"]


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    hint: Plan | None = None,
    pins: Iterable[Pin] = (),
    progress: Progress | None = None,
) -> Result:
    """Plan ``problem``: who works which need, lawfully and as well as the objective (docs/objective.md) allows.

    Parameters
    ----------
    problem
        The planning problem (organisation in a scenario, horizon, needs).
    params
        How to solve; ``SolveParams.preset("default")`` when omitted.
    hint
        The current plan: kept where it is good, and each change against it is counted (and costed).
    pins
        Confirmed assignments that must stay as they are.
    progress
        Called with ``(phase, best objective, bound, gap, fraction done)``.

    Returns
    -------
    Result
        Status, plan, objective by term, proven bound, gap, runtime and statistics. Never raises because a
        problem is infeasible: unmet needs are part of the plan and of the objective.
    """
    return run(problem, params or SolveParams.preset("default"), hint=hint, pins=pins, progress=progress)
