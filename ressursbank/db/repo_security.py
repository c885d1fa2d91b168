"""Queries for the security and workflow tables, so the services never build SQL themselves.

Functions take the session first and everything else by keyword. They flush, never commit: the caller (a
service or a request) owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ressursbank.db.engine import create_engine_for, session_factory
from ressursbank.db.tables_security import (
    SECURITY_METADATA,
    ApiTokenRow,
    AuditRow,
    BookingLockRow,
    OfferAnswerRow,
    OfferRow,
    OfferShiftRow,
    SecretRow,
    SessionRow,
    UserRow,
)

__all__ = [
    "SECURITY_METADATA",
    "ApiTokenRow",
    "AuditRow",
    "IntegrityError",
    "OfferAnswerRow",
    "OfferRow",
    "OfferShiftRow",
    "Session",
    "SessionRow",
    "UserRow",
    "create_engine_for",
    "session_factory",
]


# --- engines (used by tests and by services that run outside a request) -----------------------------------------


def create_security_tables(engine: Engine) -> None:
    """Create the security and workflow tables (tests and a fresh embedded database; Alembic in production)."""
    SECURITY_METADATA.create_all(engine)


# --- users, sessions, tokens, secrets -----------------------------------------------------------------------------


def user_by_username(session: Session, username: str) -> UserRow | None:
    return session.scalar(sa.select(UserRow).where(UserRow.username == username.strip().casefold()))


def user_by_id(session: Session, user_id: int) -> UserRow | None:
    return session.get(UserRow, user_id)


def user_by_oidc(session: Session, *, issuer: str, subject: str) -> UserRow | None:
    return session.scalar(sa.select(UserRow).where(UserRow.oidc_issuer == issuer, UserRow.oidc_subject == subject))


def users_for_employee(session: Session, employee_id: str) -> Sequence[UserRow]:
    return session.scalars(sa.select(UserRow).where(UserRow.employee_id == employee_id)).all()


def all_users(session: Session) -> Sequence[UserRow]:
    return session.scalars(sa.select(UserRow).order_by(UserRow.id)).all()


def session_by_hash(session: Session, token_hash: str) -> SessionRow | None:
    return session.get(SessionRow, token_hash)


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(sa.delete(SessionRow).where(SessionRow.token_hash == token_hash))


def delete_sessions_of(session: Session, user_id: int) -> None:
    session.execute(sa.delete(SessionRow).where(SessionRow.user_id == user_id))


def delete_expired_sessions(session: Session, now: dt.datetime) -> int:
    done = session.execute(sa.delete(SessionRow).where(SessionRow.expires_at < now))
    return int(getattr(done, "rowcount", 0) or 0)


def api_token_by_hash(session: Session, token_hash: str) -> ApiTokenRow | None:
    return session.scalar(sa.select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash))


def get_or_create_secret(session: Session, name: str, make: Any) -> str:
    """The stored secret ``name``; created with ``make()`` on first use (a race is settled by the primary key)."""
    row = session.get(SecretRow, name)
    if row is not None:
        return row.value
    try:
        with session.begin_nested():
            session.add(SecretRow(name=name, value=str(make())))
    except IntegrityError:
        pass
    row = session.get(SecretRow, name)
    assert row is not None
    return row.value


# --- offers --------------------------------------------------------------------------------------------------------


def offer_by_id(session: Session, offer_id: str) -> OfferRow | None:
    return session.get(OfferRow, offer_id)


def offer_shifts(session: Session, offer_id: str) -> Sequence[OfferShiftRow]:
    return session.scalars(
        sa.select(OfferShiftRow).where(OfferShiftRow.offer_id == offer_id).order_by(OfferShiftRow.start)
    ).all()


def shifts_of_offers(session: Session, offer_ids: Iterable[str]) -> dict[str, list[OfferShiftRow]]:
    ids = list(offer_ids)
    out: dict[str, list[OfferShiftRow]] = {i: [] for i in ids}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = session.scalars(
            sa.select(OfferShiftRow).where(OfferShiftRow.offer_id.in_(chunk)).order_by(OfferShiftRow.start)
        )
        for row in rows:
            out[row.offer_id].append(row)
    return out


def find_offers(
    session: Session,
    *,
    employee_id: str | None = None,
    status: str | Iterable[str] | None = None,
    unit_id: str | None = None,
    plan_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[OfferRow]:
    """Offers filtered by person, status (one or several), unit (home or host) and plan, oldest shift first."""
    query = sa.select(OfferRow)
    if employee_id is not None:
        query = query.where(OfferRow.employee_id == employee_id)
    if isinstance(status, str):
        query = query.where(OfferRow.status == status)
    elif status is not None:
        query = query.where(OfferRow.status.in_(list(status)))
    if unit_id is not None:
        query = query.where(sa.or_(OfferRow.host_unit_id == unit_id, OfferRow.home_unit_id == unit_id))
    if plan_id is not None:
        query = query.where(OfferRow.plan_id == plan_id)
    query = query.order_by(OfferRow.first_start, OfferRow.employee_id, OfferRow.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def update_offer_if_version(session: Session, *, offer_id: str, version: int, **values: Any) -> bool:
    """Compare-and-set: apply ``values`` and bump the version only if nobody changed the offer since ``version``."""
    done = session.execute(
        sa.update(OfferRow)
        .where(OfferRow.id == offer_id, OfferRow.version == version)
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    changed = int(getattr(done, "rowcount", 0) or 0) == 1
    if changed:
        row = session.get(OfferRow, offer_id)
        if row is not None:
            session.refresh(row)
    return changed


def lock_employee_bookings(session: Session, employee_id: str) -> None:
    """Serialise bookings of one employee until the transaction ends.

    The row is created on first use (INSERT that may lose a race, then re-tried as UPDATE); the UPDATE is the
    first write of the transaction, so SQLite takes its writer lock before any read, and PostgreSQL holds the row
    lock, making every later accept for the same person wait and then see this one.
    """
    bump = (
        sa.update(BookingLockRow)
        .where(BookingLockRow.employee_id == employee_id)
        .values(counter=BookingLockRow.counter + 1)
        .execution_options(synchronize_session=False)
    )
    done = session.execute(bump)
    if int(getattr(done, "rowcount", 0) or 0) == 1:
        return
    try:
        with session.begin_nested():
            session.add(BookingLockRow(employee_id=employee_id, counter=1))
    except IntegrityError:
        session.execute(bump)


def booked_shifts(session: Session, *, employee_id: str, exclude_offer_id: str) -> Sequence[OfferShiftRow]:
    """Shifts of the employee's accepted or active offers, other than ``exclude_offer_id``."""
    return session.scalars(
        sa.select(OfferShiftRow)
        .join(OfferRow, OfferRow.id == OfferShiftRow.offer_id)
        .where(
            OfferRow.employee_id == employee_id,
            OfferRow.status.in_(("accepted", "active")),
            OfferRow.id != exclude_offer_id,
        )
    ).all()


