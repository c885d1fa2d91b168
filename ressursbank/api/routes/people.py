"""Employees: search and filter; competence profile, assignments and roster (need-to-know per the policy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from ressursbank.api.deps import SnapshotDep, StateDep
from ressursbank.api.pagination import Page, PageQuery, cut, page_of, sort_all
from ressursbank.api.problems import ProblemError
from ressursbank.api.routes.organisation import assignment_public, check_day
from ressursbank.api.schemas import AssignmentPublic, EmployeeDetail, EmployeePublic, HeldQualificationPublic
from ressursbank.api.security import CurrentUser, require
from ressursbank.domain import Employee
from ressursbank.services import audit
from ressursbank.services.policy import Role, User, may_see_person, restriction_text
from ressursbank.services.queries import Snapshot

router = APIRouter(tags=["people"])
PeopleReader = Annotated[User, Depends(require("people:read"))]
EmployeeId = Annotated[str, Path(max_length=120, description="Employee id", examples=["A00001"])]


def may_see(snap: Snapshot, user: User, employee: Employee) -> bool:
    """The policy's need-to-know rule with the facts of this snapshot."""
    return may_see_person(
        user,
        employee_id=employee.id,
        home_unit_id=employee.home_unit_id,
        lent_to_unit_ids=snap.hosts_of(employee.id),
    )


def visible_employee(snap: Snapshot, user: User, employee_id: str) -> Employee:
    """The person if they exist and the user may see them (404 either way: ids do not leak)."""
    emp = snap.employee(employee_id)
    if emp is None or not may_see(snap, user, emp):
        raise ProblemError(404, f"employee {employee_id!r} does not exist or is not visible to you")
    return emp


def employee_public(snap: Snapshot, e: Employee) -> EmployeePublic:
    unit = snap.unit(e.home_unit_id)
    return EmployeePublic(
        id=e.id,
        name=e.name,
        home_unit_id=e.home_unit_id,
        area_id=unit.area_id if unit else "",
        position_pct=e.position_pct,
        status=snap.person_status(e),
    )


def employee_detail(
    request: Request, state: StateDep, snap: Snapshot, user: User, e: Employee, lang: str
) -> EmployeeDetail:
    """The profile; restriction flags only for HR, and every HR read of them is audited."""
    flags = [r.flag.value for r in e.restrictions]
    shown = restriction_text(user, flags, lang)
    if flags and user.role is Role.HR:
        with state.write() as session:
            audit.record(
                session,
                actor=user,
                action="restrictions.read",
                subject_type="employee",
                subject_id=e.id,
                fields=["restrictions"],
            )
    return EmployeeDetail(
        **employee_public(snap, e).model_dump(),
        weekly_hours_norm=e.weekly_hours_norm,
        qualifications=[
            HeldQualificationPublic(
                code=q.code,
                label=snap.label(snap.qualification_label.get(q.code), lang, q.code),
                valid_from=q.valid_from,
                valid_to=q.valid_to,
                verified=q.verified,
            )
            for q in e.qualifications
        ],
        trainable=list(e.trainable),
        willing_unit_kinds=sorted(e.preferences.willing_unit_kinds),
        max_travel_km=e.preferences.max_travel_km,
        wants_more_hours=e.preferences.wants_more_hours,
        restrictions=shown,
        shifts=len(snap.by_employee.get(e.id, [])),
    )


@router.get("/employees", response_model=Page[EmployeePublic])
def list_employees(
    snap: SnapshotDep,
    user: PeopleReader,
    page: PageQuery,
    q: Annotated[str, Query(max_length=100, description="Part of the name or id")] = "",
    qualification: Annotated[str, Query(max_length=80, description="Holds this code (or a higher one)")] = "",
    area: Annotated[str, Query(max_length=120)] = "",
    unit: Annotated[str, Query(max_length=120, description="Home unit")] = "",
    status: Annotated[str, Query(pattern="^(|home|redeployed|released|absent)$")] = "",
    available_on: Annotated[dt.date | None, Query(description="Not absent on this day")] = None,
) -> Page[EmployeePublic]:
    """People, filtered by name, qualification, area, home unit, status and availability."""
    if available_on is not None:
        check_day(available_on)
    if qualification and qualification not in snap.qualification_label:
        raise ProblemError(422, f"unknown qualification {qualification!r}", title="Invalid request")

    def ordered() -> tuple[Employee, ...]:
        people = snap.search_people(
            q=q,
            qualification=qualification,
            area=area,
            unit=unit,
            status=status,
            available_on=available_on,
            restrict_to=None if user.role is Role.HR else (lambda e: may_see(snap, user, e)),
        )
        return sort_all(people, page, sort_keys=EMPLOYEE_SORT_KEYS, default="name")

    # The filtered, sorted list is kept with the (immutable) snapshot, per viewer scope: paging through it is a slice.
    key = ("api:employees", q, qualification, area, unit, status, available_on, page.sort, people_scope(user))
    items, total = cut(snap.cached(key, ordered), page)
    return page_of([employee_public(snap, e) for e in items], total, page)


EMPLOYEE_SORT_KEYS: dict[str, Callable[[Employee], Any]] = {
    "name": lambda e: e.name,
    "id": lambda e: e.id,
    "unit": lambda e: (e.home_unit_id, e.name),
    "position": lambda e: (e.position_pct, e.name),
}


def people_scope(user: User) -> tuple[object, ...]:
    """What decides which people ``user`` may see (HR: everyone), for keys of cached lists."""
    if user.role is Role.HR:
        return ("all",)
    return (user.role.value, user.id, user.employee_id, tuple(sorted(user.unit_ids)))


@router.get("/employees/{employee_id}", response_model=EmployeeDetail)
def get_employee(
    request: Request,
    employee_id: EmployeeId,
    state: StateDep,
    snap: SnapshotDep,
    user: CurrentUser,
    lang: Annotated[str, Query(pattern="^(nb|en)$")] = "nb",
) -> EmployeeDetail:
    """One person's competence profile (a person always sees their own; others per need-to-know)."""
    e = visible_employee(snap, user, employee_id)
    return employee_detail(request, state, snap, user, e, lang)


@router.get("/employees/{employee_id}/assignments", response_model=list[AssignmentPublic])
def list_employee_assignments(employee_id: EmployeeId, snap: SnapshotDep, user: CurrentUser) -> list[AssignmentPublic]:
    """The person's planned shifts in time order."""
    visible_employee(snap, user, employee_id)
    return [assignment_public(a) for a in snap.person_roster(employee_id)]
