"""Tables of the web application: solve jobs and the notification outbox.

Storage only: services see :class:`ressursbank.db.repo_app.JobRecord` and
:class:`ressursbank.db.repo_app.OutboxRecord`, never these classes. Timestamps are naive UTC. The tables have
their own metadata (no foreign keys into the organisation tables), like the security tables, so each side can
migrate on its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
OUTBOX_STATUSES = ("pending", "sent", "failed")


class AppBase(DeclarativeBase):
    """Declarative base of the web application's tables."""

    type_annotation_map = {dict[str, Any]: sa.JSON}  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)


class JobRow(AppBase):
    """A solve job: what was asked, how far it got, and how it ended."""

    __tablename__ = "app_jobs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="plan")
    scenario_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    progress: Mapped[float] = mapped_column(sa.Float, default=0.0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    best_objective: Mapped[float | None] = mapped_column(sa.Float)
    bound: Mapped[float | None] = mapped_column(sa.Float)
    gap: Mapped[float | None] = mapped_column(sa.Float)
    plan_id: Mapped[str | None] = mapped_column(sa.String(120))
    previous_plan_id: Mapped[str | None] = mapped_column(sa.String(120))
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)
    pid: Mapped[int | None] = mapped_column(sa.Integer)
    created_by: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "status in ('queued','running','succeeded','failed','cancelled')", name="ck_app_jobs_status"
        ),
    )


class OutboxRow(AppBase):
    """A notification waiting to be sent (or sent): nothing is lost when the mail server is down."""

    __tablename__ = "app_outbox"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    recipient: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    employee_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    offer_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(10), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (
        sa.CheckConstraint("channel in ('email','sms')", name="ck_app_outbox_channel"),
        sa.CheckConstraint("status in ('pending','sent','failed')", name="ck_app_outbox_status"),
    )


class PinRow(AppBase):
    """An assignment HR pinned by hand: re-planning keeps it (like the shifts of accepted offers)."""

    __tablename__ = "app_pins"

    scenario_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    employee_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    need_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    created_by: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