def answer_by_key(session: Session, key: str) -> OfferAnswerRow | None:
    return session.get(OfferAnswerRow, key)


def answers_of_offer(session: Session, offer_id: str) -> Sequence[OfferAnswerRow]:
    return session.scalars(
        sa.select(OfferAnswerRow).where(OfferAnswerRow.offer_id == offer_id).order_by(OfferAnswerRow.answered_at)
    ).all()


def offers_due_to_expire(session: Session, now: dt.datetime) -> Sequence[OfferRow]:
    return session.scalars(
        sa.select(OfferRow).where(
            OfferRow.status == "offered",
            sa.or_(
                sa.and_(OfferRow.expires_at.is_not(None), OfferRow.expires_at <= now),
                OfferRow.first_start <= now,
            ),
        )
    ).all()


def offers_to_activate(session: Session, now: dt.datetime) -> Sequence[OfferRow]:
    return session.scalars(sa.select(OfferRow).where(OfferRow.status == "accepted", OfferRow.first_start <= now)).all()


def delete_offers_of_employee(session: Session, employee_id: str) -> int:
    ids = session.scalars(sa.select(OfferRow.id).where(OfferRow.employee_id == employee_id)).all()
    if not ids:
        return 0
    session.execute(sa.delete(OfferAnswerRow).where(OfferAnswerRow.offer_id.in_(ids)))
    session.execute(sa.delete(OfferShiftRow).where(OfferShiftRow.offer_id.in_(ids)))
    session.execute(sa.delete(OfferRow).where(OfferRow.id.in_(ids)))
    session.execute(sa.delete(BookingLockRow).where(BookingLockRow.employee_id == employee_id))
    return len(ids)


# --- audit ---------------------------------------------------------------------------------------------------------


