"""The one door into storage: keyword-only functions that take a session and speak in domain records.

The functions never commit: the caller owns the transaction (``with engine.transaction(engine) as session: ...``),
so an import or a plan lands whole or not at all. Large collections go in with executemany-style Core inserts in
chunks, which keeps the Oslo-size organisation (about 50,000 employees) inside a few seconds and bounded memory.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ressursbank.db import mapping
from ressursbank.db.tables import (
    ORGANISATION_TABLES_CHILDREN_FIRST,
    AbsenceRow,
    AreaRow,
    Base,
    EmployeeRow,
    HeldQualificationRow,
    NeedRow,
    PlanAssignmentRow,
    PlanRunRow,
    PlanTrainingRow,
    QualificationTypeRow,
    RestrictionRow,
    RuleSetRow,
    ScenarioRow,
    SectorRow,
    ShiftTypeRow,
    StaffingRuleRow,
    TrainableSkillRow,
    UnitRow,
    UnitStatusPeriodRow,
    UnitTemplateRow,
)
from ressursbank.domain import Employee, Need, Organisation, Plan, Scenario, StatusPeriod
from ressursbank.exceptions import NotFound

T = TypeVar("T")

#: Employees per bulk-insert batch: large enough to amortise round trips, small enough to bound memory.
EMPLOYEE_BATCH = 5000
#: Rows per executemany call for other bulk inserts.
ROW_BATCH = 20000


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(session: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Executemany-style Core insert (no ORM unit of work, no RETURNING) in batches."""
    if not rows:
        return
    statement = sa.insert(table.__table__)  # type: ignore[arg-type]
    for chunk in _chunks(rows, ROW_BATCH):
        session.execute(statement, list(chunk))


# --- organisation --------------------------------------------------------------------------------------------------
def delete_organisation(*, session: Session) -> None:
    """Delete the stored organisation (scenarios, needs and plans stay: they refer to it by id only)."""
    for table in ORGANISATION_TABLES_CHILDREN_FIRST:
        session.execute(sa.delete(table))


def save_organisation(*, session: Session, organisation: Organisation) -> None:
    """Store ``organisation``, replacing the one stored before, in the caller's transaction.

    Replacing as a whole is what makes a save idempotent and keeps the code short; records that other tables
    keep (plans, offers, audit) refer to employees and units by id without foreign keys, so they survive.
    """
    delete_organisation(session=session)
    org = organisation
    _insert(session, AreaRow, mapping.area_rows(org.areas))
    _insert(session, SectorRow, mapping.sector_rows(org.sectors))
    _insert(session, QualificationTypeRow, mapping.qualification_type_rows(org.catalogue))
    _insert(session, TrainableSkillRow, mapping.trainable_skill_rows(org.trainable))
    _insert(session, ShiftTypeRow, mapping.shift_type_rows(org.shift_types))
    _insert(session, RuleSetRow, mapping.rule_set_rows(org.rule_sets))
    units, periods = mapping.unit_rows(org.units)
    _insert(session, UnitRow, units)
    _insert(session, UnitStatusPeriodRow, periods)
    _insert(session, UnitTemplateRow, mapping.unit_template_rows(org.templates))
    _insert(session, StaffingRuleRow, mapping.staffing_rule_rows(org.staffing))
    for offset in range(0, len(org.employees), EMPLOYEE_BATCH):
        batch = mapping.employee_rows(org.employees[offset : offset + EMPLOYEE_BATCH], first_seq=offset)
        _insert(session, EmployeeRow, batch.employees)
        _insert(session, HeldQualificationRow, batch.qualifications)
        _insert(session, AbsenceRow, batch.absences)
        _insert(session, RestrictionRow, batch.restrictions)
    session.flush()


def has_organisation(*, session: Session) -> bool:
    """True if an organisation has been stored (it always has a rule set or a catalogue entry)."""
    for table in (RuleSetRow, QualificationTypeRow, AreaRow):
        if session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            return True
    return False


def _rows(session: Session, table: type[Base], *order_by: Any) -> Sequence[sa.Row[Any]]:
    columns = table.__table__.columns
    # Core execution on the session's connection: the ORM result machinery costs more than the query itself.
    return session.connection().execute(sa.select(*columns).order_by(*order_by)).all()


