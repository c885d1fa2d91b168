"""Areas, qualifications and units (with status timeline, needs, who is lent in and out, roster)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from ressursbank.api.deps import SnapshotDep
from ressursbank.api.pagination import Page, PageQuery, cut, page_of, sort_all, sort_and_page
from ressursbank.api.problems import ProblemError
from ressursbank.api.schemas import (
    AreaPublic,
    AssignmentPublic,
    NeedPublic,
    PersonRef,
    QualificationPublic,
    StatusSpanPublic,
    UnitDetail,
    UnitPublic,
    check_date,
)
from ressursbank.api.security import require
from ressursbank.domain import Assignment, Need, Unit
from ressursbank.services.policy import Role, User, may_see_unit
from ressursbank.services.queries import Snapshot

router = APIRouter(tags=["organisation"])
OrgReader = Annotated[User, Depends(require("org:read"))]
UnitId = Annotated[str, Path(max_length=120, description="Unit id", examples=["nursing-home-001"])]
Lang = Annotated[str, Query(pattern="^(nb|en)$", description="Language of labels")]


def unit_public(snap: Snapshot, unit: Unit) -> UnitPublic:
    return UnitPublic(
        id=unit.id,
        name=unit.name,
        kind=unit.kind.value,
        sector_id=unit.sector_id,
        area_id=unit.area_id,
        criticality=int(unit.criticality),
        status_today=snap.unit_status_today(unit),
        opens_on=unit.opens_on,
        coverage_pct=snap.unit_coverage(unit.id),
        staff=len(snap.employees_by_unit.get(unit.id, [])),
    )


def visible_unit(snap: Snapshot, user: User, unit_id: str) -> Unit:
    """The unit if it exists and the user may see it (404 either way, so ids of other units do not leak)."""
    unit = snap.unit(unit_id)
    if unit is None or not may_see_unit(user, unit_id):
        raise ProblemError(404, f"unit {unit_id!r} does not exist or is not yours")
    return unit


@router.get("/areas", response_model=list[AreaPublic])
def list_areas(snap: SnapshotDep, user: OrgReader) -> list[AreaPublic]:
    """The areas (in Asker: the former municipalities)."""
    return [AreaPublic(id=a.id, name=a.name) for a in snap.organisation.areas]


@router.get("/qualifications", response_model=list[QualificationPublic])
def list_qualifications(snap: SnapshotDep, user: OrgReader, lang: Lang = "nb") -> list[QualificationPublic]:
    """The qualification catalogue (authorisations, education, politiattest, courses, languages)."""
    return [
        QualificationPublic(
            code=q.code,
            kind=q.kind.value,
            label=q.label_nb if lang == "nb" else q.label_en,
            citation=q.citation,
            implied_by=list(q.implied_by),
        )
        for q in snap.organisation.catalogue
    ]


@router.get("/units", response_model=Page[UnitPublic])
def list_units(
    snap: SnapshotDep,
    user: OrgReader,
    page: PageQuery,
    q: Annotated[str, Query(max_length=100, description="Part of the name or id")] = "",
    area: Annotated[str, Query(max_length=120)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(pattern="^(|open|reduced|closed)$", description="Status today")] = "",
) -> Page[UnitPublic]:
    """Units in the scenario, filtered by name, area, kind and status today; sortable by name, id, area, kind."""
    needle = q.lower().strip()

    def ordered() -> tuple[Unit, ...]:
        units = [
            u
            for u in snap.problem.units
            if may_see_unit(user, u.id)
            and (not needle or needle in u.name.lower() or needle in u.id)
            and (not area or u.area_id == area)
            and (not kind or u.kind.value == kind)
            and (not status or snap.unit_status_today(u) == status)
        ]
        return sort_all(units, page, sort_keys=UNIT_SORT_KEYS, default="name")

    # Kept with the (immutable) snapshot per viewer scope: paging through the list is a slice.
    key = ("api:units", needle, area, kind, status, page.sort, unit_scope(user))
    items, total = cut(snap.cached(key, ordered), page)
    return page_of([unit_public(snap, u) for u in items], total, page)


UNIT_SORT_KEYS: dict[str, Callable[[Unit], Any]] = {
    "name": lambda u: u.name,
    "id": lambda u: u.id,
    "area": lambda u: (u.area_id, u.name),
    "kind": lambda u: (u.kind.value, u.name),
    "criticality": lambda u: (int(u.criticality), u.name),
}


def unit_scope(user: User) -> tuple[object, ...]:
    """What decides which units ``user`` may see (HR and leadership: all), for keys of cached lists."""
    if user.role in (Role.HR, Role.LEADERSHIP):
        return ("all",)
    return (user.role.value, tuple(sorted(user.unit_ids)))


@router.get("/units/{unit_id}", response_model=UnitDetail)
def get_unit(unit_id: UnitId, snap: SnapshotDep, user: OrgReader) -> UnitDetail:
    """One unit: status timeline over the horizon, needs, who is lent in and out."""
    unit = visible_unit(snap, user, unit_id)
    base = unit_public(snap, unit)
    needs = snap.unit_needs(unit_id)
    return UnitDetail(
        **base.model_dump(),
        timeline=[
            StatusSpanPublic(start=s.start, end=s.end, status=s.status, capacity_pct=s.capacity_pct)
            for s in snap.status_timeline(unit)
        ],
        person_shifts_needed=sum(v.need.count for v in needs),
        person_shifts_open=sum(v.missing for v in needs),
        lent_in=[
            PersonRef(id=e.id, name=e.name, home_unit_id=e.home_unit_id, shifts=c) for e, c in snap.lent_in(unit_id)
        ],
        lent_out=[
            PersonRef(id=e.id, name=e.name, home_unit_id=e.home_unit_id, shifts=c, host_unit_id=host)
            for e, host, c in snap.lent_out(unit_id)
        ],
    )


@router.get("/units/{unit_id}/needs", response_model=Page[NeedPublic])
def list_unit_needs(
    unit_id: UnitId,
    snap: SnapshotDep,
    user: OrgReader,
    page: PageQuery,
    day: Annotated[dt.date | None, Query(description="Only this day")] = None,
    open_only: Annotated[bool, Query(description="Only needs with people missing")] = False,
    lang: Lang = "nb",
) -> Page[NeedPublic]:
    """The unit's needs in the horizon with how many are assigned."""
    visible_unit(snap, user, unit_id)
    if day is not None:
        check_day(day)
    views = [v for v in snap.unit_needs(unit_id) if (day is None or v.need.day == day) and (not open_only or v.missing)]
    cut, total = sort_and_page(
        views,
        page,
        sort_keys={"start": lambda v: (v.need.start, v.need.id), "missing": lambda v: (v.missing, v.need.start)},
        default="start",
    )
    return page_of([need_public(snap, v.need, v.filled, lang) for v in cut], total, page)


