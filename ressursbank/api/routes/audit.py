"""The audit log through the API: the auditor's search, and each person's view of who looked at their data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from ressursbank.api.security import CurrentUser, require, security_transaction
from ressursbank.services import audit
from ressursbank.services.policy import Permission, User

router = APIRouter(prefix="/api", tags=["audit"])

Auditor = Annotated[User, Depends(require(Permission.AUDIT_READ))]
Short = Annotated[str | None, Query(max_length=120, pattern=r"^[\w.:@/ -]*$")]


class AuditEntryPublic(BaseModel):
    """One audit record."""

    id: int
    at: dt.datetime
    actor: str
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    person_id: str | None
    reason: str | None
    fields: list[str]


class AuditPagePublic(BaseModel):
    """A page of audit records, newest first, and how many match in all."""

    total: int
    limit: int
    offset: int
    items: list[AuditEntryPublic]


class AccessEntryPublic(BaseModel):
    """Someone read or changed your data."""

    at: dt.datetime
    by: str
    role: str
    action: str
    fields: list[str]


def _entry(e: audit.AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=e.id,
        at=e.at,
        actor=e.actor,
        actor_role=e.actor_role,
        action=e.action,
        subject_type=e.subject_type,
        subject_id=e.subject_id,
        person_id=e.person_id,
        reason=e.reason,
        fields=list(e.fields),
    )


@router.get("/audit", response_model=AuditPagePublic, operation_id="search_audit")
def search_audit(
    request: Request,
    user: Auditor,
    actor: Short = None,
    action: Short = None,
    subject_type: Short = None,
    subject_id: Short = None,
    person_id: Short = None,
    since: Annotated[dt.datetime | None, Query()] = None,
    until: Annotated[dt.datetime | None, Query()] = None,
    text: Short = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPagePublic:
    """Search the audit log: by who, what, about whom, when, or a word in the reason; newest first."""
    with security_transaction(request.app) as session:
        page = audit.search(
            session,
            viewer=user,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            person_id=person_id,
            since=since.replace(tzinfo=None) if since else None,
            until=until.replace(tzinfo=None) if until else None,
            text=text,
            limit=limit,
            offset=offset,
        )
    return AuditPagePublic(total=page.total, limit=limit, offset=offset, items=[_entry(e) for e in page.entries])


@router.get("/me/access-log", response_model=list[AccessEntryPublic], operation_id="my_access_log")
def my_access_log(request: Request, user: CurrentUser) -> list[AccessEntryPublic]:
    """Who has read or changed your data, newest first (your right of access; Normen's access log)."""
    with security_transaction(request.app) as session:
        page = audit.accesses_to_me(session, viewer=user)
    return [
        AccessEntryPublic(at=e.at, by=e.actor, role=e.actor_role, action=e.action, fields=list(e.fields))
        for e in page.entries
    ]
