"""The audit log through the API: the auditor's search, and each person's view of who looked at their data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from ressursbank.api.i18n import negotiate
from ressursbank.api.security import CurrentUser, require, security_transaction
from ressursbank.api.templating import render
from ressursbank.services import audit
from ressursbank.services.policy import Permission, User

router = APIRouter(tags=["audit"])

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


@router.get("/api/audit", response_model=AuditPagePublic, operation_id="search_audit")
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


@router.get("/api/me/access-log", response_model=list[AccessEntryPublic], operation_id="my_access_log")
def my_access_log(request: Request, user: CurrentUser) -> list[AccessEntryPublic]:
    """Who has read or changed your data, newest first (your right of access; Normen's access log)."""
    with security_transaction(request.app) as session:
        page = audit.accesses_to_me(session, viewer=user)
    return [
        AccessEntryPublic(at=e.at, by=e.actor, role=e.actor_role, action=e.action, fields=list(e.fields))
        for e in page.entries
    ]


# --- pages ------------------------------------------------------------------------------------------------------

PAGE_TEXT: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Revisjonslogg",
        "intro": "Hvem har lest eller endret hva, om hvem, når og hvorfor. Loggen kan ikke endres eller slettes.",
        "actor": "Bruker",
        "action": "Handling",
        "person": "Ansattnr. (gjelder)",
        "text": "Fritekst i begrunnelse",
        "since": "Fra og med",
        "until": "Til",
        "search": "Søk",
        "at": "Tidspunkt",
        "role": "Rolle",
        "subject": "Gjelder",
        "reason": "Begrunnelse",
        "fields": "Felt",
        "none": "Ingen treff.",
        "found": "treff",
        "mine_title": "Hvem har sett dataene mine",
        "mine_intro": "Alle som har lest eller endret opplysninger om deg i ressursbank, nyeste først.",
        "prev": "Forrige side",
        "next": "Neste side",
    },
    "en": {
        "title": "Audit log",
        "intro": "Who read or changed what, about whom, when and why. The log cannot be changed or deleted.",
        "actor": "User",
        "action": "Action",
        "person": "Employee no. (about)",
        "text": "Text in the reason",
        "since": "From",
        "until": "Until",
        "search": "Search",
        "at": "Time",
        "role": "Role",
        "subject": "About",
        "reason": "Reason",
        "fields": "Fields",
        "none": "Nothing found.",
        "found": "found",
        "mine_title": "Who has seen my data",
        "mine_intro": "Everyone who has read or changed information about you in ressursbank, newest first.",
        "prev": "Previous page",
        "next": "Next page",
    },
}
PAGE_SIZE = 100


def _day(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    except ValueError:
        return None


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False, name="page_audit")
def page_audit(
    request: Request,
    user: Annotated[User, Depends(require(Permission.AUDIT_READ))],
    actor: Short = None,
    action: Short = None,
    person_id: Short = None,
    text: Short = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The auditor's search page (a GET form, so a search can be bookmarked)."""
    lang = negotiate(request)
    end = _day(until)
    with security_transaction(request.app) as session:
        found = audit.search(
            session,
            viewer=user,
            actor=actor or None,
            action=action or None,
            person_id=person_id or None,
            text=text or None,
            since=_day(since),
            until=end + dt.timedelta(days=1) if end else None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    query = {
        k: v
        for k, v in {
            "actor": actor,
            "action": action,
            "person_id": person_id,
            "text": text,
            "since": since,
            "until": until,
        }.items()
        if v
    }
    return render(
        request,
        "auth/audit.html",
        {
            "t": PAGE_TEXT[lang],
            "title": PAGE_TEXT[lang]["title"],
            "found": found,
            "filters": query,
            "page": page,
            "pages": max(1, (found.total + PAGE_SIZE - 1) // PAGE_SIZE),
            "prev_query": urlencode({**query, "page": page - 1}),
            "next_query": urlencode({**query, "page": page + 1}),
        },
    )


@router.get("/me/access-log", response_class=HTMLResponse, include_in_schema=False, name="page_my_access_log")
def page_my_access_log(request: Request, user: CurrentUser) -> HTMLResponse:
    """The employee's page: who has read or changed my data."""
    lang = negotiate(request)
    with security_transaction(request.app) as session:
        mine = audit.accesses_to_me(session, viewer=user)
    return render(
        request,
        "auth/access_log.html",
        {"t": PAGE_TEXT[lang], "title": PAGE_TEXT[lang]["mine_title"], "entries": mine.entries},
    )
