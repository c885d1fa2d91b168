"""Scenarios and their events; the needs they produce; copies for what-if."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status

from ressursbank.api.deps import StateDep
from ressursbank.api.pagination import Page, PageQuery, page_of, sort_and_page
from ressursbank.api.problems import ProblemError
from ressursbank.api.routes.organisation import check_day, need_public
from ressursbank.api.schemas import (
    EffectLine,
    EventCreate,
    NeedPublic,
    ScenarioChange,
    ScenarioCopy,
    ScenarioCreate,
    ScenarioPublic,
)
from ressursbank.api.security import require
from ressursbank.domain import (
    AbsenceWave,
    CloseUnits,
    Location,
    OpenUnit,
    ReduceUnits,
    Scenario,
    Surge,
    UnitKind,
)
from ressursbank.exceptions import DomainError
from ressursbank.services import queries
from ressursbank.services.policy import User
from ressursbank.services.queries import Snapshot

router = APIRouter(tags=["scenarios"])
ScenarioId = Annotated[str, Path(max_length=120, description="Scenario id", examples=["covid-2020-03"])]
Reader = Annotated[User, Depends(require("org:read"))]
Writer = Annotated[User, Depends(require("scenario:write"))]


def event_dict(event: Any) -> dict[str, Any]:
    """An event for the wire: its type and fields (dates as ISO strings)."""
    kind = {
        CloseUnits: "close",
        ReduceUnits: "reduce",
        OpenUnit: "open",
        Surge: "surge",
        AbsenceWave: "absence_wave",
    }.get(type(event), type(event).__name__)
    out: dict[str, Any] = {"type": kind}
    for f in fields(event):
        out[f.name] = _plain(getattr(event, f.name))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "lat") and hasattr(value, "lon"):
        return {"lat": value.lat, "lon": value.lon}
    if hasattr(value, "value"):
        return value.value
    return value


def scenario_public(s: Scenario) -> ScenarioPublic:
    return ScenarioPublic(
        id=s.id,
        name_nb=s.name_nb,
        name_en=s.name_en,
        start=s.start,
        description=s.description,
        events=[event_dict(e) for e in s.events],
    )


def _kinds(values: list[str]) -> tuple[UnitKind, ...]:
    try:
        return tuple(UnitKind(v) for v in values)
    except ValueError as exc:
        allowed = ", ".join(k.value for k in UnitKind)
        raise ProblemError(422, f"unknown unit kind in {values}; allowed: {allowed}", title="Invalid request") from exc


def build_event(body: EventCreate, snap: Snapshot) -> Any:
    """The domain event for a request, with every reference checked against the organisation."""
    e = body.event
    units = snap.problem.unit_by_id
    for uid in getattr(e, "unit_ids", []):
        if uid not in units:
            raise ProblemError(422, f"unknown unit {uid!r}", title="Invalid request")
    try:
        if e.type == "close":
            return CloseUnits(start=e.start, end=e.end, note=e.note, unit_ids=tuple(e.unit_ids))
        if e.type == "reduce":
            return ReduceUnits(
                start=e.start, end=e.end, note=e.note, unit_ids=tuple(e.unit_ids), capacity_pct=e.capacity_pct
            )
        if e.type == "open":
            templates = {t.id for t in snap.organisation.templates}
            if e.template_id not in templates:
                raise ProblemError(
                    422, f"unknown template {e.template_id!r}; use one of {sorted(templates)}", title="Invalid request"
                )
            areas = {a.id for a in snap.organisation.areas}
            if e.area_id not in areas:
                raise ProblemError(422, f"unknown area {e.area_id!r}", title="Invalid request")
            if e.unit_id in units:
                raise ProblemError(409, f"a unit with id {e.unit_id!r} already exists")
            in_area = [u.location for u in snap.base.units if u.area_id == e.area_id] or [
                u.location for u in snap.base.units
            ]
            # A new unit is placed at the middle of its area: travel distances are then honest averages.
            centre = Location(sum(p.lat for p in in_area) / len(in_area), sum(p.lon for p in in_area) / len(in_area))
            return OpenUnit(
                start=e.start,
                end=e.end,
                note=e.note,
                unit_id=e.unit_id,
                name=e.name,
                template_id=e.template_id,
                area_id=e.area_id,
                location=centre,
                scale_pct=e.scale_pct,
            )
        if e.type == "surge":
            if not e.unit_ids and not e.kinds:
                raise ProblemError(422, "surge: name units or unit kinds", title="Invalid request")
            return Surge(
                start=e.start,
                end=e.end,
                note=e.note,
                unit_ids=tuple(e.unit_ids),
                kinds=_kinds(e.kinds),
                factor_pct=e.factor_pct,
            )
        return AbsenceWave(
            start=e.start, end=e.end, note=e.note, kinds=_kinds(e.kinds), rate_pct=e.rate_pct, days=e.days
        )
    except DomainError as exc:
        raise ProblemError(422, str(exc), title="Invalid request") from exc


def _effect(before: Snapshot, after: Snapshot) -> list[EffectLine]:
    units = after.problem.unit_by_id
    return [
        EffectLine(unit_id=u, unit_name=units[u].name if u in units else u, before=b, after=a)
        for u, b, a in queries.effect_on_needs(before.problem, after.problem)
    ]


def change_scenario(state: StateDep, scenario_id: str, change: Any) -> ScenarioChange:
    """Apply ``change(scenario, snapshot) -> scenario``, store it, and report the effect on needs."""
    before = state.snapshot(scenario_id)
    assert before.scenario is not None
    updated = change(before.scenario, before)
    try:
        from ressursbank.domain import build_problem

        build_problem(before.base, updated, start=updated.start, days=7)  # validates the references
    except DomainError as exc:
        raise ProblemError(422, str(exc), title="Invalid request") from exc
    with state.write() as session:
        queries.save_scenario(session, updated)
    after = state.snapshot(scenario_id)
    return ScenarioChange(scenario=scenario_public(updated), effect=_effect(before, after))


@router.get("/scenarios", response_model=list[ScenarioPublic])
def list_scenarios(state: StateDep, user: Reader) -> list[ScenarioPublic]:
    """Every stored scenario, by start date."""
    with state.read() as session:
        return [scenario_public(s) for s in queries.list_scenarios(session)]


def create_scenario_record(state: StateDep, body: ScenarioCreate) -> Scenario:
    """Store a new empty scenario (409 if the id is taken)."""
    scenario = Scenario(
        id=body.id,
        name_nb=body.name_nb,
        name_en=body.name_en or body.name_nb,
        start=body.start,
        events=(),
        description=body.description,
    )
    with state.write() as session:
        if any(s.id == body.id for s in queries.list_scenarios(session)):
            raise ProblemError(409, f"a scenario with id {body.id!r} already exists")
        queries.save_scenario(session, scenario)
    return scenario


@router.post("/scenarios", response_model=ScenarioPublic, status_code=status.HTTP_201_CREATED)
def create_scenario(body: ScenarioCreate, state: StateDep, user: Writer) -> ScenarioPublic:
    """Declare a new scenario (no events yet) starting on ``start``."""
    return scenario_public(create_scenario_record(state, body))


@router.get("/scenarios/{scenario_id}", response_model=ScenarioPublic)
def get_scenario(scenario_id: ScenarioId, state: StateDep, user: Reader) -> ScenarioPublic:
    """One scenario with its events."""
    with state.read() as session:
        return scenario_public(queries.load_scenario(session, scenario_id))


@router.post("/scenarios/{scenario_id}/events", response_model=ScenarioChange, status_code=status.HTTP_201_CREATED)
def add_event(scenario_id: ScenarioId, body: EventCreate, state: StateDep, user: Writer) -> ScenarioChange:
    """Add an event (close, reduce, open from a template, surge, absence wave); answers with the effect on needs."""

    def change(s: Scenario, snap: Snapshot) -> Scenario:
        return replace(s, events=(*s.events, build_event(body, snap)))

    return change_scenario(state, scenario_id, change)


@router.delete("/scenarios/{scenario_id}/events/{index}", response_model=ScenarioChange)
def delete_event(
    scenario_id: ScenarioId,
    index: Annotated[int, Path(ge=0, le=10_000, description="Position of the event (0-based)")],
    state: StateDep,
    user: Writer,
) -> ScenarioChange:
    """Remove the event at ``index``."""

    def change(s: Scenario, snap: Snapshot) -> Scenario:
        if index >= len(s.events):
            raise ProblemError(404, f"scenario {s.id} has no event {index} (it has {len(s.events)})")
        return replace(s, events=s.events[:index] + s.events[index + 1 :])

    return change_scenario(state, scenario_id, change)


@router.post("/scenarios/{scenario_id}/copy", response_model=ScenarioPublic, status_code=status.HTTP_201_CREATED)
def copy_scenario(scenario_id: ScenarioId, body: ScenarioCopy, state: StateDep, user: Writer) -> ScenarioPublic:
    """Copy a scenario under a new id (what-if)."""
    with state.write() as session:
        original = queries.load_scenario(session, scenario_id)
        if any(s.id == body.new_id for s in queries.list_scenarios(session)):
            raise ProblemError(409, f"a scenario with id {body.new_id!r} already exists")
        copy = replace(
            original,
            id=body.new_id,
            name_nb=body.name or f"{original.name_nb} (kopi)",
            name_en=body.name or f"{original.name_en} (copy)",
        )
        queries.save_scenario(session, copy)
    return scenario_public(copy)


@router.get("/scenarios/{scenario_id}/needs", response_model=Page[NeedPublic])
def list_scenario_needs(
    scenario_id: ScenarioId,
    state: StateDep,
    user: Reader,
    page: PageQuery,
    unit: Annotated[str, Query(max_length=120)] = "",
    day: Annotated[dt.date | None, Query()] = None,
    criticality: Annotated[int | None, Query(ge=1, le=3)] = None,
    open_only: Annotated[bool, Query()] = False,
    lang: Annotated[str, Query(pattern="^(nb|en)$")] = "nb",
) -> Page[NeedPublic]:
    """The needs the scenario produces over the horizon, with how many the current plan fills."""
    if day is not None:
        check_day(day)
    snap = state.snapshot(scenario_id)
    needs = [
        n
        for n in snap.problem.needs
        if (not unit or n.unit_id == unit)
        and (day is None or n.day == day)
        and (criticality is None or int(n.criticality) == criticality)
        and (not open_only or snap.filled.get(n.id, 0) < n.count)
    ]
    cut, total = sort_and_page(
        needs,
        page,
        sort_keys={
            "start": lambda n: (n.start, n.id),
            "unit": lambda n: (n.unit_id, n.start),
            "criticality": lambda n: (int(n.criticality), n.start),
        },
        default="start",
    )
    return page_of([need_public(snap, n, snap.filled.get(n.id, 0), lang) for n in cut], total, page)
