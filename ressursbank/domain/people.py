"""Employees: home unit, position, qualifications held, availability, preferences and restrictions."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from ressursbank.domain._validate import require, require_id, require_range


@dataclass(frozen=True, slots=True)
class HeldQualification:
    """A qualification an employee holds, valid on the inclusive date range (open-ended when ``valid_to`` is None)."""

    code: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    verified: bool = True

    def __post_init__(self) -> None:
        require_id(self.code, "held qualification")
        if self.valid_from is not None and self.valid_to is not None:
            require_range(self.valid_from, self.valid_to, f"qualification {self.code}")

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class RestrictionFlag(enum.StrEnum):
    """What a person must not do, never why (GDPR art. 9: the reason may be health data and is not stored)."""

    NO_COVID_CONTACT = "no_covid_contact"
    NO_NIGHTS = "no_nights"
    NO_HEAVY_LIFTING = "no_heavy_lifting"
    NO_REDEPLOYMENT = "no_redeployment"


@dataclass(frozen=True, slots=True)
class Restriction:
    """A reason-free restriction flag with validity and the approver's id."""

    flag: RestrictionFlag
    valid_from: dt.date
    valid_to: dt.date | None = None
    approved_by: str = ""

    def __post_init__(self) -> None:
        if self.valid_to is not None:
            require_range(self.valid_from, self.valid_to, f"restriction {self.flag}")

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class AbsenceKind(enum.StrEnum):
    SICK = "sick"
    VACATION = "vacation"
    LEAVE = "leave"
    QUARANTINE = "quarantine"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Absence:
    """The employee cannot work in the half-open interval ``start``..``end`` (local date-times)."""

    start: dt.datetime
    end: dt.datetime
    kind: AbsenceKind = AbsenceKind.OTHER

    def __post_init__(self) -> None:
        require(self.end > self.start, f"absence: end {self.end} must be after start {self.start}")

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the employee wants: unit kinds they volunteer for, travel, more hours, shifts they would rather avoid."""

    willing_unit_kinds: frozenset[str] = frozenset()
    max_travel_km: float = 25.0
    wants_more_hours: bool = False
    avoid_nights: bool = False
    avoid_weekends: bool = False

    def __post_init__(self) -> None:
        require(
            0.0 <= self.max_travel_km <= 500.0,
            f"preferences: max_travel_km {self.max_travel_km} not in 0..500",
        )


@dataclass(frozen=True, slots=True)
class Employee:
    """A permanent employee with a home unit and a position (stillingsprosent)."""

    id: str
    name: str
    home_unit_id: str
    position_pct: int
    weekly_hours_norm: float = 37.5
    qualifications: tuple[HeldQualification, ...] = ()
    trainable: tuple[str, ...] = ()
    absences: tuple[Absence, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)
    restrictions: tuple[Restriction, ...] = ()
    rule_set_id: str = "aml-default"
    hourly_wage_nok: int = 300
    sector_id: str = ""

    def __post_init__(self) -> None:
        require_id(self.id, "employee")
        require(self.name != "", f"employee {self.id}: name is required")
        require_id(self.home_unit_id, f"employee {self.id}: home unit")
        require(
            1 <= self.position_pct <= 100,
            f"employee {self.id}: position_pct {self.position_pct} not in 1..100",
        )
        require(
            20.0 <= self.weekly_hours_norm <= 40.0,
            f"employee {self.id}: weekly_hours_norm {self.weekly_hours_norm} not in 20..40",
        )
        require(self.hourly_wage_nok > 0, f"employee {self.id}: hourly_wage_nok must be positive")
        codes = [q.code for q in self.qualifications]
        require(len(codes) == len(set(codes)), f"employee {self.id}: a qualification is listed twice")

    @property
    def contract_minutes_per_week(self) -> int:
        """Agreed minutes a week: the norm times the position percentage."""
        return round(self.weekly_hours_norm * 60 * self.position_pct / 100)

    def holds(self, code: str, day: dt.date) -> bool:
        """True if the employee holds ``code`` valid on ``day`` (the catalogue's implications are the problem's)."""
        return any(q.code == code and q.valid_on(day) for q in self.qualifications)

    def restricted(self, flag: RestrictionFlag, day: dt.date) -> bool:
        return any(r.flag is flag and r.active_on(day) for r in self.restrictions)

    def absent(self, start: dt.datetime, end: dt.datetime) -> bool:
        return any(a.overlaps(start, end) for a in self.absences)
