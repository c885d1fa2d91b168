"""Planning services: build a scenario's problem from the database, solve it, store the plan in one transaction.

These functions take a *session factory* where they may run in a worker process (solve jobs), and a session
where they run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ressursbank.checker.roster import check_plan
from ressursbank.db import repository
from ressursbank.domain import Plan, Problem, build_problem
from ressursbank.domain.plan import Pin
from ressursbank.solve import SolveParams, solve

logger = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One progress report of a running plan (read by the CLI's progress bar and the job worker)."""

    phase: str
    objective: int | None
    bound: int | None
    gap: float | None
    fraction: float
    elapsed: float
    message: str = ""


@dataclass(frozen=True, slots=True)
class PlanRunSummary:
    """The figures of a stored plan run, for the CLI's summary table and the job's result."""

    plan_id: str
    scenario_id: str
    status: str
    objective: int
    bound: int
    gap: float
    runtime_s: float
    assignments: int
    people_moved: int
    overtime_hours: float
    coverage: float
    critical_coverage: float
    unmet: int
    unmet_critical: int
    hard_violations: int
    terms: dict[str, int] = field(default_factory=dict)
    statistics: dict[str, Any] = field(default_factory=dict)


def load_problem(session: Session, *, scenario_id: str, weeks: int = 4, start: dt.date | None = None) -> Problem:
    """The stored organisation in the stored scenario ``scenario_id`` for ``weeks`` weeks from its start.

    Needs are the scenario's generated needs plus any imported needs in the horizon (imported ones win by id).
    """
    if not 1 <= weeks <= 8:
        raise ValueError(f"weeks must be between 1 and 8, got {weeks}")
    organisation = repository.load_organisation(session=session)
    scenario = repository.load_scenario(session=session, scenario_id=scenario_id)
    problem = build_problem(organisation, scenario, start=start, days=7 * weeks)
    imported = repository.load_needs(
        session=session, start=problem.horizon_start, end=problem.horizon_end - dt.timedelta(days=1)
    )
    if not imported:
        return problem
    units = problem.unit_by_id
    merged = {n.id: n for n in problem.needs}
    merged.update({n.id: n for n in imported if n.unit_id in units})
    return Problem(
        organisation=problem.organisation,
        horizon_start=problem.horizon_start,
        horizon_days=problem.horizon_days,
        needs=tuple(merged.values()),
        scenario_id=scenario_id,
    )


def latest_plan(session: Session, *, scenario_id: str) -> tuple[str, Plan] | None:
    """The newest stored plan of ``scenario_id`` as ``(plan_id, plan)``, or None."""
    stored = repository.latest_plan(session=session, scenario_id=scenario_id)
    return (stored.run.id, stored.plan) if stored is not None else None


def plan_scenario(
    session_factory: SessionFactory,
    *,
    scenario_id: str,
    weeks: int = 4,
    time_limit: float = 60.0,
    preset: str = "default",
    progress: Callable[[ProgressEvent], None] | None = None,
    use_latest_as_hint: bool = True,
    pins: tuple[Pin, ...] = (),
) -> PlanRunSummary:
    """Plan ``scenario_id``: load, solve (the latest plan is the hint), check, and store in one transaction.

    The previous plan is never touched: a crash or a kill before the final transaction leaves it intact.
    """
    started = time.monotonic()
    with session_factory() as session:
        problem = load_problem(session, scenario_id=scenario_id, weeks=weeks)
        previous = latest_plan(session, scenario_id=scenario_id) if use_latest_as_hint else None

    def report(phase: str, objective: int, bound: int, gap: float, fraction: float) -> None:
        if progress is not None:
            progress(
                ProgressEvent(
                    phase=phase,
                    objective=objective if objective > 0 or phase != "compile" else None,
                    bound=bound,
                    gap=gap,
                    fraction=fraction,
                    elapsed=time.monotonic() - started,
                    message=phase,
                )
            )

    params = SolveParams.preset(preset, time_limit_s=time_limit)
    hint = previous[1] if previous is not None else None
    result = solve(problem, params, hint=hint, pins=pins, progress=report)
    checked = check_plan(problem, result.plan, weights=params.weights, hint=hint)
    if checked.terms != result.terms:  # the engine and the independent checker must agree to the unit
        logger.error("engine objective %s differs from the checker's %s", result.terms, checked.terms)
    statistics: dict[str, Any] = dict(result.statistics)
    statistics.update(
        covered=checked.covered,
        demand=checked.demand,
        covered_critical=checked.covered_critical,
        demand_critical=checked.demand_critical,
        people_moved=checked.people_moved,
        overtime_minutes=checked.overtime_minutes,
        checker_terms=checked.terms,
        engine_terms=result.terms,
    )
    with session_factory() as session, session.begin():
        run = repository.save_plan(
            session=session,
            scenario_id=scenario_id,
            plan=result.plan,
            status=result.status.value,
            objective=float(result.objective),
            bound=float(result.bound),
            gap=result.gap,
            params={
                "weeks": weeks,
                "time_limit": time_limit,
                "preset": preset,
                "hint": previous[0] if previous else None,
            },
            statistics=statistics,
        )
    unmet_critical = sum(u.missing for u in checked.unmet if u.critical)
    return PlanRunSummary(
        plan_id=run.id,
        scenario_id=scenario_id,
        status=result.status.value,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        runtime_s=round(time.monotonic() - started, 2),
        assignments=len(result.plan.assignments),
        people_moved=checked.people_moved,
        overtime_hours=round(checked.overtime_minutes / 60, 1),
        coverage=checked.covered / checked.demand if checked.demand else 1.0,
        critical_coverage=checked.covered_critical / checked.demand_critical if checked.demand_critical else 1.0,
        unmet=sum(u.missing for u in checked.unmet),
        unmet_critical=unmet_critical,
        hard_violations=sum(1 for v in checked.violations if v.hard),
        terms=dict(result.terms),
        statistics=statistics,
    )