def search_audit(
    session: Session,
    *,
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
) -> tuple[int, Sequence[AuditRow]]:
    """Audit records matching every given filter, newest first, with the total count before paging."""
    conditions: list[sa.ColumnElement[bool]] = []
    if actor:
        conditions.append(AuditRow.actor_username == actor)
    if action:
        conditions.append(AuditRow.action == action)
    if subject_type:
        conditions.append(AuditRow.subject_type == subject_type)
    if subject_id:
        conditions.append(AuditRow.subject_id == subject_id)
    if person_id:
        conditions.append(AuditRow.person_id == person_id)
    if since is not None:
        conditions.append(AuditRow.at >= since)
    if until is not None:
        conditions.append(AuditRow.at < until)
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        conditions.append(sa.or_(AuditRow.reason.ilike(like), AuditRow.subject_id.ilike(like)))
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditRow).where(*conditions)) or 0
    rows = session.scalars(
        sa.select(AuditRow).where(*conditions).order_by(AuditRow.id.desc()).offset(offset).limit(limit)
    ).all()
    return int(total), rows


# --- facts from the organisation tables the workflow needs -------------------------------------------------------


def home_units_of(session: Session, employee_ids: Iterable[str]) -> dict[str, str]:
    """Employee id -> home unit id for the given employees (unknown ids are left out)."""
    from ressursbank.db.tables import EmployeeRow

    ids = sorted(set(employee_ids))
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(sa.select(EmployeeRow.id, EmployeeRow.home_unit_id).where(EmployeeRow.id.in_(chunk)))
        out.update({row.id: row.home_unit_id for row in rows})
    return out


