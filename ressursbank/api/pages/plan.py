"""Pages: plan a scenario (start a solve, watch progress), read proposals and why, override, diff."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ressursbank.api.deps import ScenarioQuery, StateDep
from ressursbank.api.i18n import negotiate
from ressursbank.api.problems import ProblemError
from ressursbank.api.routes.plans import start_job
from ressursbank.api.schemas import JobCreate
from ressursbank.api.security import require
from ressursbank.api.templating import render
from ressursbank.db.repo_app import add_pins, get_job, list_jobs, list_pins, remove_pins
from ressursbank.domain import Assignment, Plan
from ressursbank.services import audit, queries
from ressursbank.services.jobs import job_seconds
from ressursbank.services.policy import Role, User
from ressursbank.services.queries import Snapshot

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, Depends(require("plan:read"))]
Writer = Annotated[User, Depends(require("plan:write"))]
MAX_PROPOSALS = 150


def proposals(snap: Snapshot, user: User) -> list[tuple[str, list[Assignment]]]:
    """Redeployments in the plan grouped by person (managers: only those touching their units)."""
    home = snap.problem.home_unit_of
    groups: dict[str, list[Assignment]] = defaultdict(list)
    for a in snap.plan.assignments:
        if home.get(a.employee_id) == a.unit_id:
            continue
        if user.role is not Role.HR and a.unit_id not in user.unit_ids and home.get(a.employee_id) not in user.unit_ids:
            continue
        groups[a.employee_id].append(a)
    return sorted(groups.items(), key=lambda kv: (kv[1][0].start, kv[0]))[:MAX_PROPOSALS]


@router.get("/plan", response_class=HTMLResponse, name="page_plan")
def page_plan(request: Request, state: StateDep, user: Reader, scenario: ScenarioQuery = None) -> Response:
    """The plan of a scenario: start a solve, proposals with reasons, difference to the previous plan."""
    snap = state.snapshot(scenario)
    if snap.scenario is None:
        raise ProblemError(404, "there is no scenario yet; declare one first")
    with state.read() as session:
        jobs = list_jobs(session, scenario_id=snap.scenario.id, limit=5)
        runs = queries.plan_runs(session, snap.scenario.id, limit=2)
        previous = queries.load_plan(session, runs[1].id) if len(runs) > 1 else None
        pinned = {e for e, _ in list_pins(session, scenario_id=snap.scenario.id)}
    diff = Snapshot.diff(previous, snap.plan) if previous is not None else None
    running = next((j for j in jobs if j.active), None)
    lang = negotiate(request)
    return render(
        request,
        "pages/plan.html",
        {
            "title": "Plan",
            "snap": snap,
            "scenario_id": snap.scenario.id,
            "scenario_name": snap.scenario.name_nb if lang == "nb" else snap.scenario.name_en,
            "jobs": jobs,
            "running": running,
            "runs": runs,
            "proposals": proposals(snap, user),
            "pinned": pinned,
            "diff": diff,
            "can_write": user.role is Role.HR,
            "job_seconds": job_seconds,
        },
    )


@router.post("/plan/jobs", response_class=HTMLResponse, name="page_start_job")
def page_start_job(
    request: Request,
    state: StateDep,
    user: Writer,
    scenario: Annotated[str, Form(max_length=120)],
    weeks: Annotated[int, Form(ge=1, le=6)] = 4,
    time_limit: Annotated[float, Form(gt=0, le=3600)] = 30.0,
) -> Response:
    """Start a solve; htmx swaps in the progress panel, which then polls."""
    job = start_job(state, scenario, JobCreate(weeks=weeks, time_limit=time_limit), user)
    if request.headers.get("hx-request") == "true":
        return render(request, "partials/job.html", {"job": job, "job_seconds": job_seconds, "scenario_id": scenario})
    return RedirectResponse(f"/plan?scenario={scenario}", status_code=303)


@router.get("/plan/jobs/{job_id}", response_class=HTMLResponse, name="page_job")
def page_job(request: Request, job_id: str, state: StateDep, user: Reader) -> Response:
    """The progress panel of a job (htmx polls it every second while the job runs)."""
    with state.read() as session:
        job = get_job(session, job_id=job_id)
    if job is None:
        raise ProblemError(404, f"job {job_id!r} does not exist")
    if not job.active:
        state.refresh()
    return render(
        request, "partials/job.html", {"job": job, "job_seconds": job_seconds, "scenario_id": job.scenario_id}
    )


@router.post("/plan/jobs/{job_id}/cancel", response_class=HTMLResponse, name="page_cancel_job")
def page_cancel_job(request: Request, job_id: str, state: StateDep, user: Writer) -> Response:
    """Stop a solve at once."""
    assert state.jobs is not None
    job = state.jobs.cancel(job_id)
    if request.headers.get("hx-request") == "true":
        return render(
            request, "partials/job.html", {"job": job, "job_seconds": job_seconds, "scenario_id": job.scenario_id}
        )
    return RedirectResponse(f"/plan?scenario={job.scenario_id}", status_code=303)


@router.post("/plan/pin", response_class=HTMLResponse, name="page_pin")
def page_pin(
    request: Request,
    state: StateDep,
    user: Writer,
    scenario: Annotated[str, Form(max_length=120)],
    employee_id: Annotated[str, Form(max_length=120)],
    action: Annotated[str, Form(pattern="^(pin|unpin)$")] = "pin",
) -> Response:
    """Pin (or unpin) a person's shifts in the current plan: the next solve keeps them."""
    snap = state.snapshot(scenario)
    with state.write() as session:
        if action == "unpin":
            remove_pins(session, scenario_id=scenario, employee_id=employee_id)
        else:
            keys = [a.key for a in snap.by_employee.get(employee_id, [])]
            if not keys:
                raise ProblemError(404, f"{employee_id!r} has no shifts in the current plan")
            add_pins(session, scenario_id=scenario, keys=keys, created_by=user.username)
        audit.record(
            session,
            actor=user,
            action=f"plan.{action}",
            subject_type="employee",
            subject_id=employee_id,
            fields=["pins"],
        )
    return RedirectResponse(f"/plan?scenario={scenario}#proposal-{employee_id}", status_code=303)


