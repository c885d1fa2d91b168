"""ORM tables of the organisation, scenarios, imported needs and plans (storage only).

Services and the rest of the package never see these classes: :mod:`ressursbank.db.mapping` turns rows into
domain records and back, and :mod:`ressursbank.db.repository` is the only door. Ordered collections of the domain
(tuples) keep their order through a ``seq`` column, so a round trip gives records that compare equal.

Plans, imported needs and scenarios refer to employees, units and shifts by id *without* foreign keys on purpose:
an organisation is replaced as a whole when it is saved again (see ``save_organisation``), and a plan is a record
of what was decided, which must survive a later re-import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Constraint names that are stable across SQLite and PostgreSQL, so migrations can drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = sa.String(120)
CODE = sa.String(80)


class Base(DeclarativeBase):
    """Declarative base of the organisation tables (their own metadata; other table families have their own)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: sa.JSON, list[Any]: sa.JSON}


# --- the organisation ----------------------------------------------------------------------------------------------
class AreaRow(Base):
    """An area (in Asker: one of the three former municipalities)."""

    __tablename__ = "areas"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))


class SectorRow(Base):
    """A sector (health and care, schools, kindergartens, ...)."""

    __tablename__ = "sectors"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    name_nb: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))


class UnitRow(Base):
    """A service unit with its place and criticality; opening status lives in :class:`UnitStatusPeriodRow`."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(40))
    sector_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("sectors.id"), index=True)
    area_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("areas.id"), index=True)
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    criticality: Mapped[int] = mapped_column(sa.SmallInteger)
    opens_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    __table_args__ = (sa.CheckConstraint("criticality between 1 and 3", name="criticality"),)


class UnitStatusPeriodRow(Base):
    """A unit's opening status (open / reduced to N % / closed) over an inclusive date range."""

    __tablename__ = "unit_status_periods"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    start: Mapped[dt.date] = mapped_column(sa.Date)
    end: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10))
    capacity_pct: Mapped[int] = mapped_column(sa.SmallInteger)

    __table_args__ = (sa.CheckConstraint("capacity_pct between 0 and 100", name="capacity_pct"),)


class QualificationTypeRow(Base):
    """An entry of the qualification catalogue."""

    __tablename__ = "qualification_types"

    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(20))
    label_nb: Mapped[str] = mapped_column(sa.String(300))
    label_en: Mapped[str] = mapped_column(sa.String(300))
    citation: Mapped[str] = mapped_column(sa.String(300))
    implied_by: Mapped[list[Any]] = mapped_column(sa.JSON)


class TrainableSkillRow(Base):
    """A qualification the municipality can teach (course length, capacity, cost, validity)."""

    __tablename__ = "trainable_skills"

    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    course_days: Mapped[int] = mapped_column(sa.Integer)
    capacity_per_day: Mapped[int] = mapped_column(sa.Integer)
    cost_nok: Mapped[int] = mapped_column(sa.Integer)
    validity_days: Mapped[int | None] = mapped_column(sa.Integer)
    prerequisites_any_of: Mapped[list[Any]] = mapped_column(sa.JSON)


class ShiftTypeRow(Base):
    """A shift pattern (start time and length)."""

    __tablename__ = "shift_types"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    label_nb: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    start: Mapped[dt.time] = mapped_column(sa.Time)
    minutes: Mapped[int] = mapped_column(sa.Integer)


class RuleSetRow(Base):
    """A rule set; its rules and supplements are JSON lists of records tagged with their type name."""

    __tablename__ = "rule_sets"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    label_nb: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200))
    full_time_weekly_hours: Mapped[float] = mapped_column(sa.Float)
    rules: Mapped[list[Any]] = mapped_column(sa.JSON)
    supplements: Mapped[list[Any]] = mapped_column(sa.JSON)


class EmployeeRow(Base):
    """An employee with position and preferences; qualifications, absences and restrictions are child rows."""

    __tablename__ = "employees"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(300))
    home_unit_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("units.id"), index=True)
    position_pct: Mapped[int] = mapped_column(sa.SmallInteger)
    weekly_hours_norm: Mapped[float] = mapped_column(sa.Float)
    trainable: Mapped[list[Any]] = mapped_column(sa.JSON)
    rule_set_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("rule_sets.id"))
    hourly_wage_nok: Mapped[int] = mapped_column(sa.Integer)
    sector_id: Mapped[str] = mapped_column(ID)
    willing_unit_kinds: Mapped[list[Any]] = mapped_column(sa.JSON)
    max_travel_km: Mapped[float] = mapped_column(sa.Float)
    wants_more_hours: Mapped[bool] = mapped_column(sa.Boolean)
    avoid_nights: Mapped[bool] = mapped_column(sa.Boolean)
    avoid_weekends: Mapped[bool] = mapped_column(sa.Boolean)

    __table_args__ = (sa.CheckConstraint("position_pct between 1 and 100", name="position_pct"),)


