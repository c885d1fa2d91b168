"""ORM <-> domain at the edge: rows (as plain dicts for bulk inserts) from domain records, and domain records back.

Nothing outside :mod:`ressursbank.db` sees a row. Records with many subtypes (rules, supplements, scenario events,
template lines) are stored as JSON objects tagged with their type name and decoded field by field from the
dataclass's type hints, so a new rule type needs no new column and no new migration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ressursbank.domain import (
    Absence,
    AbsenceKind,
    Area,
    Assignment,
    Criticality,
    Employee,
    HeldQualification,
    Location,
    Need,
    OpeningStatus,
    Preferences,
    QualificationKind,
    QualificationRequirement,
    QualificationType,
    Restriction,
    RestrictionFlag,
    Scenario,
    Sector,
    ShiftType,
    StaffingRule,
    StatusPeriod,
    TemplateStaffing,
    TrainableSkill,
    Training,
    Unit,
    UnitKind,
    UnitTemplate,
)
from ressursbank.domain.rules import Rule, RuleSet, Supplement
from ressursbank.domain.scenario import Event

Row = dict[str, Any]
JsonObject = dict[str, Any]

TYPE_KEY = "type"


# --- JSON codec for tagged dataclass records ------------------------------------------------------------------------
def _subclasses(base: type) -> dict[str, type]:
    found: dict[str, type] = {}
    stack: list[type] = [base]
    while stack:
        cls = stack.pop()
        sub: type
        for sub in cls.__subclasses__():
            found[sub.__name__] = sub
            stack.append(sub)
    return found


def _registry() -> dict[str, type]:
    registry: dict[str, type] = {}
    registry.update(_subclasses(Rule))
    registry.update(_subclasses(Event))
    registry.update({"Supplement": Supplement, "TemplateStaffing": TemplateStaffing})
    return registry


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def encode_value(value: Any) -> Any:
    """A JSON-ready form of a domain value (dates as ISO text, enums as their value, records as objects)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [encode_value(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(encode_value(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def encode_tagged(record: Any) -> JsonObject:
    """A dataclass record as a JSON object with its type name under ``"type"``."""
    encoded: JsonObject = {TYPE_KEY: type(record).__name__}
    encoded.update(encode_value(record))
    return encoded


def decode_value(hint: Any, value: Any) -> Any:
    """The domain value of type ``hint`` from its JSON form (the inverse of :func:`encode_value`)."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return decode_value(options[0], value)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(decode_value(item, v) for v in value)
    if origin is frozenset:
        item = typing.get_args(hint)[0]
        return frozenset(decode_value(item, v) for v in value)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is dt.time:
        return dt.time.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if hint is float:
        return float(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        field_hints = _hints(hint)
        return hint(**{name: decode_value(field_hints[name], v) for name, v in value.items()})
    return value


def decode_tagged(data: Mapping[str, Any]) -> Any:
    """The record a tagged JSON object describes; raises ``ValueError`` on an unknown type name or field."""
    name = data.get(TYPE_KEY)
    cls = _registry().get(str(name))
    if cls is None:
        raise ValueError(f"unknown record type {name!r}")
    hints = _hints(cls)
    kwargs = {key: decode_value(hints[key], value) for key, value in data.items() if key != TYPE_KEY}
    return cls(**kwargs)


# --- organisation: domain -> rows ----------------------------------------------------------------------------------
def area_rows(areas: Sequence[Area]) -> list[Row]:
    return [{"id": a.id, "seq": i, "name": a.name} for i, a in enumerate(areas)]


def sector_rows(sectors: Sequence[Sector]) -> list[Row]:
    return [{"id": s.id, "seq": i, "name_nb": s.name_nb, "name_en": s.name_en} for i, s in enumerate(sectors)]


def unit_rows(units: Sequence[Unit]) -> tuple[list[Row], list[Row]]:
    """Rows of ``units`` and of their status periods."""
    rows: list[Row] = []
    periods: list[Row] = []
    for i, u in enumerate(units):
        rows.append(
            {
                "id": u.id,
                "seq": i,
                "name": u.name,
                "kind": u.kind.value,
                "sector_id": u.sector_id,
                "area_id": u.area_id,
                "lat": u.location.lat,
                "lon": u.location.lon,
                "criticality": int(u.criticality),
                "opens_on": u.opens_on,
            }
        )
        periods.extend(
            {
                "unit_id": u.id,
                "seq": j,
                "start": p.start,
                "end": p.end,
                "status": p.status.value,
                "capacity_pct": p.capacity_pct,
            }
            for j, p in enumerate(u.status_periods)
        )
    return rows, periods


def qualification_type_rows(catalogue: Sequence[QualificationType]) -> list[Row]:
    return [
        {
            "code": q.code,
            "seq": i,
            "kind": q.kind.value,
            "label_nb": q.label_nb,
            "label_en": q.label_en,
            "citation": q.citation,
            "implied_by": list(q.implied_by),
        }
        for i, q in enumerate(catalogue)
    ]


def trainable_skill_rows(skills: Sequence[TrainableSkill]) -> list[Row]:
    return [
        {
            "code": s.code,
            "seq": i,
            "course_days": s.course_days,
            "capacity_per_day": s.capacity_per_day,
            "cost_nok": s.cost_nok,
            "validity_days": s.validity_days,
            "prerequisites_any_of": list(s.prerequisites_any_of),
        }
        for i, s in enumerate(skills)
    ]


def shift_type_rows(shift_types: Sequence[ShiftType]) -> list[Row]:
    return [
        {"id": s.id, "seq": i, "label_nb": s.label_nb, "label_en": s.label_en, "start": s.start, "minutes": s.minutes}
        for i, s in enumerate(shift_types)
    ]


def rule_set_rows(rule_sets: Sequence[RuleSet]) -> list[Row]:
    return [
        {
            "id": r.id,
            "seq": i,
            "label_nb": r.label_nb,
            "label_en": r.label_en,
            "full_time_weekly_hours": r.full_time_weekly_hours,
            "rules": [encode_tagged(rule) for rule in r.rules],
            "supplements": [encode_tagged(s) for s in r.supplements],
        }
        for i, r in enumerate(rule_sets)
    ]


@dataclasses.dataclass(slots=True)
class EmployeeRows:
    """Rows of employees and of their child tables, ready for bulk inserts."""

    employees: list[Row] = dataclasses.field(default_factory=list)
    qualifications: list[Row] = dataclasses.field(default_factory=list)
    absences: list[Row] = dataclasses.field(default_factory=list)
    restrictions: list[Row] = dataclasses.field(default_factory=list)


def employee_rows(employees: Iterable[Employee], *, first_seq: int = 0) -> EmployeeRows:
    """Rows of ``employees`` and their held qualifications, absences and restrictions."""
    out = EmployeeRows()
    for i, e in enumerate(employees, start=first_seq):
        p = e.preferences
        out.employees.append(
            {
                "id": e.id,
                "seq": i,
                "name": e.name,
                "home_unit_id": e.home_unit_id,
                "position_pct": e.position_pct,
                "weekly_hours_norm": e.weekly_hours_norm,
                "trainable": list(e.trainable),
                "rule_set_id": e.rule_set_id,
                "hourly_wage_nok": e.hourly_wage_nok,
                "sector_id": e.sector_id,
                "willing_unit_kinds": sorted(p.willing_unit_kinds),
                "max_travel_km": p.max_travel_km,
                "wants_more_hours": p.wants_more_hours,
                "avoid_nights": p.avoid_nights,
                "avoid_weekends": p.avoid_weekends,
            }
        )
        out.qualifications.extend(
            {
                "employee_id": e.id,
                "code": q.code,
                "seq": j,
                "valid_from": q.valid_from,
                "valid_to": q.valid_to,
                "verified": q.verified,
            }
            for j, q in enumerate(e.qualifications)
        )
        out.absences.extend(
            {"employee_id": e.id, "seq": j, "start": a.start, "end": a.end, "kind": a.kind.value}
            for j, a in enumerate(e.absences)
        )
        out.restrictions.extend(
            {
                "employee_id": e.id,
                "seq": j,
                "flag": r.flag.value,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
                "approved_by": r.approved_by,
            }
            for j, r in enumerate(e.restrictions)
        )
    return out


def staffing_rule_rows(staffing: Sequence[StaffingRule]) -> list[Row]:
    return [
        {
            "seq": i,
            "unit_id": s.unit_id,
            "shift_type_id": s.shift_type_id,
            "any_of": list(s.requirement.any_of),
            "all_of": list(s.requirement.all_of),
            "count": s.count,
            "criticality": int(s.criticality),
            "weekdays": list(s.weekdays),
            "covid_contact": s.covid_contact,
            "task": s.task,
        }
        for i, s in enumerate(staffing)
    ]


def unit_template_rows(templates: Sequence[UnitTemplate]) -> list[Row]:
    return [
        {
            "id": t.id,
            "seq": i,
            "name_nb": t.name_nb,
            "name_en": t.name_en,
            "kind": t.kind.value,
            "sector_id": t.sector_id,
            "criticality": int(t.criticality),
            "staffing": [encode_tagged(line) for line in t.staffing],
        }
        for i, t in enumerate(templates)
    ]


# --- organisation: rows -> domain ----------------------------------------------------------------------------------
def area_from_row(row: Any) -> Area:
    return Area(row.id, row.name)


def sector_from_row(row: Any) -> Sector:
    return Sector(row.id, row.name_nb, row.name_en)


def status_period_from_row(row: Any) -> StatusPeriod:
    return StatusPeriod(row.start, row.end, OpeningStatus(row.status), row.capacity_pct)


def unit_from_row(row: Any, periods: Sequence[StatusPeriod]) -> Unit:
    return Unit(
        id=row.id,
        name=row.name,
        kind=UnitKind(row.kind),
        sector_id=row.sector_id,
        area_id=row.area_id,
        location=Location(row.lat, row.lon),
        criticality=Criticality(row.criticality),
        status_periods=tuple(periods),
        opens_on=row.opens_on,
    )


def qualification_type_from_row(row: Any) -> QualificationType:
    return QualificationType(
        code=row.code,
        kind=QualificationKind(row.kind),
        label_nb=row.label_nb,
        label_en=row.label_en,
        citation=row.citation,
        implied_by=tuple(row.implied_by),
    )


def trainable_skill_from_row(row: Any) -> TrainableSkill:
    return TrainableSkill(
        code=row.code,
        course_days=row.course_days,
        capacity_per_day=row.capacity_per_day,
        cost_nok=row.cost_nok,
        validity_days=row.validity_days,
        prerequisites_any_of=tuple(row.prerequisites_any_of),
    )


def shift_type_from_row(row: Any) -> ShiftType:
    return ShiftType(row.id, row.label_nb, row.label_en, row.start, row.minutes)


def rule_set_from_row(row: Any) -> RuleSet:
    return RuleSet(
        id=row.id,
        label_nb=row.label_nb,
        label_en=row.label_en,
        rules=tuple(decode_tagged(r) for r in row.rules),
        supplements=tuple(decode_tagged(s) for s in row.supplements),
        full_time_weekly_hours=row.full_time_weekly_hours,
    )


def held_qualification_from_row(row: Any) -> HeldQualification:
    return HeldQualification(row.code, row.valid_from, row.valid_to, row.verified)


def absence_from_row(row: Any) -> Absence:
    return Absence(row.start, row.end, AbsenceKind(row.kind))


def restriction_from_row(row: Any) -> Restriction:
    return Restriction(RestrictionFlag(row.flag), row.valid_from, row.valid_to, row.approved_by)


def employee_from_row(
    row: Any,
    qualifications: Sequence[HeldQualification] = (),
    absences: Sequence[Absence] = (),
    restrictions: Sequence[Restriction] = (),
) -> Employee:
    return Employee(
        id=row.id,
        name=row.name,
        home_unit_id=row.home_unit_id,
        position_pct=row.position_pct,
        weekly_hours_norm=row.weekly_hours_norm,
        qualifications=tuple(qualifications),
        trainable=tuple(row.trainable),
        absences=tuple(absences),
        preferences=Preferences(
            willing_unit_kinds=frozenset(row.willing_unit_kinds),
            max_travel_km=row.max_travel_km,
            wants_more_hours=row.wants_more_hours,
            avoid_nights=row.avoid_nights,
            avoid_weekends=row.avoid_weekends,
        ),
        restrictions=tuple(restrictions),
        rule_set_id=row.rule_set_id,
        hourly_wage_nok=row.hourly_wage_nok,
        sector_id=row.sector_id,
    )


def staffing_rule_from_row(row: Any) -> StaffingRule:
    return StaffingRule(
        unit_id=row.unit_id,
        shift_type_id=row.shift_type_id,
        requirement=QualificationRequirement(tuple(row.any_of), tuple(row.all_of)),
        count=row.count,
        criticality=Criticality(row.criticality),
        weekdays=tuple(row.weekdays),
        covid_contact=row.covid_contact,
        task=row.task,
    )


def unit_template_from_row(row: Any) -> UnitTemplate:
    return UnitTemplate(
        id=row.id,
        name_nb=row.name_nb,
        name_en=row.name_en,
        kind=UnitKind(row.kind),
        sector_id=row.sector_id,
        criticality=Criticality(row.criticality),
        staffing=tuple(decode_tagged(line) for line in row.staffing),
    )


# --- scenarios, needs, plans ---------------------------------------------------------------------------------------
def scenario_row(scenario: Scenario, *, saved_at: dt.datetime) -> Row:
    return {
        "id": scenario.id,
        "name_nb": scenario.name_nb,
        "name_en": scenario.name_en,
        "start": scenario.start,
        "description": scenario.description,
        "events": [encode_tagged(e) for e in scenario.events],
        "saved_at": saved_at,
    }


def scenario_from_row(row: Any) -> Scenario:
    return Scenario(
        id=row.id,
        name_nb=row.name_nb,
        name_en=row.name_en,
        start=row.start,
        events=tuple(decode_tagged(e) for e in row.events),
        description=row.description,
    )


def need_rows(needs: Iterable[Need]) -> list[Row]:
    return [
        {
            "id": n.id,
            "unit_id": n.unit_id,
            "day": n.day,
            "shift_type_id": n.shift_type_id,
            "start": n.start,
            "end": n.end,
            "any_of": list(n.requirement.any_of),
            "all_of": list(n.requirement.all_of),
            "count": n.count,
            "criticality": int(n.criticality),
            "covid_contact": n.covid_contact,
            "task": n.task,
        }
        for n in needs
    ]


def need_from_row(row: Any) -> Need:
    return Need(
        id=row.id,
        unit_id=row.unit_id,
        day=row.day,
        shift_type_id=row.shift_type_id,
        start=row.start,
        end=row.end,
        requirement=QualificationRequirement(tuple(row.any_of), tuple(row.all_of)),
        count=row.count,
        criticality=Criticality(row.criticality),
        covid_contact=row.covid_contact,
        task=row.task,
    )


def assignment_rows(plan_id: str, assignments: Iterable[Assignment]) -> list[Row]:
    return [
        {
            "plan_id": plan_id,
            "employee_id": a.employee_id,
            "need_id": a.need_id,
            "unit_id": a.unit_id,
            "start": a.start,
            "end": a.end,
            "qualification_used": a.qualification_used,
        }
        for a in assignments
    ]


def assignment_from_row(row: Any) -> Assignment:
    return Assignment(row.employee_id, row.need_id, row.unit_id, row.start, row.end, row.qualification_used)


def training_rows(plan_id: str, trainings: Iterable[Training]) -> list[Row]:
    return [
        {"plan_id": plan_id, "employee_id": t.employee_id, "skill_code": t.skill_code, "day": t.day} for t in trainings
    ]


def training_from_row(row: Any) -> Training:
    return Training(row.employee_id, row.skill_code, row.day)
