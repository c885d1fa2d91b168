"""The organisation: areas (former municipalities), sectors, units with opening status over time."""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import math
from dataclasses import dataclass

from ressursbank.domain._validate import require, require_id, require_range


class Criticality(enum.IntEnum):
    """How critical a service is: society stops if a critical one stops."""

    NORMAL = 1
    IMPORTANT = 2
    CRITICAL = 3


class UnitKind(enum.StrEnum):
    """Unit kinds; each knows which politiattest type a person must hold to work there."""

    NURSING_HOME = "nursing_home"
    HOME_CARE = "home_care"
    SUPPORTED_HOUSING = "supported_housing"
    MENTAL_HEALTH = "mental_health"
    HEALTH_STATION = "health_station"
    REHAB = "rehab"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    LIBRARY = "library"
    SWIMMING_HALL = "swimming_hall"
    CULTURE = "culture"
    TECHNICAL = "technical"
    ADMINISTRATION = "administration"
    CORONA_CLINIC = "corona_clinic"
    VACCINATION_CENTRE = "vaccination_centre"
    EMERGENCY_CHILDCARE = "emergency_childcare"

    @property
    def required_politiattest(self) -> str | None:
        """The politiattest type a person needs before starting here (domain-norway.md section 3.3)."""
        return _POLITIATTEST_BY_KIND.get(self)

    @property
    def is_round_the_clock(self) -> bool:
        """Services staffed day, evening and night."""
        return self in (UnitKind.NURSING_HOME, UnitKind.HOME_CARE, UnitKind.SUPPORTED_HOUSING)


_HEALTH = "pa.helse"
_POLITIATTEST_BY_KIND: dict[UnitKind, str] = {
    UnitKind.NURSING_HOME: _HEALTH,
    UnitKind.HOME_CARE: _HEALTH,
    UnitKind.SUPPORTED_HOUSING: _HEALTH,
    UnitKind.MENTAL_HEALTH: _HEALTH,
    UnitKind.HEALTH_STATION: _HEALTH,
    UnitKind.REHAB: _HEALTH,
    UnitKind.CORONA_CLINIC: _HEALTH,
    UnitKind.VACCINATION_CENTRE: _HEALTH,
    UnitKind.SCHOOL: "pa.barneomsorg",
    UnitKind.KINDERGARTEN: "pa.barnehage",
    UnitKind.EMERGENCY_CHILDCARE: "pa.barnehage",
}


class OpeningStatus(enum.StrEnum):
    """Whether a unit runs normally, at reduced capacity, or not at all."""

    OPEN = "open"
    REDUCED = "reduced"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Area:
    """A geographic area; in Asker the three former municipalities."""

    id: str
    name: str

    def __post_init__(self) -> None:
        require_id(self.id, "area")
        require(self.name != "", f"area {self.id}: name is required")


@dataclass(frozen=True, slots=True)
class Sector:
    """A sector of the organisation (health and welfare, schools, kindergartens, culture, ...)."""

    id: str
    name_nb: str
    name_en: str

    def __post_init__(self) -> None:
        require_id(self.id, "sector")
        require(self.name_nb != "" and self.name_en != "", f"sector {self.id}: names are required")


@dataclass(frozen=True, slots=True)
class Location:
    """A place, as latitude/longitude in degrees (WGS 84)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        require(-90.0 <= self.lat <= 90.0, f"location: latitude {self.lat} out of range")
        require(-180.0 <= self.lon <= 180.0, f"location: longitude {self.lon} out of range")

    def km_to(self, other: Location) -> float:
        """Great-circle distance in km (haversine); road distance is typically 1.2-1.4 times this."""
        rlat1, rlat2 = math.radians(self.lat), math.radians(other.lat)
        dlat, dlon = rlat2 - rlat1, math.radians(other.lon - self.lon)
        h = math.sin(dlat / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
        return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class StatusPeriod:
    """A unit's opening status for the inclusive date range ``start``..``end``."""

    start: dt.date
    end: dt.date
    status: OpeningStatus
    capacity_pct: int = 100

    def __post_init__(self) -> None:
        require_range(self.start, self.end, "status period")
        require(0 <= self.capacity_pct <= 100, f"status period: capacity_pct {self.capacity_pct} not in 0..100")
        if self.status is OpeningStatus.CLOSED:
            require(self.capacity_pct == 0, "status period: a closed unit has capacity_pct 0")
        elif self.status is OpeningStatus.OPEN:
            require(self.capacity_pct == 100, "status period: an open unit has capacity_pct 100")
        else:
            require(0 < self.capacity_pct < 100, "status period: a reduced unit has capacity_pct between 1 and 99")

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Unit:
    """A service unit (virksomhet / avdeling). Open by default; ``status_periods`` override that by date."""

    id: str
    name: str
    kind: UnitKind
    sector_id: str
    area_id: str
    location: Location
    criticality: Criticality = Criticality.NORMAL
    status_periods: tuple[StatusPeriod, ...] = ()
    #: Units opened by a scenario exist only from this date.
    opens_on: dt.date | None = None

    def __post_init__(self) -> None:
        require_id(self.id, "unit")
        require(self.name != "", f"unit {self.id}: name is required")
        ordered = sorted(self.status_periods, key=lambda p: p.start)
        for before, after in itertools.pairwise(ordered):
            require(after.start > before.end, f"unit {self.id}: status periods overlap at {after.start}")

    def status_on(self, day: dt.date) -> StatusPeriod:
        """The status on ``day`` (OPEN at 100 % unless a period says otherwise or the unit is not yet open)."""
        if self.opens_on is not None and day < self.opens_on:
            return StatusPeriod(day, day, OpeningStatus.CLOSED, 0)
        for period in self.status_periods:
            if period.covers(day):
                return period
        return StatusPeriod(day, day, OpeningStatus.OPEN, 100)

    def capacity_on(self, day: dt.date) -> int:
        """Percentage of normal activity on ``day``."""
        return self.status_on(day).capacity_pct
