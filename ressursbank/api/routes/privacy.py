"""Data subject requests and special-category data through the API: export, erase, restrictions, retention."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from ressursbank.api.problems import ProblemError
from ressursbank.api.security import CurrentUser, require, security_transaction
from ressursbank.services import privacy
from ressursbank.services.policy import Permission, User

router = APIRouter(prefix="/api/privacy", tags=["privacy"])

EmployeeId = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["A00001"])]
PrivacyAdmin = Annotated[User, Depends(require(Permission.PRIVACY_ADMIN))]
RestrictionReader = Annotated[User, Depends(require(Permission.RESTRICTIONS_READ))]


class EraseBody(BaseModel):
    """How to erase and why (the request's reference is a good reason)."""

    mode: Literal["anonymise", "erase"] = "anonymise"
    reason: str = Field(min_length=3, max_length=500, examples=["Request 2026-17 from the employee"])


class ErasurePublic(BaseModel):
    """What an erasure did."""

    employee_id: str
    mode: str
    pseudonym: str
    employee_changed: bool
    offers_deleted: int
    accounts_disabled: int


class RestrictionPublic(BaseModel):
    """A reason-free restriction flag with validity and approver."""

    flag: str
    valid_from: dt.date
    valid_to: dt.date | None
    approved_by: str


class PurgeBody(BaseModel):
    """When the crisis ended and how many days to keep flags after that (default: the retention setting)."""

    crisis_ended_on: dt.date | None = None
    retention_days: int | None = Field(default=None, ge=0, le=3650)


class PurgePublic(BaseModel):
    """What a retention run deleted."""

    deleted_flags: int
    people: int
    cutoff: dt.date


def _guard(exc: ValueError) -> ProblemError:
    return ProblemError(422, str(exc), title="Invalid request")


@router.get("/people/{employee_id}/export", operation_id="export_person")
def export_person(request: Request, employee_id: EmployeeId, user: CurrentUser) -> dict[str, Any]:
    """Everything held about one person as JSON (HR, or the person themselves)."""
    with security_transaction(request.app) as session:
        return privacy.export_person(session, viewer=user, employee_id=employee_id)


@router.get("/me/export", operation_id="export_me")
def export_me(request: Request, user: Annotated[User, Depends(require(Permission.SELF_READ))]) -> dict[str, Any]:
    """Everything held about you as JSON."""
    if user.employee_id is None:
        raise ProblemError(
            404, "Your login is not bound to an employee. / Innloggingen din er ikke knyttet til en ansatt."
        )
    with security_transaction(request.app) as session:
        return privacy.export_person(session, viewer=user, employee_id=user.employee_id)


@router.post("/people/{employee_id}/erase", response_model=ErasurePublic, operation_id="erase_person")
def erase_person(request: Request, employee_id: EmployeeId, user: PrivacyAdmin, body: EraseBody) -> ErasurePublic:
    """Anonymise (default) or erase one person, with a reason; logged."""
    try:
        with security_transaction(request.app) as session:
            report = privacy.erase_person(
                session, actor=user, employee_id=employee_id, reason=body.reason, mode=body.mode
            )
    except ValueError as exc:
        raise _guard(exc) from exc
    return ErasurePublic(**{k: getattr(report, k) for k in ErasurePublic.model_fields})


@router.get(
    "/people/{employee_id}/restrictions", response_model=list[RestrictionPublic], operation_id="read_restrictions"
)
def read_restrictions(
    request: Request,
    employee_id: EmployeeId,
    user: RestrictionReader,
    purpose: Annotated[str | None, Query(max_length=200)] = None,
) -> list[RestrictionPublic]:
    """A person's restriction flags (HR only); every read is written to the audit log."""
    with security_transaction(request.app) as session:
        rows = privacy.read_restrictions(session, viewer=user, employee_id=employee_id, purpose=purpose)
    return [RestrictionPublic(**row) for row in rows]


@router.post("/restrictions/purge", response_model=PurgePublic, operation_id="purge_restrictions")
def purge_restrictions(request: Request, user: PrivacyAdmin, body: PurgeBody) -> PurgePublic:
    """Delete restriction flags per the retention setting (all of them once the crisis has ended long enough)."""
    try:
        with security_transaction(request.app) as session:
            report = privacy.purge_restrictions(
                session,
                actor=user,
                today=dt.date.today(),
                crisis_ended_on=body.crisis_ended_on,
                retention=body.retention_days,
            )
    except ValueError as exc:
        raise _guard(exc) from exc
    return PurgePublic(deleted_flags=report.deleted_flags, people=report.people, cutoff=report.cutoff)
