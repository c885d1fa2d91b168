"""Pages: the scenario editor (close, reduce, open from a template, surge, absence wave) and what-if."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ressursbank.api.deps import StateDep
from ressursbank.api.i18n import negotiate
from ressursbank.api.problems import ProblemError
from ressursbank.api.routes.scenarios import build_event, create_scenario_record, event_dict
from ressursbank.api.schemas import EventCreate, ScenarioCreate
from ressursbank.api.security import require
from ressursbank.api.templating import render
from ressursbank.domain import Criticality, Scenario, UnitKind, build_problem
from ressursbank.exceptions import DomainError, NotFound
from ressursbank.services import queries
from ressursbank.services.queries import Snapshot

router = APIRouter(include_in_schema=False)
Writer = Annotated[Any, Depends(require("scenario:write"))]


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})
    slug = re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
    return slug[:60] or "scenario"


def _totals(snap: Snapshot) -> dict[str, int]:
    out = {"critical": 0, "important": 0, "normal": 0}
    for n in snap.problem.needs:
        out[Criticality(n.criticality).name.lower()] += n.count
    return out


def _error_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("event",) and not str(p).endswith("Event"))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts[:3])


def editor_page(
    request: Request,
    state: StateDep,
    scenario_id: str,
    *,
    before: Snapshot | None = None,
    error: str = "",
    flash: str = "",
    status_code: int = 200,
) -> Response:
    snap = state.snapshot(scenario_id)
    assert snap.scenario is not None
    lang = negotiate(request)
    effect = []
    if before is not None:
        units = snap.problem.unit_by_id
        effect = [
            (units[u].name if u in units else u, b, a)
            for u, b, a in queries.effect_on_needs(before.problem, snap.problem)
        ]
    return render(
        request,
        "pages/scenario.html",
        {
            "title": snap.scenario.name_nb if lang == "nb" else snap.scenario.name_en,
            "snap": snap,
            "scenario": snap.scenario,
            "scenario_id": scenario_id,
            "events": [event_dict(e) for e in snap.scenario.events],
            "totals": _totals(snap),
            "totals_before": _totals(before) if before is not None else None,
            "effect": effect,
            "error": error,
            "flash": flash,
            "templates": snap.organisation.templates,
            "units": sorted((u for u in snap.problem.units), key=lambda u: u.name),
            "kinds": [k.value for k in UnitKind],
            "default_start": snap.scenario.start.isoformat(),
            "default_end": (snap.scenario.start + dt.timedelta(days=27)).isoformat(),
        },
        status_code=status_code,
    )


@router.get("/scenarios", response_class=HTMLResponse, name="page_scenarios")
def page_scenarios(request: Request, state: StateDep, user: Writer) -> Response:
    """Scenarios: open one, declare a new one, or copy one for what-if."""
    with state.read() as session:
        scenarios = queries.list_scenarios(session)
    lang = negotiate(request)
    monday = dt.date.today() + dt.timedelta(days=(7 - dt.date.today().weekday()) % 7 or 7)
    return render(
        request,
        "pages/scenarios.html",
        {"title": "Scenarioer" if lang == "nb" else "Scenarios", "scenarios": scenarios, "next_monday": monday},
    )


@router.post("/scenarios", response_class=HTMLResponse, name="page_create_scenario")
def page_create_scenario(
    request: Request,
    state: StateDep,
    user: Writer,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    start: Annotated[dt.date, Form()],
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Declare a new scenario and open it in the editor."""
    base = _slug(name)
    with state.read() as session:
        taken = {s.id for s in queries.list_scenarios(session)}
    new_id = base
    n = 2
    while new_id in taken:
        new_id = f"{base}-{n}"
        n += 1
    try:
        body = ScenarioCreate(id=new_id, name_nb=name, name_en=name, start=start, description=description)
    except ValidationError as exc:
        raise ProblemError(422, _error_text(exc), title="Invalid request") from exc
    create_scenario_record(state, body)
    return RedirectResponse(f"/scenarios/{new_id}", status_code=303)


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse, name="page_scenario")
def page_scenario(request: Request, scenario_id: str, state: StateDep, user: Writer) -> Response:
    """The scenario editor."""
    return editor_page(request, state, scenario_id)


