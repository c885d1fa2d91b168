"""Tables for users, sessions, API tokens, the offer workflow and the append-only audit log.

Storage only: the services see :class:`ressursbank.services.policy.User` and plain records, never these classes.
Every timestamp here is naive UTC (``utcnow``); shift times are naive local time like the domain's.

Integrity lives in the database, not only in Python:

- ``offer_answers.idempotency_key`` is the primary key, so an answer is recorded exactly once;
- ``offers.version`` is an optimistic lock (every state change is ``UPDATE ... WHERE version = :seen``);
- ``booking_locks`` holds one row per employee that every accept updates first, so accepts for the same person
  are serialised on both SQLite (one writer) and PostgreSQL (row lock), and the overlap check that follows sees
  every earlier accept;
- ``audit_log`` refuses UPDATE and DELETE through triggers on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ressursbank.db.tables import NAMING_CONVENTION


class SecurityBase(DeclarativeBase):
    """Declarative base of the security and workflow tables (own metadata; no foreign keys into the org tables,
    so that erasing or re-importing a person never cascades into the audit trail)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: sa.JSON, list[str]: sa.JSON}


class UserRow(SecurityBase):
    __tablename__ = "security_users"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(sa.String(120), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    employee_id: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    unit_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    oidc_issuer: Mapped[str | None] = mapped_column(sa.String(300))
    oidc_subject: Mapped[str | None] = mapped_column(sa.String(300))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nb")
    disabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)

    __table_args__ = (
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_security_users_oidc_identity"),
        sa.CheckConstraint("role in ('hr','manager','employee','leadership','auditor')", name="role"),
    )


class SessionRow(SecurityBase):
    """A server-side login session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "security_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("security_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class ApiTokenRow(SecurityBase):
    """A long-lived bearer token for scripts; only its SHA-256 is stored."""

    __tablename__ = "security_api_tokens"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("security_users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


class SecretRow(SecurityBase):
    """Process-independent secrets (cookie signing key), created once so every worker agrees."""

    __tablename__ = "security_secrets"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))


class OfferRow(SecurityBase):
    """One offer: an employee is asked to work at a host unit for a span of shifts (a loan)."""

    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    plan_id: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    employee_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    home_unit_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    host_unit_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    first_start: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    last_end: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    release_required: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    release_status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    release_by: Mapped[str | None] = mapped_column(sa.String(120))
    release_reason: Mapped[str | None] = mapped_column(sa.String(500))
    answer_reason: Mapped[str | None] = mapped_column(sa.String(500))
    expires_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_by: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "status in ('proposed','offered','accepted','declined','expired','withdrawn','active','ended')",
            name="status",
        ),
        sa.CheckConstraint(
            "release_status in ('pending','approved','refused','overridden','not_needed')",
            name="release_status",
        ),
        sa.CheckConstraint("last_end > first_start", name="span"),
    )


class OfferShiftRow(SecurityBase):
    """A shift inside an offer (an assignment of the plan)."""

    __tablename__ = "offer_shifts"

    offer_id: Mapped[str] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    need_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    employee_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    unit_id: Mapped[str] = mapped_column(sa.String(120))
    start: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    end: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    qualification_used: Mapped[str] = mapped_column(sa.String(80), default="")

    __table_args__ = (sa.CheckConstraint('"end" > start', name="span"),)


class OfferAnswerRow(SecurityBase):
    """Every answer, keyed by the client's idempotency key: the same key twice is the same answer."""

    __tablename__ = "offer_answers"

    idempotency_key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    offer_id: Mapped[str] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    accept: Mapped[bool] = mapped_column(sa.Boolean)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    answered_by: Mapped[str] = mapped_column(sa.String(120))
    answered_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class BookingLockRow(SecurityBase):
    """One row per employee; an accept bumps it first so accepts for one person run one at a time."""

    __tablename__ = "booking_locks"

    employee_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    counter: Mapped[int] = mapped_column(sa.Integer, default=0)


class AuditRow(SecurityBase):
    """An append-only audit record: who did or read what, about whom, when and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime, index=True)
    actor_id: Mapped[int] = mapped_column(sa.Integer)
    actor_username: Mapped[str] = mapped_column(sa.String(120), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[str] = mapped_column(sa.String(200))
    person_id: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(1000))
    fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    __table_args__ = (sa.Index("ix_audit_log_subject", "subject_type", "subject_id"),)


#: Triggers that make the audit log append-only in the database itself.
SQLITE_AUDIT_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
POSTGRES_AUDIT_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()",
)


def _install_audit_triggers(target: sa.Table, connection: sa.Connection, **_: Any) -> None:
    statements = POSTGRES_AUDIT_TRIGGERS if connection.dialect.name == "postgresql" else SQLITE_AUDIT_TRIGGERS
    if connection.dialect.name in ("postgresql", "sqlite"):
        for statement in statements:
            connection.exec_driver_sql(statement)


sa.event.listen(AuditRow.__table__, "after_create", _install_audit_triggers)

SECURITY_METADATA = SecurityBase.metadata