def _grouped(rows: Iterable[sa.Row[Any]], convert: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(convert(row))
    return grouped


def load_organisation(*, session: Session) -> Organisation:
    """The stored organisation, exactly as saved (tuples in their saved order); :class:`NotFound` if none."""
    if not has_organisation(session=session):
        raise NotFound("no organisation is stored yet / ingen organisasjon er lagret ennå")
    periods: dict[str, list[StatusPeriod]] = defaultdict(list)
    for row in _rows(session, UnitStatusPeriodRow, UnitStatusPeriodRow.unit_id, UnitStatusPeriodRow.seq):
        periods[row.unit_id].append(mapping.status_period_from_row(row))

    qualifications = _by_employee(session, HeldQualificationRow, mapping.held_qualification_from_row)
    absences = _by_employee(session, AbsenceRow, mapping.absence_from_row)
    restrictions = _by_employee(session, RestrictionRow, mapping.restriction_from_row)
    employees = tuple(
        mapping.employee_from_row(
            row, qualifications.get(row.id, ()), absences.get(row.id, ()), restrictions.get(row.id, ())
        )
        for row in _rows(session, EmployeeRow, EmployeeRow.seq)
    )
    return Organisation(
        areas=tuple(mapping.area_from_row(r) for r in _rows(session, AreaRow, AreaRow.seq)),
        sectors=tuple(mapping.sector_from_row(r) for r in _rows(session, SectorRow, SectorRow.seq)),
        units=tuple(mapping.unit_from_row(r, periods.get(r.id, ())) for r in _rows(session, UnitRow, UnitRow.seq)),
        employees=employees,
        shift_types=tuple(mapping.shift_type_from_row(r) for r in _rows(session, ShiftTypeRow, ShiftTypeRow.seq)),
        staffing=tuple(mapping.staffing_rule_from_row(r) for r in _rows(session, StaffingRuleRow, StaffingRuleRow.seq)),
        catalogue=tuple(
            mapping.qualification_type_from_row(r)
            for r in _rows(session, QualificationTypeRow, QualificationTypeRow.seq)
        ),
        trainable=tuple(
            mapping.trainable_skill_from_row(r) for r in _rows(session, TrainableSkillRow, TrainableSkillRow.seq)
        ),
        templates=tuple(
            mapping.unit_template_from_row(r) for r in _rows(session, UnitTemplateRow, UnitTemplateRow.seq)
        ),
        rule_sets=tuple(mapping.rule_set_from_row(r) for r in _rows(session, RuleSetRow, RuleSetRow.seq)),
    )


def _by_employee(session: Session, table: Any, convert: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in _rows(session, table, table.employee_id, table.seq):
        grouped[row.employee_id].append(convert(row))
    return grouped


def count_employees(*, session: Session) -> int:
    """How many employees are stored."""
    return int(session.execute(sa.select(sa.func.count()).select_from(EmployeeRow)).scalar_one())


def load_employee(*, session: Session, employee_id: str) -> Employee:
    """One employee with qualifications, absences and restrictions; :class:`NotFound` if unknown."""
    row = session.execute(sa.select(*EmployeeRow.__table__.columns).where(EmployeeRow.id == employee_id)).first()
    if row is None:
        raise NotFound(f"unknown employee {employee_id!r} / ukjent ansatt")

    def children(table: Any, convert: Any) -> list[Any]:
        query = sa.select(*table.__table__.columns).where(table.employee_id == employee_id).order_by(table.seq)
        return [convert(r) for r in session.execute(query)]

    return mapping.employee_from_row(
        row,
        children(HeldQualificationRow, mapping.held_qualification_from_row),
        children(AbsenceRow, mapping.absence_from_row),
        children(RestrictionRow, mapping.restriction_from_row),
    )


# --- scenarios -----------------------------------------------------------------------------------------------------
def save_scenario(*, session: Session, scenario: Scenario, saved_at: dt.datetime | None = None) -> None:
    """Store ``scenario`` (replacing one with the same id); its events are JSON tagged with their type name."""
    session.execute(sa.delete(ScenarioRow).where(ScenarioRow.id == scenario.id))
    row = mapping.scenario_row(scenario, saved_at=saved_at or _utcnow())
    session.execute(sa.insert(ScenarioRow), [row])


def load_scenario(*, session: Session, scenario_id: str) -> Scenario:
    """The stored scenario ``scenario_id``; :class:`NotFound` if unknown."""
    row = session.execute(sa.select(*ScenarioRow.__table__.columns).where(ScenarioRow.id == scenario_id)).first()
    if row is None:
        raise NotFound(f"unknown scenario {scenario_id!r} / ukjent scenario")
    return mapping.scenario_from_row(row)


def list_scenarios(*, session: Session) -> list[Scenario]:
    """Every stored scenario, by start date and id."""
    return [mapping.scenario_from_row(r) for r in _rows(session, ScenarioRow, ScenarioRow.start, ScenarioRow.id)]


def delete_scenario(*, session: Session, scenario_id: str) -> bool:
    """Delete a scenario; False if there was none."""
    done = session.execute(sa.delete(ScenarioRow).where(ScenarioRow.id == scenario_id))
    return bool(getattr(done, "rowcount", 0))


# --- needs ---------------------------------------------------------------------------------------------------------
def save_needs(*, session: Session, needs: Sequence[Need]) -> None:
    """Upsert ``needs`` by id (imported needs replace stored ones with the same id)."""
    ids = [n.id for n in needs]
    for chunk in _chunks(ids, 900):  # stay under SQLite's bound-parameter limit
        session.execute(sa.delete(NeedRow).where(NeedRow.id.in_(chunk)))
    _insert(session, NeedRow, mapping.need_rows(needs))
    session.flush()


def load_needs(
    *, session: Session, unit_ids: Sequence[str] | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> list[Need]:
    """Stored needs, optionally of some units and within ``start``..``end`` (inclusive), by day, unit and id."""
    query = sa.select(*NeedRow.__table__.columns).order_by(NeedRow.day, NeedRow.unit_id, NeedRow.id)
    if unit_ids is not None:
        query = query.where(NeedRow.unit_id.in_(list(unit_ids)))
    if start is not None:
        query = query.where(NeedRow.day >= start)
    if end is not None:
        query = query.where(NeedRow.day <= end)
    return [mapping.need_from_row(r) for r in session.execute(query)]


# --- plans ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlanRun:
    """A stored plan's facts: scenario, time, status and the solver's figures (without its assignments)."""

    id: str
    scenario_id: str
    created_at: dt.datetime
    status: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    statistics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A stored plan run with its plan."""

    run: PlanRun
    plan: Plan


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def save_plan(
    *,
    session: Session,
    scenario_id: str,
    plan: Plan,
    status: str,
    objective: float | None = None,
    bound: float | None = None,
    gap: float | None = None,
    params: dict[str, Any] | None = None,
    statistics: dict[str, Any] | None = None,
    plan_id: str | None = None,
    created_at: dt.datetime | None = None,
) -> PlanRun:
    """Store a plan run with its assignments and trainings (in the caller's transaction) and return its facts."""
    run = PlanRun(
        id=plan_id or uuid.uuid4().hex,
        scenario_id=scenario_id,
        created_at=created_at or _utcnow(),
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        params=dict(params or {}),
        statistics=dict(statistics or {}),
    )
    session.execute(
        sa.insert(PlanRunRow),
        [
            {
                "id": run.id,
                "scenario_id": run.scenario_id,
                "created_at": run.created_at,
                "status": run.status,
                "objective": run.objective,
                "bound": run.bound,
                "gap": run.gap,
                "params": run.params,
                "statistics": run.statistics,
            }
        ],
    )
    _insert(session, PlanAssignmentRow, mapping.assignment_rows(run.id, plan.assignments))
    _insert(session, PlanTrainingRow, mapping.training_rows(run.id, plan.trainings))
    session.flush()
    return run


def _run_from_row(row: Any) -> PlanRun:
    return PlanRun(
        id=row.id,
        scenario_id=row.scenario_id,
        created_at=row.created_at,
        status=row.status,
        objective=row.objective,
        bound=row.bound,
        gap=row.gap,
        params=dict(row.params or {}),
        statistics=dict(row.statistics or {}),
    )


def list_plans(*, session: Session, scenario_id: str | None = None, limit: int = 100) -> list[PlanRun]:
    """Stored plan runs, newest first, optionally of one scenario."""
    query = sa.select(*PlanRunRow.__table__.columns).order_by(PlanRunRow.created_at.desc(), PlanRunRow.id.desc())
    if scenario_id is not None:
        query = query.where(PlanRunRow.scenario_id == scenario_id)
    return [_run_from_row(r) for r in session.execute(query.limit(limit))]


def load_plan(*, session: Session, plan_id: str) -> StoredPlan:
    """A stored plan with its assignments and trainings; :class:`NotFound` if unknown."""
    row = session.execute(sa.select(*PlanRunRow.__table__.columns).where(PlanRunRow.id == plan_id)).first()
    if row is None:
        raise NotFound(f"unknown plan {plan_id!r} / ukjent plan")
    assignments = session.execute(
        sa.select(*PlanAssignmentRow.__table__.columns).where(PlanAssignmentRow.plan_id == plan_id)
    )
    trainings = session.execute(sa.select(*PlanTrainingRow.__table__.columns).where(PlanTrainingRow.plan_id == plan_id))
    plan = Plan.of(
        (mapping.assignment_from_row(r) for r in assignments), (mapping.training_from_row(r) for r in trainings)
    )
    return StoredPlan(_run_from_row(row), plan)


def latest_plan(*, session: Session, scenario_id: str) -> StoredPlan | None:
    """The newest stored plan of ``scenario_id``, or None."""
    runs = list_plans(session=session, scenario_id=scenario_id, limit=1)
    return load_plan(session=session, plan_id=runs[0].id) if runs else None


def delete_plan(*, session: Session, plan_id: str) -> bool:
    """Delete a plan run with its assignments and trainings; False if there was none."""
    session.execute(sa.delete(PlanAssignmentRow).where(PlanAssignmentRow.plan_id == plan_id))
    session.execute(sa.delete(PlanTrainingRow).where(PlanTrainingRow.plan_id == plan_id))
    done = session.execute(sa.delete(PlanRunRow).where(PlanRunRow.id == plan_id))
    return bool(getattr(done, "rowcount", 0))
