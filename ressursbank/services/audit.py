"""The audit log: who read a restricted field, who changed a plan, an assignment, an offer or a person, when and why.

Append-only by construction: this module offers :func:`record` and searches, nothing that changes or removes a
record, and the database refuses UPDATE and DELETE on the table (triggers on SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ressursbank.db import repo_security as repo
from ressursbank.services.policy import Permission, User, check


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as people read it."""

    id: int
    at: dt.datetime
    actor: str
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    person_id: str | None
    reason: str | None
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of audit entries and how many match in all."""

    total: int
    entries: tuple[AuditEntry, ...]


#: Actions an employee sees as "someone looked at or changed my data".
READ_ACTIONS = frozenset({"person.read", "restrictions.read", "person.export"})


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(
    session: repo.Session,
    *,
    actor: User,
    action: str,
    subject_type: str,
    subject_id: str,
    reason: str | None = None,
    fields: Iterable[str] | None = None,
    person_id: str | None = None,
) -> None:
    """Append one record in the caller's transaction (so the record and the change commit or roll back together).

    Parameters
    ----------
    action
        Dotted verb, e.g. ``"restrictions.read"``, ``"offer.accept"``, ``"plan.pin"``, ``"person.erase"``.
    subject_type, subject_id
        What was read or changed (``"employee"``, ``"offer"``, ``"plan"``, ``"assignment"``, ``"user"``...).
    fields
        Names of the fields read or changed (never their values: the log must not become a copy of the data).
    person_id
        The employee the data is about, if any, so they can see who has looked at their data.
    """
    if person_id is None and subject_type == "employee":
        person_id = subject_id
    session.add(
        repo.AuditRow(
            at=_utcnow(),
            actor_id=actor.id,
            actor_username=actor.username,
            actor_role=str(actor.role),
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            person_id=person_id,
            reason=(reason or None) and reason[:1000],
            fields=sorted(set(fields or ())),
        )
    )


def _entry(row: repo.AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor_username,
        actor_role=row.actor_role,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        person_id=row.person_id,
        reason=row.reason,
        fields=tuple(row.fields or ()),
    )


def search(
    session: repo.Session,
    *,
    viewer: User,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    person_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    text: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    """The auditor's search: every filter optional, newest first.

    Raises
    ------
    PermissionDenied
        ``viewer`` may not read the audit log.
    """
    check(viewer, Permission.AUDIT_READ)
    total, rows = repo.search_audit(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        person_id=person_id,
        since=since,
        until=until,
        text=text,
        limit=max(1, min(limit, 1000)),
        offset=max(0, offset),
    )
    return AuditPage(total=total, entries=tuple(_entry(r) for r in rows))


def accesses_to_me(session: repo.Session, *, viewer: User, limit: int = 200) -> AuditPage:
    """Who has read or changed the viewer's own data (GDPR art. 15; Normen's access-log right).

    Only entries by other people are shown; system jobs appear as ``system``.
    """
    if viewer.employee_id is None:
        return AuditPage(total=0, entries=())
    _, rows = repo.search_audit(session, person_id=viewer.employee_id, limit=max(1, min(limit, 1000)))
    entries = tuple(_entry(r) for r in rows if r.actor_id != viewer.id)
    return AuditPage(total=len(entries), entries=entries)
