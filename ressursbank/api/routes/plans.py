"""Solve jobs (start, watch, cancel), the current plan, its assignments, explanations and differences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from ressursbank.api.deps import StateDep
from ressursbank.api.pagination import Page, PageQuery, page_of, sort_and_page
from ressursbank.api.problems import ProblemError
from ressursbank.api.routes.organisation import assignment_public, check_day
from ressursbank.api.schemas import (
    AssignmentPublic,
    Explanation,
    JobCreate,
    JobPublic,
    PinKey,
    PinsCreate,
    PinsPublic,
    PlanDiffPublic,
    PlanPublic,
)
from ressursbank.api.security import require
from ressursbank.db.repo_app import JobRecord, add_pins, get_job, list_jobs, list_pins, remove_pins
from ressursbank.services import queries
from ressursbank.services.jobs import JobRequest
from ressursbank.services.policy import Role, User

router = APIRouter(tags=["plans"])
PlanReader = Annotated[User, Depends(require("plan:read"))]
PlanWriter = Annotated[User, Depends(require("plan:write"))]
ScenarioId = Annotated[str, Path(max_length=120, description="Scenario id", examples=["covid-2020-03"])]
JobId = Annotated[str, Path(max_length=64, description="Job id")]
PlanId = Annotated[str, Path(max_length=120, description="Plan id")]
IdQuery = Annotated[str, Query(max_length=120)]


def job_public(job: JobRecord) -> JobPublic:
    return JobPublic(
        id=job.id,
        scenario_id=job.scenario_id,
        status=job.status,
        progress=job.progress,
        message=job.message,
        best_objective=job.best_objective,
        bound=job.bound,
        gap=job.gap,
        plan_id=job.plan_id,
        previous_plan_id=job.previous_plan_id,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def start_job(state: StateDep, scenario_id: str, body: JobCreate, user: User) -> JobRecord:
    """Create and spawn a solve job for a stored scenario."""
    with state.read() as session:
        queries.load_scenario(session, scenario_id)  # 404 if unknown
        runs = queries.plan_runs(session, scenario_id, limit=1)
    assert state.jobs is not None
    return state.jobs.start(
        JobRequest(scenario_id=scenario_id, weeks=body.weeks, time_limit=body.time_limit, preset=body.preset),
        created_by=user.username,
        previous_plan_id=runs[0].id if runs else None,
    )


@router.post(
    "/scenarios/{scenario_id}/jobs",
    response_model=JobPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
def create_solve_job(scenario_id: ScenarioId, body: JobCreate, state: StateDep, user: PlanWriter) -> JobPublic:
    """Start solving the scenario in a worker process; poll the job for progress, bound and gap."""
    return job_public(start_job(state, scenario_id, body, user))


@router.get("/jobs", response_model=list[JobPublic])
def list_solve_jobs(
    state: StateDep,
    user: PlanReader,
    scenario: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobPublic]:
    """Solve jobs, newest first."""
    with state.read() as session:
        return [job_public(j) for j in list_jobs(session, scenario_id=scenario, limit=limit)]


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_solve_job(job_id: JobId, state: StateDep, user: PlanReader) -> JobPublic:
    """A job's status, progress, best objective so far, bound and gap."""
    with state.read() as session:
        job = get_job(session, job_id=job_id)
    if job is None:
        raise ProblemError(404, f"job {job_id!r} does not exist")
    if not job.active:
        state.refresh()  # a finished job may have stored a new plan
    return job_public(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobPublic)
def cancel_solve_job(job_id: JobId, state: StateDep, user: PlanWriter) -> JobPublic:
    """Stop a running job at once (its worker is killed; the previous plan stays as it was)."""
    assert state.jobs is not None
    return job_public(state.jobs.cancel(job_id))


@router.get("/scenarios/{scenario_id}/plan", response_model=PlanPublic)
def get_current_plan(scenario_id: ScenarioId, state: StateDep, user: PlanReader) -> PlanPublic:
    """The scenario's current (latest) plan in figures."""
    snap = state.snapshot(scenario_id)
    f = snap.figures
    return PlanPublic(
        plan_id=snap.plan_id,
        scenario_id=scenario_id,
        assignments=len(snap.plan.assignments),
        people_redeployed=f.people_redeployed,
        hours_moved=round(f.hours_moved, 1),
        coverage_pct=f.coverage_horizon,
        critical_coverage_pct=f.critical_coverage_horizon,
        open_person_shifts=f.open_person_shifts,
    )


@router.get("/plans/{plan_id}/assignments", response_model=Page[AssignmentPublic])
def list_plan_assignments(
    plan_id: PlanId,
    state: StateDep,
    user: PlanReader,
    page: PageQuery,
    scenario: Annotated[str, Query(max_length=120, description="Scenario of the plan")],
    employee: IdQuery = "",
    unit: IdQuery = "",
    day: Annotated[dt.date | None, Query()] = None,
    redeployed_only: Annotated[bool, Query(description="Only shifts away from the home unit")] = False,
) -> Page[AssignmentPublic]:
    """A stored plan's assignments, filtered by person, unit, day; managers see their units only."""
    if day is not None:
        check_day(day)
    snap = state.snapshot(scenario, plan_id=plan_id)
    home = snap.problem.home_unit_of
    items = [
        a
        for a in snap.plan.assignments
        if (not employee or a.employee_id == employee)
        and (not unit or a.unit_id == unit)
        and (day is None or a.start.date() == day)
        and (not redeployed_only or home.get(a.employee_id) != a.unit_id)
        and (user.role is Role.HR or a.unit_id in user.unit_ids or home.get(a.employee_id) in user.unit_ids)
    ]
    cut, total = sort_and_page(
        items,
        page,
        sort_keys={
            "start": lambda a: (a.start, a.need_id, a.employee_id),
            "unit": lambda a: (a.unit_id, a.start),
            "employee": lambda a: (a.employee_id, a.start),
        },
        default="start",
    )
    return page_of([assignment_public(a) for a in cut], total, page)


