"""Crisis scenarios: events that close, reduce or open units, raise demand and thin out the staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ressursbank.domain._validate import require, require_id, require_range, require_unique
from ressursbank.domain.needs import QualificationRequirement
from ressursbank.domain.organisation import Criticality, Location, UnitKind


@dataclass(frozen=True, slots=True)
class TemplateStaffing:
    """One line of a unit template: ``count`` people with ``requirement`` on ``shift_type_id``."""

    shift_type_id: str
    requirement: QualificationRequirement
    count: int
    criticality: Criticality
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    covid_contact: bool = False
    task: str = ""

    def __post_init__(self) -> None:
        require(self.count >= 1, f"template line {self.task or self.shift_type_id}: count must be >= 1")


@dataclass(frozen=True, slots=True)
class UnitTemplate:
    """A kind of unit that can be set up in days (corona clinic, vaccination centre, emergency childcare)."""

    id: str
    name_nb: str
    name_en: str
    kind: UnitKind
    sector_id: str
    criticality: Criticality
    staffing: tuple[TemplateStaffing, ...]

    def __post_init__(self) -> None:
        require_id(self.id, "unit template")
        require(len(self.staffing) > 0, f"unit template {self.id}: staffing is required")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happens from ``start`` to ``end`` (inclusive dates)."""

    start: dt.date
    end: dt.date
    note: str = ""

    def __post_init__(self) -> None:
        require_range(self.start, self.end, type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseUnits(Event):
    """Close the listed units, or every unit of ``kinds`` (in ``area_ids`` if given), except ``keep_open``."""

    unit_ids: tuple[str, ...] = ()
    kinds: tuple[UnitKind, ...] = ()
    area_ids: tuple[str, ...] = ()
    keep_open: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        require(bool(self.unit_ids) or bool(self.kinds), "close: name units or unit kinds")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReduceUnits(Event):
    """Run the listed units (or kinds) at ``capacity_pct`` of normal activity."""

    capacity_pct: int
    unit_ids: tuple[str, ...] = ()
    kinds: tuple[UnitKind, ...] = ()

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        require(1 <= self.capacity_pct <= 99, f"reduce: capacity_pct {self.capacity_pct} not in 1..99")
        require(bool(self.unit_ids) or bool(self.kinds), "reduce: name units or unit kinds")


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenUnit(Event):
    """Open a new unit from a template for the period."""

    unit_id: str
    name: str
    template_id: str
    area_id: str
    location: Location
    scale_pct: int = 100

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        require_id(self.unit_id, "open unit")
        require(10 <= self.scale_pct <= 1000, f"open unit {self.unit_id}: scale_pct not in 10..1000")


@dataclass(frozen=True, slots=True, kw_only=True)
class Surge(Event):
    """Demand at the listed units (or kinds) rises to ``factor_pct`` of normal."""

    factor_pct: int
    unit_ids: tuple[str, ...] = ()
    kinds: tuple[UnitKind, ...] = ()

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        require(100 < self.factor_pct <= 400, f"surge: factor_pct {self.factor_pct} not in 101..400")


@dataclass(frozen=True, slots=True, kw_only=True)
class AbsenceWave(Event):
    """``rate_pct`` of the staff of ``kinds`` are absent for ``days`` days each, starting at seeded dates."""

    rate_pct: int
    kinds: tuple[UnitKind, ...] = ()
    days: int = 7
    seed: int = 0

    def __post_init__(self) -> None:
        Event.__post_init__(self)
        require(1 <= self.rate_pct <= 80, f"absence wave: rate_pct {self.rate_pct} not in 1..80")
        require(1 <= self.days <= 60, f"absence wave: days {self.days} not in 1..60")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named crisis: what happens, from which day, described for people."""

    id: str
    name_nb: str
    name_en: str
    start: dt.date
    events: tuple[Event, ...]
    description: str = ""

    def __post_init__(self) -> None:
        require_id(self.id, "scenario")
        require_unique((e.unit_id for e in self.events if isinstance(e, OpenUnit)), f"scenario {self.id}: opened unit")