def check_day(day: dt.date) -> None:
    try:
        check_date(day)
    except ValueError as exc:
        raise ProblemError(422, str(exc), title="Invalid request") from exc


def need_public(snap: Snapshot, need: Need, filled: int, lang: str) -> NeedPublic:
    return NeedPublic(
        id=need.id,
        unit_id=need.unit_id,
        day=need.day,
        shift_type_id=need.shift_type_id,
        start=need.start,
        end=need.end,
        requirement=snap.requirement_label(need, lang),
        count=need.count,
        filled=filled,
        criticality=int(need.criticality),
        task=need.task,
    )


@router.get("/units/{unit_id}/roster", response_model=list[AssignmentPublic])
def get_unit_roster(
    unit_id: UnitId,
    snap: SnapshotDep,
    user: Annotated[User, Depends(require("plan:read"))],
) -> list[AssignmentPublic]:
    """Every planned shift at the unit (own staff and people lent in), in time order."""
    visible_unit(snap, user, unit_id)
    return [assignment_public(a) for a in sorted(snap.by_unit.get(unit_id, []), key=lambda a: a.start)]


def assignment_public(a: Assignment) -> AssignmentPublic:
    """An assignment for the wire."""
    return AssignmentPublic(
        employee_id=a.employee_id,
        need_id=a.need_id,
        unit_id=a.unit_id,
        start=a.start,
        end=a.end,
        qualification_used=a.qualification_used,
    )
