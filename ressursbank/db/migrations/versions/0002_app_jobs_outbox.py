"""Web application tables: solve jobs, the notification outbox and hand-made pins.

Revision ID: 0002_app
Revises: 0001
Create Date: 2026-11-27 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_app"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "app_jobs",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scenario_id", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("best_objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("plan_id", sa.String(length=120), nullable=True),
        sa.Column("previous_plan_id", sa.String(length=120), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status in ('queued','running','succeeded','failed','cancelled')", name="ck_app_jobs_status"
        ),
    )
    op.create_index("ix_app_jobs_scenario_id", "app_jobs", ["scenario_id"])
    op.create_index("ix_app_jobs_status", "app_jobs", ["status"])
    op.create_table(
        "app_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("employee_id", sa.String(length=64), nullable=True),
        sa.Column("offer_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("channel in ('email','sms')", name="ck_app_outbox_channel"),
        sa.CheckConstraint("status in ('pending','sent','failed')", name="ck_app_outbox_status"),
    )
    op.create_index("ix_app_outbox_employee_id", "app_outbox", ["employee_id"])
    op.create_index("ix_app_outbox_status", "app_outbox", ["status"])
    op.create_table(
        "app_pins",
        sa.Column("scenario_id", sa.String(length=120), primary_key=True),
        sa.Column("employee_id", sa.String(length=120), primary_key=True),
        sa.Column("need_id", sa.String(length=200), primary_key=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_pins")
    op.drop_table("app_outbox")
    op.drop_table("app_jobs")
