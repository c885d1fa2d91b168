"""Special-category data and data subject rights: logged reads of restrictions, retention, export and erasure.

Restrictions are reason-free flags (``no_covid_contact``, ``no_nights``...) with validity and approver: never the
diagnosis. Only HR reads them (:func:`read_restrictions`, which writes an audit record every time); everyone else is
told "not available for this task" (:func:`ressursbank.services.policy.restriction_text`). At the end of a crisis
they are deleted after a retention period (:func:`purge_restrictions`, ``RESSURSBANK_RESTRICTION_RETENTION_DAYS``,
default 30).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import asdict, dataclass
from typing import Any

from ressursbank.db import repo_security as repo
from ressursbank.db import repository
from ressursbank.exceptions import NotFound, PermissionDenied
from ressursbank.services import audit, workflow
from ressursbank.services.policy import Permission, Role, User, can, check

DEFAULT_RETENTION_DAYS = 30
EXPORT_FORMAT = "ressursbank-person-export/1"


def retention_days() -> int:
    """Days restriction flags are kept after a crisis ends: ``RESSURSBANK_RESTRICTION_RETENTION_DAYS`` or 30."""
    raw = os.environ.get("RESSURSBANK_RESTRICTION_RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    value = int(raw)
    if not 0 <= value <= 3650:
        raise ValueError(f"RESSURSBANK_RESTRICTION_RETENTION_DAYS must be 0..3650, got {value}")
    return value


def read_restrictions(
    session: repo.Session, *, viewer: User, employee_id: str, purpose: str | None = None
) -> list[dict[str, Any]]:
    """A person's restriction flags for HR; every read is written to the audit log with its purpose.

    Raises
    ------
    PermissionDenied
        The viewer may not read restrictions (everyone but HR).
    """
    check(viewer, Permission.RESTRICTIONS_READ)
    rows = repo.restriction_rows(session, employee_id)
    audit.record(
        session,
        actor=viewer,
        action="restrictions.read",
        subject_type="employee",
        subject_id=employee_id,
        reason=purpose,
        fields=["restrictions"],
    )
    return rows


def record_person_read(session: repo.Session, *, viewer: User, employee_id: str, fields: list[str]) -> None:
    """Log that ``viewer`` opened a person's record (the employee can see it in their access log)."""
    if viewer.employee_id == employee_id:
        return
    audit.record(
        session, actor=viewer, action="person.read", subject_type="employee", subject_id=employee_id, fields=fields
    )


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What a retention run deleted."""

    deleted_flags: int
    people: int
    crisis_ended_on: dt.date | None
    cutoff: dt.date


def purge_restrictions(
    session: repo.Session,
    *,
    actor: User,
    today: dt.date,
    crisis_ended_on: dt.date | None = None,
    retention: int | None = None,
) -> PurgeReport:
    """Delete restriction flags per the retention setting.

    Flags whose validity ended more than ``retention`` days ago go always; once ``retention`` days have passed
    since ``crisis_ended_on``, every flag goes (they are crisis-only data). The audit log records how many, never
    which flags.
    """
    check(actor, Permission.PRIVACY_ADMIN)
    keep = retention_days() if retention is None else retention
    cutoff = today - dt.timedelta(days=keep)
    if crisis_ended_on is not None and crisis_ended_on <= cutoff:
        owners = repo.delete_restrictions(session)
    else:
        owners = repo.delete_restrictions(session, ended_before=cutoff)
    audit.record(
        session,
        actor=actor,
        action="restrictions.purge",
        subject_type="retention",
        subject_id=today.isoformat(),
        reason=f"{len(owners)} flag(s) of {len(set(owners))} person(s); retention {keep} d"
        + (f"; crisis ended {crisis_ended_on.isoformat()}" if crisis_ended_on else ""),
    )
    return PurgeReport(len(owners), len(set(owners)), crisis_ended_on, cutoff)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if hasattr(value, "value") and not isinstance(value, int | float | str | bool):
        return _jsonable(value.value)
    return value


def _may_export(viewer: User, employee_id: str) -> bool:
    return can(viewer, Permission.PRIVACY_ADMIN) or (
        viewer.employee_id == employee_id and can(viewer, Permission.SELF_READ)
    )


def export_person(session: repo.Session, *, viewer: User, employee_id: str) -> dict[str, Any]:
    """Everything ressursbank holds about one person, as JSON-ready data (GDPR art. 15 and 20).

    HR may export anyone; an employee may export themselves. Restriction flags are included (they are the
    person's own data). The export itself is logged.
    """
    if not _may_export(viewer, employee_id):
        raise PermissionDenied("only HR or the person themselves may export a person's data")
    try:
        employee: dict[str, Any] | None = asdict(repository.load_employee(session=session, employee_id=employee_id))
    except NotFound:
        employee = None
    offers = workflow.list_offers(session, employee_id=employee_id)
    if employee is None and not offers:
        raise NotFound(f"unknown employee {employee_id!r} / ukjent ansatt")
    answers = {o.id: [_answer(a) for a in repo.answers_of_offer(session, o.id)] for o in offers}
    users = [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "created_at": u.created_at,
            "last_login_at": u.last_login_at,
            "sso": u.oidc_subject is not None,
        }
        for u in repo.users_for_employee(session, employee_id)
    ]
    _, access = repo.search_audit(session, person_id=employee_id, limit=10_000)
    audit.record(
        session,
        actor=viewer,
        action="person.export",
        subject_type="employee",
        subject_id=employee_id,
        fields=["all"],
    )
    document: dict[str, Any] = _jsonable(
        {
            "format": EXPORT_FORMAT,
            "exported_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "employee_id": employee_id,
            "employee": employee,
            "accounts": users,
            "plan_assignments": repo.plan_assignments_of(session, employee_id),
            "offers": [{**asdict(o), "answers": answers[o.id]} for o in offers],
            "access_log": [
                {
                    "at": r.at,
                    "by": r.actor_username,
                    "role": r.actor_role,
                    "action": r.action,
                    "fields": list(r.fields or []),
                    "reason": r.reason,
                }
                for r in access
            ],
        }
    )
    return document


def _answer(row: repo.OfferAnswerRow) -> dict[str, Any]:
    return {
        "accept": row.accept,
        "reason": row.reason,
        "outcome": row.outcome,
        "answered_at": row.answered_at,
        "answered_by": row.answered_by,
    }


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What an erasure or anonymisation did."""

    employee_id: str
    mode: str
    pseudonym: str
    employee_changed: bool
    offers_deleted: int
    accounts_disabled: int


def pseudonym_for(employee_id: str) -> str:
    """A stable, non-reversible display name for an anonymised person."""
    return "Anonymisert " + hashlib.sha256(employee_id.encode()).hexdigest()[:8]


def erase_person(
    session: repo.Session, *, actor: User, employee_id: str, reason: str, mode: str = "anonymise"
) -> ErasureReport:
    """Erase or anonymise one person (GDPR art. 17), with a reason, logged.

    ``anonymise`` keeps the employee id (so stored plans stay consistent) but replaces the name, deletes
    absences, restriction flags and preferences, clears free-text answers and disables their accounts.
    ``erase`` also deletes the employee record, their plan assignments and their offers.
    The audit log keeps its records (a legal record of processing); they name the person only by id.
    """
    check(actor, Permission.PRIVACY_ADMIN)
    if actor.role is not Role.HR:
        raise PermissionDenied("only HR erases personal data")
    if not reason.strip():
        raise ValueError("an erasure needs a reason (the request's reference)")
    if mode not in ("anonymise", "erase"):
        raise ValueError("mode must be 'anonymise' or 'erase'")
    if not repo.employee_exists(session, employee_id) and not workflow.list_offers(session, employee_id=employee_id):
        raise NotFound(f"unknown employee {employee_id!r} / ukjent ansatt")
    name = pseudonym_for(employee_id)
    accounts = repo.disable_users_of(session, employee_id=employee_id, pseudonym=name)
    repo.scrub_offer_texts(session, employee_id=employee_id)
    if mode == "anonymise":
        changed = repo.anonymise_employee(session, employee_id=employee_id, pseudonym=name)
        offers = 0
    else:
        offers = repo.delete_offers_of_employee(session, employee_id)
        changed = repo.delete_employee(session, employee_id=employee_id)
    audit.record(
        session,
        actor=actor,
        action=f"person.{mode}",
        subject_type="employee",
        subject_id=employee_id,
        reason=reason,
        fields=["name", "absences", "restrictions", "preferences", "accounts"],
    )
    return ErasureReport(employee_id, mode, name, changed, offers, len(accounts))
