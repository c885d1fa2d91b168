"""Security and workflow tables: users, sessions, API tokens, secrets, offers with shifts and answers, booking
locks, and the append-only audit log (with triggers refusing UPDATE and DELETE on SQLite and PostgreSQL).

Revision ID: 0003_security
Revises: 0002_app
Create Date: 2026-11-27 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

#: Copies of the statements in tables_security (a migration is frozen: it must not change when the module does).
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

revision: str = "0003_security"
down_revision: str | None = "0002_app"
branch_labels: str | None = None
depends_on: str | None = None

TABLES_CHILDREN_FIRST = (
    "security_sessions",
    "security_api_tokens",
    "offer_shifts",
    "offer_answers",
    "security_users",
    "security_secrets",
    "offers",
    "booking_locks",
    "audit_log",
)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("actor_username", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_index(op.f("ix_audit_log_actor_username"), "audit_log", ["actor_username"], unique=False)
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_person_id"), "audit_log", ["person_id"], unique=False)
    op.create_index("ix_audit_log_subject", "audit_log", ["subject_type", "subject_id"], unique=False)
    op.create_table(
        "booking_locks",
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_booking_locks")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("plan_id", sa.String(length=120), nullable=True),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("home_unit_id", sa.String(length=120), nullable=False),
        sa.Column("host_unit_id", sa.String(length=120), nullable=False),
        sa.Column("first_start", sa.DateTime(), nullable=False),
        sa.Column("last_end", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("release_required", sa.Boolean(), nullable=False),
        sa.Column("release_status", sa.String(length=16), nullable=False),
        sa.Column("release_by", sa.String(length=120), nullable=True),
        sa.Column("release_reason", sa.String(length=500), nullable=True),
        sa.Column("answer_reason", sa.String(length=500), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "release_status in ('pending','approved','refused','overridden','not_needed')",
            name=op.f("ck_offers_release_status"),
        ),
        sa.CheckConstraint(
            "status in ('proposed','offered','accepted','declined','expired','withdrawn','active','ended')",
            name=op.f("ck_offers_status"),
        ),
        sa.CheckConstraint("last_end > first_start", name=op.f("ck_offers_span")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(op.f("ix_offers_employee_id"), "offers", ["employee_id"], unique=False)
    op.create_index(op.f("ix_offers_home_unit_id"), "offers", ["home_unit_id"], unique=False)
    op.create_index(op.f("ix_offers_host_unit_id"), "offers", ["host_unit_id"], unique=False)
    op.create_index(op.f("ix_offers_plan_id"), "offers", ["plan_id"], unique=False)
    op.create_index(op.f("ix_offers_status"), "offers", ["status"], unique=False)
    op.create_table(
        "security_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_security_secrets")),
    )
    op.create_table(
        "security_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=True),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("oidc_issuer", sa.String(length=300), nullable=True),
        sa.Column("oidc_subject", sa.String(length=300), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role in ('hr','manager','employee','leadership','auditor')", name=op.f("ck_security_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_users")),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_security_users_oidc_identity"),
        sa.UniqueConstraint("username", name=op.f("uq_security_users_username")),
    )
    op.create_index(op.f("ix_security_users_employee_id"), "security_users", ["employee_id"], unique=False)
    op.create_table(
        "offer_answers",
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.Column("accept", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("answered_by", sa.String(length=120), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_answers_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_offer_answers")),
    )
    op.create_index(op.f("ix_offer_answers_offer_id"), "offer_answers", ["offer_id"], unique=False)
    op.create_table(
        "offer_shifts",
        sa.Column("offer_id", sa.String(length=36), nullable=False),
        sa.Column("need_id", sa.String(length=200), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.String(length=120), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("qualification_used", sa.String(length=80), nullable=False),
        sa.CheckConstraint('"end" > start', name=op.f("ck_offer_shifts_span")),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_shifts_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("offer_id", "need_id", name=op.f("pk_offer_shifts")),
    )
    op.create_index(op.f("ix_offer_shifts_employee_id"), "offer_shifts", ["employee_id"], unique=False)
    op.create_table(
        "security_api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["security_users.id"],
            name=op.f("fk_security_api_tokens_user_id_security_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_security_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_security_api_tokens_user_id"), "security_api_tokens", ["user_id"], unique=False)
    op.create_table(
        "security_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["security_users.id"],
            name=op.f("fk_security_sessions_user_id_security_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_security_sessions")),
    )
    op.create_index(op.f("ix_security_sessions_user_id"), "security_sessions", ["user_id"], unique=False)
    dialect = op.get_bind().dialect.name
    statements = POSTGRES_AUDIT_TRIGGERS if dialect == "postgresql" else SQLITE_AUDIT_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse()")
    for table in TABLES_CHILDREN_FIRST:
        op.drop_table(table)
