"""Every domain record refuses invalid values on construction, with a short precise message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ressursbank.domain import (
    Absence,
    AbsenceWave,
    Area,
    Assignment,
    CloseUnits,
    Criticality,
    Employee,
    HeldQualification,
    Location,
    Need,
    OpeningStatus,
    OpenUnit,
    Organisation,
    Plan,
    Preferences,
    QualificationRequirement,
    QualificationType,
    ReduceUnits,
    Restriction,
    RestrictionFlag,
    Scenario,
    Sector,
    ShiftType,
    StaffingRule,
    StatusPeriod,
    Surge,
    TemplateStaffing,
    TrainableSkill,
    Unit,
    UnitKind,
    UnitTemplate,
)
from ressursbank.domain.qualifications import QualificationKind
from ressursbank.domain.rules import DailyRest, OvertimeCaps, RuleSet, Severity, WeeklyRest, aml_default_rules
from ressursbank.exceptions import DomainError

D = dt.date(2020, 3, 16)
T = dt.datetime(2020, 3, 16, 7, 0)
LOC = Location(59.83, 10.43)
REQ = QualificationRequirement(any_of=("aut.sykepleier",))

INVALID: list[tuple[str, Callable[[], Any], str]] = [
    ("area without id", lambda: Area("", "Asker"), "id must be"),
    ("area without name", lambda: Area("asker", ""), "name is required"),
    ("sector without names", lambda: Sector("helse", "", "Health"), "names are required"),
    ("latitude out of range", lambda: Location(91.0, 10.0), "latitude"),
    ("longitude out of range", lambda: Location(59.0, 181.0), "longitude"),
    ("status period backwards", lambda: StatusPeriod(D, D - dt.timedelta(days=1), OpeningStatus.CLOSED, 0), "before"),
    ("closed with capacity", lambda: StatusPeriod(D, D, OpeningStatus.CLOSED, 50), "closed unit"),
    ("reduced at 100", lambda: StatusPeriod(D, D, OpeningStatus.REDUCED, 100), "reduced unit"),
    ("capacity over 100", lambda: StatusPeriod(D, D, OpeningStatus.OPEN, 120), "capacity_pct"),
    (
        "overlapping status periods",
        lambda: Unit(
            "u1",
            "Unit",
            UnitKind.LIBRARY,
            "kultur",
            "asker",
            LOC,
            status_periods=(
                StatusPeriod(D, D + dt.timedelta(days=5), OpeningStatus.CLOSED, 0),
                StatusPeriod(D + dt.timedelta(days=3), D + dt.timedelta(days=9), OpeningStatus.CLOSED, 0),
            ),
        ),
        "overlap",
    ),
    ("unit without name", lambda: Unit("u1", "", UnitKind.LIBRARY, "kultur", "asker", LOC), "name is required"),
    (
        "qualification type implies itself",
        lambda: QualificationType("x", QualificationKind.COURSE, "x", "x", implied_by=("x",)),
        "imply itself",
    ),
    (
        "course of zero days",
        lambda: TrainableSkill("course.x", course_days=0, capacity_per_day=1, cost_nok=1),
        "course_days",
    ),
    (
        "course without capacity",
        lambda: TrainableSkill("course.x", course_days=1, capacity_per_day=0, cost_nok=1),
        "capacity",
    ),
    ("held qualification backwards", lambda: HeldQualification("aut.lege", D, D - dt.timedelta(days=1)), "before"),
    ("restriction backwards", lambda: Restriction(RestrictionFlag.NO_NIGHTS, D, D - dt.timedelta(days=1)), "before"),
    ("absence of no length", lambda: Absence(T, T), "after start"),
    ("travel beyond 500 km", lambda: Preferences(max_travel_km=900.0), "max_travel_km"),
    ("position 0 %", lambda: Employee("e1", "Kari", "u1", 0), "position_pct"),
    ("position 120 %", lambda: Employee("e1", "Kari", "u1", 120), "position_pct"),
    ("weekly norm 60 h", lambda: Employee("e1", "Kari", "u1", 100, weekly_hours_norm=60.0), "weekly_hours_norm"),
    (
        "qualification listed twice",
        lambda: Employee("e1", "Kari", "u1", 100, qualifications=(HeldQualification("lang.en"),) * 2),
        "listed twice",
    ),
    ("shift of 30 minutes", lambda: ShiftType("s", "s", "s", dt.time(7), 30), "minutes"),
    ("requirement with duplicates", lambda: QualificationRequirement(any_of=("a", "a")), "twice"),
    ("need of zero people", lambda: Need("n1", "u1", D, "day", T, T + dt.timedelta(hours=8), REQ, 0), "count"),
    ("need ending before start", lambda: Need("n1", "u1", D, "day", T, T, REQ, 1), "end must be after"),
    ("need of 20 hours", lambda: Need("n1", "u1", D, "day", T, T + dt.timedelta(hours=20), REQ, 1), "16 h"),
    ("staffing on weekday 7", lambda: StaffingRule("u1", "day", REQ, 1, Criticality.NORMAL, (7,)), "weekdays"),
    ("rule without citation", lambda: DailyRest(id="r", label_nb="r", label_en="r", citation=""), "citation"),
    (
        "daily rest below floor",
        lambda: DailyRest(id="r", label_nb="r", label_en="r", citation="AML", min_hours=7.0, agreement="T"),
        "8 h floor",
    ),
    (
        "daily rest 9 h without agreement",
        lambda: DailyRest(id="r", label_nb="r", label_en="r", citation="AML", min_hours=9.0),
        "agreement",
    ),
    (
        "weekly rest 30 h without agreement",
        lambda: WeeklyRest(id="r", label_nb="r", label_en="r", citation="AML", min_hours=30.0),
        "agreement",
    ),
    (
        "warning without cost",
        lambda: OvertimeCaps(id="r", label_nb="r", label_en="r", citation="AML", severity=Severity.WARNING),
        "positive cost",
    ),
    (
        "rule set with duplicate rules",
        lambda: RuleSet(id="x", label_nb="x", label_en="x", rules=aml_default_rules() * 2),
        "duplicate",
    ),
    ("template line of zero people", lambda: TemplateStaffing("day", REQ, 0, Criticality.CRITICAL), "count"),
    (
        "template without staffing",
        lambda: UnitTemplate("t", "t", "t", UnitKind.CORONA_CLINIC, "helse", Criticality.CRITICAL, ()),
        "staffing",
    ),
    ("close nothing", lambda: CloseUnits(start=D, end=D), "name units"),
    (
        "reduce to 100 %",
        lambda: ReduceUnits(start=D, end=D, capacity_pct=100, kinds=(UnitKind.LIBRARY,)),
        "capacity_pct",
    ),
    ("event backwards", lambda: Surge(start=D, end=D - dt.timedelta(days=1), factor_pct=120), "before"),
    ("surge below 100 %", lambda: Surge(start=D, end=D, factor_pct=90), "factor_pct"),
    ("absence wave of 95 %", lambda: AbsenceWave(start=D, end=D, rate_pct=95), "rate_pct"),
    (
        "open unit at 5 % scale",
        lambda: OpenUnit(
            start=D, end=D, unit_id="c", name="c", template_id="t", area_id="a", location=LOC, scale_pct=5
        ),
        "scale_pct",
    ),
    (
        "scenario opening one unit twice",
        lambda: Scenario(
            "s",
            "s",
            "s",
            D,
            (OpenUnit(start=D, end=D, unit_id="c", name="c", template_id="t", area_id="a", location=LOC),) * 2,
        ),
        "duplicate",
    ),
    (
        "plan with a double assignment",
        lambda: Plan((Assignment("e1", "n1", "u1", T, T + dt.timedelta(hours=8)),) * 2),
        "twice",
    ),
]


@pytest.mark.parametrize(("case", "build", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_record_is_refused(case: str, build: Callable[[], Any], message: str) -> None:
    """Constructing an invalid record raises DomainError whose message says what is wrong."""
    with pytest.raises(DomainError, match=message):
        build()


def test_organisation_rejects_dangling_references(tiny_org: Organisation) -> None:
    """An employee whose home unit does not exist is refused by the aggregate."""
    bad = Employee("X1", "Ola Nordmann", "no-such-unit", 100)
    with pytest.raises(DomainError, match="unknown home unit"):
        Organisation(
            areas=tiny_org.areas,
            sectors=tiny_org.sectors,
            units=tiny_org.units,
            employees=(*tiny_org.employees, bad),
            shift_types=tiny_org.shift_types,
        )


def test_organisation_rejects_duplicate_ids(tiny_org: Organisation) -> None:
    """Two employees with one id are refused."""
    with pytest.raises(DomainError, match="duplicate id"):
        Organisation(
            areas=tiny_org.areas,
            sectors=tiny_org.sectors,
            units=tiny_org.units,
            employees=(*tiny_org.employees, tiny_org.employees[0]),
            shift_types=tiny_org.shift_types,
        )


def test_valid_records_construct() -> None:
    """Typical valid values construct without error and keep their values."""
    employee = Employee(
        "e1",
        "Kari Nordmann",
        "u1",
        80,
        35.5,
        qualifications=(HeldQualification("aut.sykepleier", D),),
        restrictions=(Restriction(RestrictionFlag.NO_COVID_CONTACT, D),),
    )
    assert employee.contract_minutes_per_week == round(35.5 * 60 * 0.8)
    assert employee.holds("aut.sykepleier", D)
    assert not employee.holds("aut.sykepleier", D - dt.timedelta(days=1))
    assert employee.restricted(RestrictionFlag.NO_COVID_CONTACT, D)
    assert ShiftType("night", "Natt", "Night", dt.time(21, 45), 570).is_night
    assert not ShiftType("day", "Dag", "Day", dt.time(7), 480).is_night
