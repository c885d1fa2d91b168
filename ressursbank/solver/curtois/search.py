"""Solve a Curtois instance: the engine (construction, full model with hint, LNS) and the plain baseline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ortools.sat.python import cp_model

from ressursbank.domain.curtois import CurtoisInstance
from ressursbank.solver.curtois.compile import Assignment, Compiled, compile_instance
from ressursbank.solver.curtois.construct import construct
from ressursbank.solver.curtois.lns import improve
from ressursbank.solver.curtois.model import CurtoisModel, Formulation
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.presets import apply_preset
from ressursbank.solver.curtois.rules import post_rules

logger = logging.getLogger(__name__)

Status = Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN"]
Method = Literal["engine", "baseline"]


@dataclass(frozen=True, slots=True)
class CurtoisParams:
    """How to solve: wall-time budget, CP-SAT workers, seed, and the method.

    ``full_model_max_vars``: the engine solves the monolithic model only up to this many shift variables and
    relies on construction + LNS above it. ``full_model_share``: the share of the remaining time given to the
    monolithic model before LNS takes over when it has not proved optimality; ``lns_first_share``: the share
    of the budget an LNS spends improving the constructed roster before the monolithic model starts from it.
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    method: Method = "engine"
    full_model_max_vars: int = 120_000
    lns_first_share: float = 0.3
    full_model_share: float = 1.0
    lns_sub_time_limit: float = 2.0


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress event: the phase and the best objective and bound known so far."""

    phase: str
    objective: int | None
    bound: float | None
    elapsed: float


@dataclass(frozen=True, slots=True)
class CurtoisSolution:
    """The outcome of a solve: status, best roster and its objective, the best proven bound, the runtime."""

    status: Status
    objective: int | None
    bound: float | None
    runtime: float
    roster: dict[str, dict[int, str]] = field(default_factory=dict)
    phases: tuple[str, ...] = ()


ProgressCallback = Callable[[Progress], None]


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, phase: str, start: float, progress: ProgressCallback) -> None:
        super().__init__()
        self.phase, self.start, self.progress = phase, start, progress

    def on_solution_callback(self) -> None:
        self.progress(
            Progress(
                self.phase,
                round(self.objective_value),
                self.best_objective_bound,
                time.monotonic() - self.start,
            )
        )


def _full_model(
    compiled: Compiled,
    *,
    formulation: Formulation,
    preset: str,
    time_limit: float,
    workers: int,
    seed: int,
    hint: Assignment | None,
    phase: str,
    start: float,
    progress: ProgressCallback | None,
) -> tuple[Status, Assignment | None, float | None]:
    m = CurtoisModel(compiled, formulation=formulation)
    post_rules(m)
    add_objective(m)
    if hint is not None:
        m.add_hint(hint)
    solver = cp_model.CpSolver()
    apply_preset(solver, preset, time_limit=time_limit, workers=workers, seed=seed)
    callback = _Reporter(phase, start, progress) if progress is not None else None
    status = solver.solve(m.model, callback)
    name: Status = {
        cp_model.OPTIMAL: "OPTIMAL",
        cp_model.FEASIBLE: "FEASIBLE",
        cp_model.INFEASIBLE: "INFEASIBLE",
    }.get(status, "UNKNOWN")  # type: ignore[assignment]
    if name in ("OPTIMAL", "FEASIBLE"):
        return name, m.extract(solver), solver.best_objective_bound
    return name, None, None


def solve_curtois(
    instance: CurtoisInstance, params: CurtoisParams | None = None, *, progress: ProgressCallback | None = None
) -> CurtoisSolution:
    """Solve ``instance`` within ``params.time_limit`` seconds.

    Parameters
    ----------
    instance
        The benchmark instance.
    params
        Budget, workers, seed and method (``"engine"`` or the plain monolithic ``"baseline"``).
    progress
        Called on each improving solution.

    Returns
    -------
    CurtoisSolution
        Never raises on infeasibility: the status says what was found; ``bound`` is the best proven lower
        bound, or ``None`` when no monolithic model was solved.
    """
    params = params or CurtoisParams()
    start = time.monotonic()
    deadline = start + params.time_limit
    compiled = compile_instance(instance)

    def report(phase: str, value: int | None, bound: float | None) -> None:
        if progress is not None:
            progress(Progress(phase, value, bound, time.monotonic() - start))

    if params.method == "baseline":
        plain_status, plain_found, plain_bound = _full_model(
            compiled,
            formulation="plain",
            preset="baseline",
            time_limit=max(0.01, deadline - time.monotonic()),
            workers=params.workers,
            seed=params.seed,
            hint=None,
            phase="baseline",
            start=start,
            progress=progress,
        )
        return _solution(compiled, plain_status, plain_found, plain_bound, start, ("baseline",))

    phases: list[str] = []
    best: Assignment | None = None
    bound: float | None = None
    status: Status = "UNKNOWN"
    size = sum(len(cell) for row in compiled.allowed for cell in row)
    full = size <= params.full_model_max_vars
    # Small models: the construction only seeds the hint, so it gets a small slice of the budget.
    build_share = 0.1 if full else 0.35
    best = construct(compiled, deadline=start + build_share * params.time_limit, seed=params.seed)
    if best is not None:
        phases.append("construct")
        status = "FEASIBLE"
        report("construct", compiled.objective(best), None)
    if full and best is not None and params.lns_first_share > 0:
        phases.append("lns")
        best, stats = improve(
            compiled,
            best,
            deadline=start + params.lns_first_share * params.time_limit,
            workers=params.workers,
            seed=params.seed,
            sub_time_limit=params.lns_sub_time_limit,
            on_improvement=lambda value: report("lns", value, None),
        )
        logger.info("lns first: %d iterations, %d improvements", stats.iterations, stats.improvements)
    if full:
        remaining = deadline - time.monotonic()
        share = 1.0 if best is None else params.full_model_share
        full_status, found, bound = _full_model(
            compiled,
            formulation="engine",
            preset="full",
            time_limit=remaining * share,
            workers=params.workers,
            seed=params.seed,
            hint=best,
            phase="full",
            start=start,
            progress=progress,
        )
        phases.append("full")
        if full_status == "INFEASIBLE":
            return _solution(compiled, "INFEASIBLE", None, None, start, tuple(phases))
        if found is not None and (best is None or compiled.objective(found) <= compiled.objective(best)):
            best = found
        if full_status == "OPTIMAL":
            return _solution(compiled, "OPTIMAL", best, bound, start, tuple(phases))
        if best is not None:
            status = "FEASIBLE"
    if best is not None and deadline - time.monotonic() > 0.1:
        phases.append("lns")
        best, stats = improve(
            compiled,
            best,
            deadline=deadline,
            workers=params.workers,
            seed=params.seed,
            sub_time_limit=params.lns_sub_time_limit,
            on_improvement=lambda value: report("lns", value, bound),
        )
        logger.info("lns: %d iterations, %d improvements", stats.iterations, stats.improvements)
    if best is not None and bound is not None and compiled.objective(best) <= bound + 1e-6:
        status = "OPTIMAL"
    return _solution(compiled, status, best, bound, start, tuple(phases))


def _solution(
    compiled: Compiled,
    status: Status,
    assignment: Assignment | None,
    bound: float | None,
    start: float,
    phases: tuple[str, ...],
) -> CurtoisSolution:
    if assignment is None:
        return CurtoisSolution(status, None, bound, time.monotonic() - start, {}, phases)
    return CurtoisSolution(
        status,
        compiled.objective(assignment),
        bound,
        time.monotonic() - start,
        compiled.to_roster(assignment),
        phases,
    )
