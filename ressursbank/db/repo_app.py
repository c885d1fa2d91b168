"""Keyword-only repository functions for solve jobs and the notification outbox.

Services pass a session and get plain frozen records back; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ressursbank.db.tables_app import AppBase, JobRow, OutboxRow, PinRow

#: Re-exported so services can annotate sessions without importing SQLAlchemy themselves.
DbSession = Session

ACTIVE_JOB_STATUSES = ("queued", "running")
JOB_FIELDS = (
    "status",
    "progress",
    "message",
    "best_objective",
    "bound",
    "gap",
    "plan_id",
    "previous_plan_id",
    "result",
    "error",
    "pid",
    "started_at",
    "heartbeat_at",
    "finished_at",
)


def utcnow() -> dt.datetime:
    """Naive UTC now (the storage convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A solve job as the services see it."""

    id: str
    kind: str
    scenario_id: str
    status: str
    params: dict[str, Any]
    progress: float
    message: str
    best_objective: float | None
    bound: float | None
    gap: float | None
    plan_id: str | None
    previous_plan_id: str | None
    result: dict[str, Any]
    error: str | None
    pid: int | None
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """A notification in the outbox."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    link: str
    employee_id: str | None
    offer_id: str | None
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None = field(default=None)


def create_app_tables(bind: sa.Engine) -> None:
    """Create the jobs and outbox tables (tests and first start on SQLite; Alembic does it in production)."""
    AppBase.metadata.create_all(bind)


def _job(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        scenario_id=row.scenario_id,
        status=row.status,
        params=dict(row.params or {}),
        progress=row.progress or 0.0,
        message=row.message or "",
        best_objective=row.best_objective,
        bound=row.bound,
        gap=row.gap,
        plan_id=row.plan_id,
        previous_plan_id=row.previous_plan_id,
        result=dict(row.result or {}),
        error=row.error,
        pid=row.pid,
        created_by=row.created_by or "",
        created_at=row.created_at,
        started_at=row.started_at,
        heartbeat_at=row.heartbeat_at,
        finished_at=row.finished_at,
    )


def create_job(
    session: Session,
    *,
    scenario_id: str,
    params: dict[str, Any],
    created_by: str,
    previous_plan_id: str | None = None,
    kind: str = "plan",
) -> JobRecord:
    """Insert a queued job and return it."""
    row = JobRow(
        id=str(uuid.uuid4()),
        kind=kind,
        scenario_id=scenario_id,
        status="queued",
        params=params,
        progress=0.0,
        message="",
        result={},
        previous_plan_id=previous_plan_id,
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, *, job_id: str) -> JobRecord | None:
    """The job with ``job_id``, or None."""
    row = session.get(JobRow, job_id)
    return _job(row) if row is not None else None


def list_jobs(
    session: Session, *, scenario_id: str | None = None, status: str | None = None, limit: int = 100
) -> list[JobRecord]:
    """Jobs, newest first."""
    stmt = sa.select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
    if scenario_id is not None:
        stmt = stmt.where(JobRow.scenario_id == scenario_id)
    if status is not None:
        stmt = stmt.where(JobRow.status == status)
    return [_job(r) for r in session.scalars(stmt)]


def update_job(session: Session, *, job_id: str, only_if_status: tuple[str, ...] = (), **fields: Any) -> bool:
    """Set ``fields`` on the job; with ``only_if_status`` only while the job is in one of those states.

    Returns True if a row changed, so a late progress report never overwrites a cancelled or failed job.
    """
    unknown = set(fields) - set(JOB_FIELDS)
    if unknown:
        raise ValueError(f"unknown job fields: {sorted(unknown)}")
    stmt = sa.update(JobRow).where(JobRow.id == job_id).values(**fields)
    if only_if_status:
        stmt = stmt.where(JobRow.status.in_(only_if_status))
    result = session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


def enqueue_notification(
    session: Session,
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    link: str = "",
    employee_id: str | None = None,
    offer_id: str | None = None,
) -> int:
    """Add a pending notification to the outbox; returns its id."""
    row = OutboxRow(
        channel=channel,
        recipient=recipient,
        subject=subject[:300],
        body=body,
        link=link,
        employee_id=employee_id,
        offer_id=offer_id,
        status="pending",
        attempts=0,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return int(row.id)


def _outbox(row: OutboxRow) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        channel=row.channel,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        link=row.link,
        employee_id=row.employee_id,
        offer_id=row.offer_id,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def due_notifications(session: Session, *, now: dt.datetime, limit: int = 100) -> list[OutboxRecord]:
    """Pending notifications whose next attempt is due, oldest first."""
    stmt = (
        sa.select(OutboxRow)
        .where(OutboxRow.status == "pending")
        .where(sa.or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now))
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return [_outbox(r) for r in session.scalars(stmt)]


def list_notifications(
    session: Session, *, employee_id: str | None = None, status: str | None = None, limit: int = 200
) -> list[OutboxRecord]:
    """Notifications, newest first."""
    stmt = sa.select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
    if employee_id is not None:
        stmt = stmt.where(OutboxRow.employee_id == employee_id)
    if status is not None:
        stmt = stmt.where(OutboxRow.status == status)
    return [_outbox(r) for r in session.scalars(stmt)]


def mark_notification(
    session: Session,
    *,
    notification_id: int,
    sent: bool,
    error: str | None = None,
    retry_at: dt.datetime | None = None,
    give_up: bool = False,
) -> None:
    """Record one delivery attempt: sent, or failed with the error and when to try again."""
    row = session.get(OutboxRow, notification_id)
    if row is None:
        return
    row.attempts = (row.attempts or 0) + 1
    if sent:
        row.status, row.sent_at, row.last_error = "sent", utcnow(), None
    else:
        row.last_error = (error or "unknown error")[:2000]
        row.next_attempt_at = retry_at
        row.status = "failed" if give_up else "pending"


# --- pins ------------------------------------------------------------------------------------------------------------
def add_pins(session: Session, *, scenario_id: str, keys: list[tuple[str, str]], created_by: str) -> int:
    """Pin (employee id, need id) pairs of a scenario; already pinned pairs are left as they are."""
    existing = set(list_pins(session, scenario_id=scenario_id))
    added = 0
    for employee_id, need_id in dict.fromkeys(keys):
        if (employee_id, need_id) in existing:
            continue
        session.add(
            PinRow(
                scenario_id=scenario_id,
                employee_id=employee_id,
                need_id=need_id,
                created_by=created_by,
                created_at=utcnow(),
            )
        )
        added += 1
    session.flush()
    return added


def remove_pins(session: Session, *, scenario_id: str, employee_id: str) -> int:
    """Unpin every shift of one person in a scenario."""
    result = session.execute(
        sa.delete(PinRow).where(PinRow.scenario_id == scenario_id, PinRow.employee_id == employee_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_pins(session: Session, *, scenario_id: str) -> list[tuple[str, str]]:
    """The pinned (employee id, need id) pairs of a scenario."""
    rows = session.execute(sa.select(PinRow.employee_id, PinRow.need_id).where(PinRow.scenario_id == scenario_id))
    return [(r[0], r[1]) for r in rows]
