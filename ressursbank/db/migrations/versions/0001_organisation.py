"""Organisation, scenarios, imported needs and plans: the base of every later migration.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 02:46:30.056848
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:

    op.create_table(
        "areas",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
    )
    op.create_table(
        "needs",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_type_id", sa.String(length=120), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("any_of", sa.JSON(), nullable=False),
        sa.Column("all_of", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("criticality", sa.SmallInteger(), nullable=False),
        sa.Column("covid_contact", sa.Boolean(), nullable=False),
        sa.Column("task", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "plan_runs",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("scenario_id", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("statistics", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_runs")),
    )
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_runs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_runs_scenario_id"), ["scenario_id"], unique=False)

    op.create_table(
        "qualification_types",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label_nb", sa.String(length=300), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column("citation", sa.String(length=300), nullable=False),
        sa.Column("implied_by", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_qualification_types")),
    )
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("label_nb", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("full_time_weekly_hours", sa.Float(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("supplements", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("name_nb", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    op.create_table(
        "sectors",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name_nb", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sectors")),
    )
    op.create_table(
        "shift_types",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("label_nb", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_types")),
    )
    op.create_table(
        "trainable_skills",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("course_days", sa.Integer(), nullable=False),
        sa.Column("capacity_per_day", sa.Integer(), nullable=False),
        sa.Column("cost_nok", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("prerequisites_any_of", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_trainable_skills")),
    )
    op.create_table(
        "plan_assignments",
        sa.Column("plan_id", sa.String(length=120), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("need_id", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.String(length=120), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("qualification_used", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan_runs.id"], name=op.f("fk_plan_assignments_plan_id_plan_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "employee_id", "need_id", name=op.f("pk_plan_assignments")),
    )
    op.create_table(
        "plan_trainings",
        sa.Column("plan_id", sa.String(length=120), nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("skill_code", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan_runs.id"], name=op.f("fk_plan_trainings_plan_id_plan_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "employee_id", "skill_code", "day", name=op.f("pk_plan_trainings")),
    )
    op.create_table(
        "unit_templates",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name_nb", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sector_id", sa.String(length=120), nullable=False),
        sa.Column("criticality", sa.SmallInteger(), nullable=False),
        sa.Column("staffing", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["sector_id"], ["sectors.id"], name=op.f("fk_unit_templates_sector_id_sectors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_templates")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sector_id", sa.String(length=120), nullable=False),
        sa.Column("area_id", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("criticality", sa.SmallInteger(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.CheckConstraint("criticality between 1 and 3", name=op.f("ck_units_criticality")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_units_area_id_areas")),
        sa.ForeignKeyConstraint(["sector_id"], ["sectors.id"], name=op.f("fk_units_sector_id_sectors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_units_sector_id"), ["sector_id"], unique=False)

    op.create_table(
        "employees",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("home_unit_id", sa.String(length=120), nullable=False),
        sa.Column("position_pct", sa.SmallInteger(), nullable=False),
        sa.Column("weekly_hours_norm", sa.Float(), nullable=False),
        sa.Column("trainable", sa.JSON(), nullable=False),
        sa.Column("rule_set_id", sa.String(length=120), nullable=False),
        sa.Column("hourly_wage_nok", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.String(length=120), nullable=False),
        sa.Column("willing_unit_kinds", sa.JSON(), nullable=False),
        sa.Column("max_travel_km", sa.Float(), nullable=False),
        sa.Column("wants_more_hours", sa.Boolean(), nullable=False),
        sa.Column("avoid_nights", sa.Boolean(), nullable=False),
        sa.Column("avoid_weekends", sa.Boolean(), nullable=False),
        sa.CheckConstraint("position_pct between 1 and 100", name=op.f("ck_employees_position_pct")),
        sa.ForeignKeyConstraint(["home_unit_id"], ["units.id"], name=op.f("fk_employees_home_unit_id_units")),
        sa.ForeignKeyConstraint(["rule_set_id"], ["rule_sets.id"], name=op.f("fk_employees_rule_set_id_rule_sets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employees_home_unit_id"), ["home_unit_id"], unique=False)

    op.create_table(
        "staffing_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=120), nullable=False),
        sa.Column("shift_type_id", sa.String(length=120), nullable=False),
        sa.Column("any_of", sa.JSON(), nullable=False),
        sa.Column("all_of", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("criticality", sa.SmallInteger(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("covid_contact", sa.Boolean(), nullable=False),
        sa.Column("task", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_type_id"], ["shift_types.id"], name=op.f("fk_staffing_rules_shift_type_id_shift_types")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_staffing_rules_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_rules")),
    )
    with op.batch_alter_table("staffing_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffing_rules_seq"), ["seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_staffing_rules_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "unit_status_periods",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("capacity_pct", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("capacity_pct between 0 and 100", name=op.f("ck_unit_status_periods_capacity_pct")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_status_periods_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_status_periods")),
    )
    with op.batch_alter_table("unit_status_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_status_periods_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "employee_absences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_employee_absences_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_absences")),
    )
    with op.batch_alter_table("employee_absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employee_absences_employee_id"), ["employee_id"], unique=False)

    op.create_table(
        "employee_qualifications",
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"], ["qualification_types.code"], name=op.f("fk_employee_qualifications_code_qualification_types")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_employee_qualifications_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("employee_id", "code", name=op.f("pk_employee_qualifications")),
    )
    with op.batch_alter_table("employee_qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employee_qualifications_code"), ["code"], unique=False)

    op.create_table(
        "employee_restrictions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.String(length=120), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_employee_restrictions_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_restrictions")),
    )
    with op.batch_alter_table("employee_restrictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employee_restrictions_employee_id"), ["employee_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("employee_restrictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employee_restrictions_employee_id"))

    op.drop_table("employee_restrictions")
    with op.batch_alter_table("employee_qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employee_qualifications_code"))

    op.drop_table("employee_qualifications")
    with op.batch_alter_table("employee_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employee_absences_employee_id"))

    op.drop_table("employee_absences")
    with op.batch_alter_table("unit_status_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_status_periods_unit_id"))

    op.drop_table("unit_status_periods")
    with op.batch_alter_table("staffing_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffing_rules_unit_id"))
        batch_op.drop_index(batch_op.f("ix_staffing_rules_seq"))

    op.drop_table("staffing_rules")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employees_home_unit_id"))

    op.drop_table("employees")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_sector_id"))
        batch_op.drop_index(batch_op.f("ix_units_area_id"))

    op.drop_table("units")
    op.drop_table("unit_templates")
    op.drop_table("plan_trainings")
    op.drop_table("plan_assignments")
    op.drop_table("trainable_skills")
    op.drop_table("shift_types")
    op.drop_table("sectors")
    op.drop_table("scenarios")
    op.drop_table("rule_sets")
    op.drop_table("qualification_types")
    with op.batch_alter_table("plan_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_runs_scenario_id"))
        batch_op.drop_index(batch_op.f("ix_plan_runs_created_at"))

    op.drop_table("plan_runs")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_unit_id"))
        batch_op.drop_index(batch_op.f("ix_needs_day"))

    op.drop_table("needs")
    op.drop_table("areas")