@router.post("/scenarios/{scenario_id}/events", response_class=HTMLResponse, name="page_add_event")
async def page_add_event(request: Request, scenario_id: str, state: StateDep, user: Writer) -> Response:
    """Add an event from one of the editor's forms; the page shows the effect on needs at once."""
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    kind = str(data.get("type", ""))
    for key in ("unit_ids", "kinds"):
        if key in data:
            data[key] = [str(v) for v in form.getlist(key) if v]
    if kind == "open" and "unit_id" not in data and data.get("name"):
        data["unit_id"] = _slug(str(data["name"]))
    before = state.snapshot(scenario_id)
    try:
        body = EventCreate.model_validate({"event": data})
        event = build_event(body, before)
        assert before.scenario is not None
        updated = replace(before.scenario, events=(*before.scenario.events, event))
        build_problem(before.base, updated, start=updated.start, days=7)
    except ValidationError as exc:
        return editor_page(request, state, scenario_id, error=_error_text(exc), status_code=422)
    except (ProblemError, DomainError) as exc:
        return editor_page(request, state, scenario_id, error=str(exc), status_code=422)
    with state.write() as session:
        queries.save_scenario(session, updated)
    lang = negotiate(request)
    return editor_page(
        request, state, scenario_id, before=before, flash="Hendelsen er lagt til." if lang == "nb" else "Event added."
    )


@router.post("/scenarios/{scenario_id}/events/{index}/delete", response_class=HTMLResponse, name="page_delete_event")
def page_delete_event(request: Request, scenario_id: str, index: int, state: StateDep, user: Writer) -> Response:
    """Remove one event."""
    before = state.snapshot(scenario_id)
    assert before.scenario is not None
    events = before.scenario.events
    if not 0 <= index < len(events):
        raise ProblemError(404, f"scenario {scenario_id} has no event {index}")
    updated = replace(before.scenario, events=events[:index] + events[index + 1 :])
    with state.write() as session:
        queries.save_scenario(session, updated)
    lang = negotiate(request)
    return editor_page(
        request, state, scenario_id, before=before, flash="Hendelsen er fjernet." if lang == "nb" else "Event removed."
    )


@router.post("/scenarios/{scenario_id}/copy", response_class=HTMLResponse, name="page_copy_scenario")
def page_copy_scenario(
    request: Request,
    scenario_id: str,
    state: StateDep,
    user: Writer,
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    """Copy a scenario (what-if) and open the copy in the editor."""
    with state.write() as session:
        original = queries.load_scenario(session, scenario_id)
        taken = {s.id for s in queries.list_scenarios(session)}
        base = _slug(name)
        new_id, n = base, 2
        while new_id in taken:
            new_id, n = f"{base}-{n}", n + 1
        queries.save_scenario(session, replace(original, id=new_id, name_nb=name, name_en=name))
    return RedirectResponse(f"/scenarios/{new_id}", status_code=303)


@router.get("/whatif", response_class=HTMLResponse, name="page_whatif")
def page_whatif(
    request: Request,
    state: StateDep,
    user: Writer,
    a: Annotated[str, Query(max_length=120)] = "",
    b: Annotated[str, Query(max_length=120)] = "",
) -> Response:
    """Compare two scenarios side by side: needs, coverage, gaps, people redeployed."""
    with state.read() as session:
        scenarios = queries.list_scenarios(session)
    ids = [s.id for s in scenarios]
    a = a if a in ids else (ids[0] if ids else "")
    b = b if b in ids else (ids[1] if len(ids) > 1 else a)
    sides = []
    for sid in (a, b):
        if not sid:
            continue
        try:
            snap = state.snapshot(sid)
        except NotFound:
            continue
        sides.append((snap, _totals(snap)))
    lang = negotiate(request)
    return render(
        request,
        "pages/whatif.html",
        {"title": "Hva om" if lang == "nb" else "What-if", "scenarios": scenarios, "a": a, "b": b, "sides": sides},
    )


def scenario_label(s: Scenario, lang: str) -> str:
    return s.name_nb if lang == "nb" else s.name_en