def unit_kinds_and_areas(session: Session, unit_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Unit id -> (kind, area id)."""
    from ressursbank.db.tables import UnitRow

    ids = sorted(set(unit_ids))
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(UnitRow.id, UnitRow.kind, UnitRow.area_id).where(UnitRow.id.in_(ids[start : start + 500]))
        )
        out.update({row.id: (row.kind, row.area_id) for row in rows})
    return out


def unit_closed_periods(session: Session, unit_ids: Iterable[str]) -> dict[str, list[tuple[dt.date, dt.date]]]:
    """Unit id -> the inclusive date ranges its normal status timeline marks it closed."""
    from ressursbank.db.tables import UnitStatusPeriodRow

    ids = sorted(set(unit_ids))
    out: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(UnitStatusPeriodRow.unit_id, UnitStatusPeriodRow.start, UnitStatusPeriodRow.end).where(
                UnitStatusPeriodRow.unit_id.in_(ids[start : start + 500]), UnitStatusPeriodRow.status == "closed"
            )
        )
        for row in rows:
            out.setdefault(row.unit_id, []).append((row.start, row.end))
    return out


def offer_exists(
    session: Session, *, plan_id: str, employee_id: str, host_unit_id: str, first_start: dt.datetime
) -> bool:
    found = session.scalar(
        sa.select(OfferRow.id).where(
            OfferRow.plan_id == plan_id,
            OfferRow.employee_id == employee_id,
            OfferRow.host_unit_id == host_unit_id,
            OfferRow.first_start == first_start,
        )
    )
    return found is not None


def delete_offer_shifts_from(session: Session, *, offer_id: str, start: dt.datetime) -> None:
    session.execute(sa.delete(OfferShiftRow).where(OfferShiftRow.offer_id == offer_id, OfferShiftRow.start >= start))


def lock_offer(session: Session, offer_id: str) -> bool:
    """Take the offer's write lock for the rest of the transaction (False if there is no such offer).

    A no-op UPDATE: on PostgreSQL it holds the row lock, so answers to one offer run one at a time; on SQLite it is
    the transaction's first write, taking the database's writer lock before anything is read.
    """
    done = session.execute(
        sa.update(OfferRow)
        .where(OfferRow.id == offer_id)
        .values(version=OfferRow.version)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0) == 1


# --- data subject requests and retention ---------------------------------------------------------------------------


def plan_assignments_of(session: Session, employee_id: str) -> list[dict[str, Any]]:
    """Every stored plan assignment of one employee, as plain dicts."""
    from ressursbank.db.tables import PlanAssignmentRow

    rows = session.execute(
        sa.select(*PlanAssignmentRow.__table__.columns)
        .where(PlanAssignmentRow.employee_id == employee_id)
        .order_by(PlanAssignmentRow.start)
    )
    return [dict(row._mapping) for row in rows]


def anonymise_employee(session: Session, *, employee_id: str, pseudonym: str) -> bool:
    """Replace the name, drop absences and restrictions, reset preferences; keep the id so plans stay readable."""
    from ressursbank.db.tables import AbsenceRow, EmployeeRow, RestrictionRow

    done = session.execute(
        sa.update(EmployeeRow)
        .where(EmployeeRow.id == employee_id)
        .values(
            name=pseudonym,
            willing_unit_kinds=[],
            max_travel_km=25.0,
            wants_more_hours=False,
            avoid_nights=False,
            avoid_weekends=False,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(sa.delete(AbsenceRow).where(AbsenceRow.employee_id == employee_id))
    session.execute(sa.delete(RestrictionRow).where(RestrictionRow.employee_id == employee_id))
    return int(getattr(done, "rowcount", 0) or 0) == 1


def delete_employee(session: Session, *, employee_id: str) -> bool:
    """Delete an employee with every child row and every stored plan assignment and training of theirs."""
    from ressursbank.db.tables import (
        AbsenceRow,
        EmployeeRow,
        HeldQualificationRow,
        PlanAssignmentRow,
        PlanTrainingRow,
        RestrictionRow,
    )

    for table in (HeldQualificationRow, AbsenceRow, RestrictionRow, PlanAssignmentRow, PlanTrainingRow):
        session.execute(sa.delete(table).where(table.employee_id == employee_id))
    done = session.execute(sa.delete(EmployeeRow).where(EmployeeRow.id == employee_id))
    return int(getattr(done, "rowcount", 0) or 0) == 1


def scrub_offer_texts(session: Session, *, employee_id: str) -> None:
    """Drop the free-text reasons a person gave in answers (they may say why, e.g. a health reason)."""
    ids = session.scalars(sa.select(OfferRow.id).where(OfferRow.employee_id == employee_id)).all()
    if not ids:
        return
    session.execute(
        sa.update(OfferRow)
        .where(OfferRow.id.in_(ids))
        .values(answer_reason=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(OfferAnswerRow)
        .where(OfferAnswerRow.offer_id.in_(ids))
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )


def restriction_rows(session: Session, employee_id: str) -> list[dict[str, Any]]:
    from ressursbank.db.tables import RestrictionRow

    rows = session.execute(
        sa.select(RestrictionRow.flag, RestrictionRow.valid_from, RestrictionRow.valid_to, RestrictionRow.approved_by)
        .where(RestrictionRow.employee_id == employee_id)
        .order_by(RestrictionRow.seq)
    )
    return [dict(row._mapping) for row in rows]


def delete_restrictions(session: Session, *, ended_before: dt.date | None = None) -> list[str]:
    """Delete restriction flags (all of them, or those whose validity ended before ``ended_before``).

    Returns the employee ids whose flags were deleted (one per deleted flag).
    """
    from ressursbank.db.tables import RestrictionRow

    condition: sa.ColumnElement[bool] = sa.true()
    if ended_before is not None:
        condition = sa.and_(RestrictionRow.valid_to.is_not(None), RestrictionRow.valid_to < ended_before)
    owners = list(session.scalars(sa.select(RestrictionRow.employee_id).where(condition)).all())
    session.execute(sa.delete(RestrictionRow).where(condition))
    return owners


def employee_exists(session: Session, employee_id: str) -> bool:
    from ressursbank.db.tables import EmployeeRow

    return session.scalar(sa.select(EmployeeRow.id).where(EmployeeRow.id == employee_id)) is not None


def disable_users_of(session: Session, *, employee_id: str, pseudonym: str) -> list[int]:
    """Disable the accounts bound to an employee, unbind them and end their sessions; returns their ids."""
    users = list(session.scalars(sa.select(UserRow).where(UserRow.employee_id == employee_id)).all())
    for user in users:
        user.disabled = True
        user.username = f"slettet-{user.id}"
        user.display_name = pseudonym
        user.employee_id = None
        user.password_hash = None
        user.oidc_subject = None
        user.oidc_issuer = None
        session.execute(sa.delete(SessionRow).where(SessionRow.user_id == user.id))
        session.execute(
            sa.update(ApiTokenRow)
            .where(ApiTokenRow.user_id == user.id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
            .execution_options(synchronize_session=False)
        )
    return [u.id for u in users]
