"""Needs: how many people with which qualifications a unit needs, per day and shift."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ressursbank.constants import NIGHT_END_MINUTE, NIGHT_START_MINUTE
from ressursbank.domain._validate import require, require_id
from ressursbank.domain.organisation import Criticality


@dataclass(frozen=True, slots=True)
class ShiftType:
    """A shift pattern: starts at ``start`` local time and lasts ``minutes`` (may pass midnight)."""

    id: str
    label_nb: str
    label_en: str
    start: dt.time
    minutes: int

    def __post_init__(self) -> None:
        require_id(self.id, "shift type")
        require(60 <= self.minutes <= 16 * 60, f"shift type {self.id}: minutes {self.minutes} not in 60..960")

    def interval_on(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(day, self.start)
        return start, start + dt.timedelta(minutes=self.minutes)

    @property
    def night_minutes(self) -> int:
        """Minutes inside the AML § 10-11 night window 21:00-06:00."""
        return night_minutes(self.start.hour * 60 + self.start.minute, self.minutes)

    @property
    def is_night(self) -> bool:
        """More than 3 h in the night window (AML § 10-11 (6): a night worker's shift)."""
        return self.night_minutes > 180


def night_minutes(start_minute_of_day: int, minutes: int) -> int:
    """Minutes of ``[start, start + minutes)`` that fall in 21:00-06:00 on any day."""
    total = 0
    t = start_minute_of_day
    end = start_minute_of_day + minutes
    while t < end:
        minute_of_day = t % 1440
        if minute_of_day >= NIGHT_START_MINUTE or minute_of_day < NIGHT_END_MINUTE:
            # jump to the end of this night window or the shift's end
            window_end = (t - minute_of_day) + (
                1440 + NIGHT_END_MINUTE if minute_of_day >= NIGHT_START_MINUTE else NIGHT_END_MINUTE
            )
            step = min(window_end, end) - t
            total += step
        else:
            step = min((t - minute_of_day) + NIGHT_START_MINUTE, end) - t
        t += step
    return total


@dataclass(frozen=True, slots=True)
class QualificationRequirement:
    """Who may fill a need: holds at least one of ``any_of`` (if given) and all of ``all_of``."""

    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require(len(set(self.any_of)) == len(self.any_of), "requirement: any_of lists a code twice")
        require(len(set(self.all_of)) == len(self.all_of), "requirement: all_of lists a code twice")

    @property
    def codes(self) -> tuple[str, ...]:
        return self.any_of + self.all_of

    def describe(self) -> str:
        parts = []
        if self.any_of:
            parts.append(" | ".join(self.any_of))
        if self.all_of:
            parts.append(" & ".join(self.all_of))
        return " + ".join(parts) if parts else "-"


@dataclass(frozen=True, slots=True)
class Need:
    """``count`` people for one shift at one unit, with a requirement and a criticality."""

    id: str
    unit_id: str
    day: dt.date
    shift_type_id: str
    start: dt.datetime
    end: dt.datetime
    requirement: QualificationRequirement
    count: int
    criticality: Criticality = Criticality.NORMAL
    #: The task involves contact with (possibly) infected people: risk-group restrictions apply.
    covid_contact: bool = False
    task: str = ""

    def __post_init__(self) -> None:
        require_id(self.id, "need")
        require(self.end > self.start, f"need {self.id}: end must be after start")
        require(self.count >= 1, f"need {self.id}: count {self.count} must be >= 1")
        require((self.end - self.start) <= dt.timedelta(hours=16), f"need {self.id}: a shift cannot exceed 16 h")

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class StaffingRule:
    """A unit's normal need for a shift type on given weekdays (0 = Monday), before any scenario."""

    unit_id: str
    shift_type_id: str
    requirement: QualificationRequirement
    count: int
    criticality: Criticality
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    covid_contact: bool = False
    task: str = ""

    def __post_init__(self) -> None:
        require(self.count >= 1, f"staffing rule {self.unit_id}/{self.shift_type_id}: count must be >= 1")
        require(all(0 <= d <= 6 for d in self.weekdays), f"staffing rule {self.unit_id}: weekdays must be 0..6")