class HeldQualificationRow(Base):
    """A qualification an employee holds, with validity and whether it has been verified."""

    __tablename__ = "employee_qualifications"

    employee_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, sa.ForeignKey("qualification_types.code"), primary_key=True, index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    valid_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)
    verified: Mapped[bool] = mapped_column(sa.Boolean)


class AbsenceRow(Base):
    """A known absence (half-open local date-time interval)."""

    __tablename__ = "employee_absences"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    start: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    end: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    kind: Mapped[str] = mapped_column(sa.String(20))


class RestrictionRow(Base):
    """A reason-free restriction flag (never a diagnosis: GDPR art. 9)."""

    __tablename__ = "employee_restrictions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    employee_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    flag: Mapped[str] = mapped_column(sa.String(40))
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)
    approved_by: Mapped[str] = mapped_column(sa.String(120))


class StaffingRuleRow(Base):
    """A unit's normal need for a shift type on given weekdays."""

    __tablename__ = "staffing_rules"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(sa.Integer, index=True)
    unit_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    shift_type_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("shift_types.id"))
    any_of: Mapped[list[Any]] = mapped_column(sa.JSON)
    all_of: Mapped[list[Any]] = mapped_column(sa.JSON)
    count: Mapped[int] = mapped_column(sa.Integer)
    criticality: Mapped[int] = mapped_column(sa.SmallInteger)
    weekdays: Mapped[list[Any]] = mapped_column(sa.JSON)
    covid_contact: Mapped[bool] = mapped_column(sa.Boolean)
    task: Mapped[str] = mapped_column(sa.String(300))


class UnitTemplateRow(Base):
    """A unit that can be set up in days; its staffing lines are JSON records."""

    __tablename__ = "unit_templates"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    name_nb: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(40))
    sector_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("sectors.id"))
    criticality: Mapped[int] = mapped_column(sa.SmallInteger)
    staffing: Mapped[list[Any]] = mapped_column(sa.JSON)


# --- scenarios and needs -------------------------------------------------------------------------------------------
class ScenarioRow(Base):
    """A crisis scenario; its events are JSON records tagged with their type name."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name_nb: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    start: Mapped[dt.date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.Text)
    events: Mapped[list[Any]] = mapped_column(sa.JSON)
    saved_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class NeedRow(Base):
    """A need imported from a file (explicit count of people for one shift at one unit)."""

    __tablename__ = "needs"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    shift_type_id: Mapped[str] = mapped_column(ID)
    start: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    end: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    any_of: Mapped[list[Any]] = mapped_column(sa.JSON)
    all_of: Mapped[list[Any]] = mapped_column(sa.JSON)
    count: Mapped[int] = mapped_column(sa.Integer)
    criticality: Mapped[int] = mapped_column(sa.SmallInteger)
    covid_contact: Mapped[bool] = mapped_column(sa.Boolean)
    task: Mapped[str] = mapped_column(sa.String(300))


# --- plans ---------------------------------------------------------------------------------------------------------
class PlanRunRow(Base):
    """One stored plan: which scenario, when, how it ended, and the solver's figures."""

    __tablename__ = "plan_runs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    objective: Mapped[float | None] = mapped_column(sa.Float)
    bound: Mapped[float | None] = mapped_column(sa.Float)
    gap: Mapped[float | None] = mapped_column(sa.Float)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    statistics: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class PlanAssignmentRow(Base):
    """An assignment of a stored plan."""

    __tablename__ = "plan_assignments"

    plan_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ID, primary_key=True)
    need_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ID)
    start: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    end: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    qualification_used: Mapped[str] = mapped_column(CODE)


class PlanTrainingRow(Base):
    """A training of a stored plan."""

    __tablename__ = "plan_trainings"

    plan_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("plan_runs.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ID, primary_key=True)
    skill_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)


#: Organisation tables in the order rows must be deleted (children first).
ORGANISATION_TABLES_CHILDREN_FIRST: tuple[type[Base], ...] = (
    HeldQualificationRow,
    AbsenceRow,
    RestrictionRow,
    StaffingRuleRow,
    UnitStatusPeriodRow,
    EmployeeRow,
    UnitRow,
    UnitTemplateRow,
    TrainableSkillRow,
    QualificationTypeRow,
    ShiftTypeRow,
    RuleSetRow,
    SectorRow,
    AreaRow,
)