@router.post("/plan/override", response_class=HTMLResponse, name="page_override")
def page_override(
    request: Request,
    state: StateDep,
    user: Writer,
    scenario: Annotated[str, Form(max_length=120)],
    employee_id: Annotated[str, Form(max_length=120)],
    need_id: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Override the plan: take this person off this shift. Stored as a new plan version, so the diff shows it."""
    snap = state.snapshot(scenario)
    keep = [a for a in snap.plan.assignments if not (a.employee_id == employee_id and a.need_id == need_id)]
    if len(keep) == len(snap.plan.assignments):
        raise ProblemError(404, f"the current plan has no assignment of {employee_id!r} to {need_id!r}")
    from ressursbank.db import repository

    with state.write() as session:
        run = repository.save_plan(
            session=session,
            scenario_id=scenario,
            plan=Plan.of(keep, snap.plan.trainings),
            status="edited",
            params={"override": {"removed": [employee_id, need_id], "by": user.username, "reason": reason}},
        )
        audit.record(
            session,
            actor=user,
            action="plan.override",
            subject_type="assignment",
            subject_id=f"{employee_id}/{need_id}",
            person_id=employee_id,
            reason=reason or None,
            fields=["assignment"],
        )
    _ = run
    return RedirectResponse(f"/plan?scenario={scenario}", status_code=303)


# --- open shift: ranked candidates from the engine --------------------------------------------------------------------
@router.get("/units/{unit_id}/open-shift", response_class=HTMLResponse, name="page_open_shift")
def page_open_shift(
    request: Request,
    unit_id: str,
    state: StateDep,
    user: Writer,
    need_id: Annotated[str, Query(max_length=200)],
    scenario: ScenarioQuery = None,
) -> Response:
    """An uncovered shift and the people who can lawfully take it, ranked, with reasons and cost."""
    from ressursbank.services import replanning

    snap = state.snapshot(scenario)
    need = snap.problem.need_by_id.get(need_id)
    if need is None or need.unit_id != unit_id or snap.scenario is None:
        raise ProblemError(404, f"unit {unit_id!r} has no shift {need_id!r} in this scenario")
    lang = negotiate(request)
    error = ""
    candidates: list[Any] = []
    with state.read() as session:
        try:
            _, candidates = replanning.candidates(
                session,
                scenario_id=snap.scenario.id,
                unit_id=unit_id,
                start=need.start,
                end=need.end,
                qualification=need.requirement.codes[0] if need.requirement.codes else "",
                limit=20,
            )
        except LookupError as exc:
            error = str(exc)
    unit = snap.unit(unit_id)
    return render(
        request,
        "pages/open_shift.html",
        {
            "title": "Ledig vakt" if lang == "nb" else "Open shift",
            "snap": snap,
            "unit": unit,
            "need": need,
            "filled": snap.filled.get(need.id, 0),
            "requirement": snap.requirement_label(need, lang),
            "candidates": candidates,
            "error": error,
            "scenario_id": snap.scenario.id,
            "flash": request.query_params.get("msg", "")[:300],
        },
    )


@router.post("/units/{unit_id}/open-shift", response_class=HTMLResponse, name="page_offer_open_shift")
async def page_offer_open_shift(request: Request, unit_id: str, state: StateDep, user: Writer) -> Response:
    """Offer the open shift to the chosen candidates (one offer each, sent at once)."""
    from ressursbank.exceptions import Conflict, PermissionDenied
    from ressursbank.services import workflow

    form = await request.form()
    scenario = str(form.get("scenario", ""))[:120]
    need_id = str(form.get("need_id", ""))[:200]
    chosen = [str(v) for v in form.getlist("employee_ids")][:20]
    snap = state.snapshot(scenario or None)
    need = snap.problem.need_by_id.get(need_id)
    if need is None or need.unit_id != unit_id:
        raise ProblemError(404, f"unit {unit_id!r} has no shift {need_id!r}")
    lang = negotiate(request)
    back = f"/units/{unit_id}/open-shift?scenario={scenario}&need_id={need_id}"
    if not chosen:
        return RedirectResponse(back + "&msg=" + ("Velg minst én person." if lang == "nb" else "Choose someone."), 303)
    try:
        with state.write() as session:
            offers = [
                workflow.create_offer(
                    session,
                    employee_id=emp,
                    shifts=[Assignment(emp, need.id, unit_id, need.start, need.end, "")],
                    actor=user,
                    plan_id=snap.plan_id,
                )
                for emp in chosen
                if snap.employee(emp) is not None
            ]
            released = [o.id for o in offers if o.release_status in workflow.RELEASED]
            sent = workflow.send_offers(session, offer_ids=released, actor=user) if released else []
    except (Conflict, PermissionDenied) as exc:
        return RedirectResponse(back + "&msg=" + str(exc)[:250], 303)
    waiting = len(offers) - len(sent)
    msg = (
        f"{len(sent)} tilbud sendt, {waiting} venter på frigivelse."
        if lang == "nb"
        else f"{len(sent)} offers sent, {waiting} wait for release."
    )
    return RedirectResponse(back + "&msg=" + msg, 303)