@router.get("/plans/{plan_id}/diff", response_model=PlanDiffPublic)
def get_plan_diff(
    plan_id: PlanId,
    state: StateDep,
    user: Annotated[User, Depends(require("plan:write"))],
    scenario: Annotated[str, Query(max_length=120)],
    against: Annotated[str | None, Query(max_length=120, description="Earlier plan (default: the one before)")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> PlanDiffPublic:
    """What changed between a plan and an earlier one: assignments added and removed."""
    snap = state.snapshot(scenario, plan_id=plan_id)
    with state.read() as session:
        if against is None:
            runs = queries.plan_runs(session, scenario, limit=50)
            ids = [r.id for r in runs]
            against = ids[ids.index(plan_id) + 1] if plan_id in ids and ids.index(plan_id) + 1 < len(ids) else None
        previous = queries.load_plan(session, against) if against else None
    diff = queries.Snapshot.diff(previous, snap.plan)
    return PlanDiffPublic(
        plan_id=plan_id,
        against=against,
        added=[assignment_public(a) for a in diff.added[:limit]],
        removed=[assignment_public(a) for a in diff.removed[:limit]],
        people_changed=diff.people_changed,
    )


@router.get("/plans/{plan_id}/explanations/{employee_id}/{need_id}", response_model=Explanation)
def get_explanation(
    plan_id: PlanId,
    employee_id: Annotated[str, Path(max_length=120)],
    need_id: Annotated[str, Path(max_length=200)],
    state: StateDep,
    user: PlanReader,
    scenario: Annotated[str, Query(max_length=120)],
    lang: Annotated[str, Query(pattern="^(nb|en)$")] = "nb",
) -> Explanation:
    """Why this person was chosen for this shift, in words."""
    snap = state.snapshot(scenario, plan_id=plan_id)
    match = next((a for a in snap.by_employee.get(employee_id, []) if a.need_id == need_id), None)
    if match is None:
        raise ProblemError(404, f"plan {plan_id} has no assignment of {employee_id!r} to {need_id!r}")
    if (
        user.role is not Role.HR
        and match.unit_id not in user.unit_ids
        and snap.problem.home_unit_of.get(employee_id) not in user.unit_ids
    ):
        raise ProblemError(404, f"plan {plan_id} has no assignment of {employee_id!r} to {need_id!r}")
    return Explanation(employee_id=employee_id, need_id=need_id, reasons=snap.why(match, lang))


@router.get("/scenarios/{scenario_id}/pins", response_model=PinsPublic)
def list_scenario_pins(scenario_id: ScenarioId, state: StateDep, user: PlanReader) -> PinsPublic:
    """Assignments pinned by hand: the next solve keeps them (accepted offers are kept as well)."""
    with state.read() as session:
        queries.load_scenario(session, scenario_id)
        keys = list_pins(session, scenario_id=scenario_id)
    return PinsPublic(scenario_id=scenario_id, pins=[PinKey(employee_id=e, need_id=n) for e, n in keys])


@router.post("/scenarios/{scenario_id}/pins", response_model=PinsPublic, status_code=status.HTTP_201_CREATED)
def create_scenario_pins(scenario_id: ScenarioId, body: PinsCreate, state: StateDep, user: PlanWriter) -> PinsPublic:
    """Pin assignments of the current plan (each must be in it: 422 otherwise)."""
    snap = state.snapshot(scenario_id)
    current = {a.key for a in snap.plan.assignments}
    missing = [p for p in body.pins if (p.employee_id, p.need_id) not in current]
    if missing:
        raise ProblemError(
            422, f"not in the current plan: {missing[0].employee_id} / {missing[0].need_id}", title="Invalid request"
        )
    with state.write() as session:
        add_pins(
            session,
            scenario_id=scenario_id,
            keys=[(p.employee_id, p.need_id) for p in body.pins],
            created_by=user.username,
        )
        keys = list_pins(session, scenario_id=scenario_id)
    return PinsPublic(scenario_id=scenario_id, pins=[PinKey(employee_id=e, need_id=n) for e, n in keys])


@router.delete("/scenarios/{scenario_id}/pins/{employee_id}", response_model=PinsPublic)
def delete_scenario_pins(
    scenario_id: ScenarioId,
    employee_id: Annotated[str, Path(max_length=120)],
    state: StateDep,
    user: PlanWriter,
) -> PinsPublic:
    """Unpin every shift of one person."""
    with state.write() as session:
        queries.load_scenario(session, scenario_id)
        if not remove_pins(session, scenario_id=scenario_id, employee_id=employee_id):
            raise ProblemError(404, f"{employee_id!r} has no pinned shifts in {scenario_id!r}")
        keys = list_pins(session, scenario_id=scenario_id)
    return PinsPublic(scenario_id=scenario_id, pins=[PinKey(employee_id=e, need_id=n) for e, n in keys])
