"""Timefold's employee-scheduling quickstart data as pure, validated records.

Source: the demo-data generator of Timefold's employee-scheduling quickstart (Python, release 1.15.0,
Apache-2.0). Each shift needs one employee who has its required skill. Hard rules: required skill, no
overlapping shifts, at least 10 hours between two shifts, at most one shift starting per calendar date, no
shift touching an unavailable date. Soft terms: minutes on undesired dates (penalty), minutes on desired dates
(reward) and the unfairness of the shift counts (penalty). All times are naive local date-times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from ressursbank.exceptions import DomainError

#: A roster: shift id -> the name of the employee who works it; a shift that is absent is unassigned.
Roster = Mapping[str, str]

#: Minimum rest between two shifts of one employee, in minutes (Timefold: "At least 10 hours between 2 shifts").
MIN_REST_MINUTES = 600

_ONE_MINUTE = dt.timedelta(minutes=1)
_DAY_END = dt.timedelta(days=1) - dt.timedelta(microseconds=1)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DomainError(message)


def day_minutes(start: dt.datetime, end: dt.datetime, date: dt.date) -> int:
    """Return the whole minutes of ``[start, end]`` that lie inside ``[date 00:00, date 23:59:59.999999]``.

    Parameters
    ----------
    start, end
        The shift's naive start and end.
    date
        The calendar date.

    Returns
    -------
    int
        The minutes, rounded down; 0 when the shift does not touch ``date``. A shift running past midnight
        loses one minute on its start date (22:00-06:00 gives 119 and 360).
    """
    day_start = dt.datetime.combine(date, dt.time())
    lo = max(start, day_start)
    hi = min(end, day_start + _DAY_END)
    if hi <= lo:
        return 0
    return (hi - lo) // _ONE_MINUTE


def minutes_between(earlier: dt.datetime, later: dt.datetime) -> int:
    """Return ``later - earlier`` in whole minutes, rounded down (negative when ``later`` is earlier)."""
    return (later - earlier) // _ONE_MINUTE


@dataclass(frozen=True, slots=True)
class Employee:
    """An employee: a unique name, skills and three disjoint sets of dates."""

    name: str
    skills: frozenset[str]
    unavailable_dates: frozenset[dt.date] = frozenset()
    undesired_dates: frozenset[dt.date] = frozenset()
    desired_dates: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        _require(
            isinstance(self.name, str) and self.name != "" and self.name == self.name.strip() and "," not in self.name,
            f"employee {self.name!r}: name must be non-empty, without commas or surrounding spaces",
        )
        _require(
            all(isinstance(s, str) and s != "" for s in self.skills),
            f"employee {self.name!r}: skills must be non-empty strings",
        )
        for label, dates in (
            ("unavailable", self.unavailable_dates),
            ("undesired", self.undesired_dates),
            ("desired", self.desired_dates),
        ):
            _require(
                all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in dates),
                f"employee {self.name!r}: {label} dates must be dates",
            )
        _require(
            not (self.unavailable_dates & self.undesired_dates)
            and not (self.unavailable_dates & self.desired_dates)
            and not (self.undesired_dates & self.desired_dates),
            f"employee {self.name!r}: a date is listed twice among unavailable/undesired/desired",
        )


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift: a unique id, a naive start and end (end after start), a location and the one required skill."""

    id: str
    start: dt.datetime
    end: dt.datetime
    location: str
    required_skill: str

    def __post_init__(self) -> None:
        _require(
            isinstance(self.id, str) and self.id != "" and self.id == self.id.strip() and "," not in self.id,
            f"shift {self.id!r}: id must be non-empty, without commas or surrounding spaces",
        )
        _require(
            isinstance(self.start, dt.datetime) and isinstance(self.end, dt.datetime),
            f"shift {self.id!r}: start and end must be date-times",
        )
        _require(self.start.tzinfo is None and self.end.tzinfo is None, f"shift {self.id!r}: times must be naive")
        _require(self.end > self.start, f"shift {self.id!r}: end {self.end} is not after start {self.start}")
        _require(
            isinstance(self.required_skill, str) and self.required_skill != "",
            f"shift {self.id!r}: required skill must be a non-empty string",
        )

    @property
    def start_date(self) -> dt.date:
        """The calendar date the shift starts on (it belongs to that date)."""
        return self.start.date()

    @property
    def end_date(self) -> dt.date:
        """The calendar date the shift ends on."""
        return self.end.date()


@dataclass(frozen=True, slots=True)
class TimefoldDataset:
    """One employee-scheduling data set: employees and shifts in file order, with lookup maps built once."""

    name: str
    horizon_start: dt.date
    horizon_days: int
    employees: tuple[Employee, ...]
    shifts: tuple[Shift, ...]
    employee_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    shift_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require(isinstance(self.name, str) and self.name != "", "data set: name must be a non-empty string")
        _require(
            isinstance(self.horizon_days, int) and not isinstance(self.horizon_days, bool) and self.horizon_days >= 1,
            f"data set {self.name!r}: horizon_days {self.horizon_days!r} is not >= 1",
        )
        _require(len(self.employees) >= 1, f"data set {self.name!r}: no employees")
        employee_index: dict[str, int] = {}
        for i, employee in enumerate(self.employees):
            _require(
                employee.name not in employee_index, f"data set {self.name!r}: duplicate employee {employee.name!r}"
            )
            employee_index[employee.name] = i
        shift_index: dict[str, int] = {}
        for i, shift in enumerate(self.shifts):
            _require(shift.id not in shift_index, f"data set {self.name!r}: duplicate shift id {shift.id!r}")
            shift_index[shift.id] = i
        object.__setattr__(self, "employee_index", employee_index)
        object.__setattr__(self, "shift_index", shift_index)

    @property
    def horizon_end(self) -> dt.date:
        """The first date after the horizon."""
        return self.horizon_start + dt.timedelta(days=self.horizon_days)
