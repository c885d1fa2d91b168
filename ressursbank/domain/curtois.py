"""The Curtois & Qu shift-scheduling benchmark as pure, validated records.

T. Curtois and R. Qu (University of Nottingham, 2014), schedulingbenchmarks.org, instances 1-24.
Every instance starts on a Monday; days are 0-based; a weekend is the Saturday and Sunday of one week.

Hard rules (per employee): at most one shift per day; fixed days off; forbidden shift successions on
consecutive days; a cap per shift type; minimum and maximum total minutes; maximum consecutive working
days; minimum consecutive working days and minimum consecutive days off (blocks touching the first or
last day of the horizon are exempt); a maximum number of working weekends. Soft terms: shift-on requests
(weight if not granted), shift-off requests (weight if the shift is worked), and cover per day and shift
type (under and over weights per person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ressursbank.exceptions import DomainError

#: A roster: employee id -> day index -> shift id; a day that is absent means the employee is off.
Roster = Mapping[str, Mapping[int, str]]

DAYS_PER_WEEK = 7
SATURDAY = 5
SUNDAY = 6


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DomainError(message)


def _require_id(value: str, what: str) -> None:
    _require(
        isinstance(value, str) and value != "" and value == value.strip() and "," not in value,
        f"{what}: id {value!r} must be a non-empty string without commas or surrounding spaces",
    )


def _require_count(value: int, what: str) -> None:
    _require(
        isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        f"{what}: {value!r} is not >= 0",
    )


@dataclass(frozen=True, slots=True)
class ShiftType:
    """A shift type: its id, its length in minutes and the shift types that may not follow it the next day."""

    id: str
    minutes: int
    forbidden_next: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _require_id(self.id, "shift type")
        _require(
            isinstance(self.minutes, int) and self.minutes > 0,
            f"shift type {self.id}: length {self.minutes!r} must be > 0",
        )
        for other in self.forbidden_next:
            _require_id(other, f"shift type {self.id}: forbidden successor")


@dataclass(frozen=True, slots=True)
class Employee:
    """One employee and the limits of their contract.

    ``max_shifts`` maps a shift type id to the most shifts of that type the employee may work; a type that is
    absent is capped at 0 (the employee cannot work it).
    """

    id: str
    max_shifts: Mapping[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int

    def __post_init__(self) -> None:
        _require_id(self.id, "employee")
        for shift, cap in self.max_shifts.items():
            _require_id(shift, f"employee {self.id}: max shifts")
            _require_count(cap, f"employee {self.id}: max shifts of {shift}")
        for name in (
            "max_total_minutes",
            "min_total_minutes",
            "max_consecutive_shifts",
            "min_consecutive_shifts",
            "min_consecutive_days_off",
            "max_weekends",
        ):
            _require_count(getattr(self, name), f"employee {self.id}: {name}")
        _require(
            self.min_total_minutes <= self.max_total_minutes,
            f"employee {self.id}: min total minutes {self.min_total_minutes} > max {self.max_total_minutes}",
        )
        _require(self.max_consecutive_shifts >= 1, f"employee {self.id}: max consecutive shifts must be >= 1")

    def cap(self, shift: str) -> int:
        """Return the most shifts of type ``shift`` this employee may work (0 when not listed)."""
        return self.max_shifts.get(shift, 0)


@dataclass(frozen=True, slots=True)
class ShiftRequest:
    """A wish of one employee about one shift on one day.

    ``on=True``: the employee wants to work ``shift`` that day (``weight`` if not granted). ``on=False``: the
    employee does not want to work ``shift`` that day (``weight`` if assigned).
    """

    employee: str
    day: int
    shift: str
    weight: int
    on: bool

    def __post_init__(self) -> None:
        what = "shift on request" if self.on else "shift off request"
        _require_id(self.employee, what)
        _require_id(self.shift, what)
        _require_count(self.day, f"{what} of {self.employee}: day")
        _require_count(self.weight, f"{what} of {self.employee}: weight")


@dataclass(frozen=True, slots=True)
class Cover:
    """How many people should work ``shift`` on ``day``, and the cost per person under or over."""

    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int

    def __post_init__(self) -> None:
        _require_id(self.shift, "cover")
        for name in ("day", "requirement", "under_weight", "over_weight"):
            _require_count(getattr(self, name), f"cover of {self.shift} on day {self.day}: {name}")


@dataclass(frozen=True, slots=True)
class CurtoisInstance:
    """A complete, validated benchmark instance (see the module docstring for the rules)."""

    name: str
    horizon: int
    shift_types: tuple[ShiftType, ...]
    employees: tuple[Employee, ...]
    days_off: Mapping[str, frozenset[int]]
    requests: tuple[ShiftRequest, ...]
    cover: tuple[Cover, ...]
    shift_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    employee_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require(isinstance(self.horizon, int) and self.horizon >= 1, f"horizon {self.horizon!r} must be >= 1 day")
        _require(len(self.shift_types) >= 1, "an instance needs at least one shift type")
        _require(len(self.employees) >= 1, "an instance needs at least one employee")
        shift_index: dict[str, int] = {}
        for i, shift in enumerate(self.shift_types):
            _require(shift.id not in shift_index, f"shift type {shift.id}: duplicate id")
            shift_index[shift.id] = i
        for shift in self.shift_types:
            for other in shift.forbidden_next:
                _require(other in shift_index, f"shift type {shift.id}: unknown forbidden successor {other!r}")
        employee_index: dict[str, int] = {}
        for i, employee in enumerate(self.employees):
            _require(employee.id not in employee_index, f"employee {employee.id}: duplicate id")
            employee_index[employee.id] = i
            for shift_id in employee.max_shifts:
                _require(
                    shift_id in shift_index,
                    f"employee {employee.id}: max shifts of unknown shift {shift_id!r}",
                )
        for employee_id, days in self.days_off.items():
            _require(employee_id in employee_index, f"days off: unknown employee {employee_id!r}")
            for day in days:
                self._require_day(day, f"days off of {employee_id}")
        for request in self.requests:
            what = f"shift {'on' if request.on else 'off'} request of {request.employee} on day {request.day}"
            _require(request.employee in employee_index, f"{what}: unknown employee")
            _require(request.shift in shift_index, f"{what}: unknown shift {request.shift!r}")
            self._require_day(request.day, what)
        seen: set[tuple[int, str]] = set()
        for cover in self.cover:
            what = f"cover of {cover.shift} on day {cover.day}"
            _require(cover.shift in shift_index, f"{what}: unknown shift")
            self._require_day(cover.day, what)
            _require((cover.day, cover.shift) not in seen, f"{what}: given twice")
            seen.add((cover.day, cover.shift))
        object.__setattr__(self, "shift_index", shift_index)
        object.__setattr__(self, "employee_index", employee_index)

    def _require_day(self, day: int, what: str) -> None:
        _require(
            isinstance(day, int) and 0 <= day < self.horizon,
            f"{what}: day {day!r} outside 0..{self.horizon - 1}",
        )

    def weekend_days(self, week: int) -> tuple[int, ...]:
        """Return the days of weekend ``week`` (0-based) that fall inside the horizon."""
        days = (week * DAYS_PER_WEEK + SATURDAY, week * DAYS_PER_WEEK + SUNDAY)
        return tuple(day for day in days if day < self.horizon)

    @property
    def weekend_count(self) -> int:
        """Return the number of weekends with at least one day inside the horizon."""
        return (self.horizon + DAYS_PER_WEEK - 1 - SATURDAY) // DAYS_PER_WEEK if self.horizon > SATURDAY else 0

    def shift(self, shift_id: str) -> ShiftType:
        """Return the shift type with id ``shift_id``."""
        return self.shift_types[self.shift_index[shift_id]]

    def employee(self, employee_id: str) -> Employee:
        """Return the employee with id ``employee_id``."""
        return self.employees[self.employee_index[employee_id]]

    @property
    def size(self) -> str:
        """Return a short size label: days x employees x shift types."""
        return f"{self.horizon}d x {len(self.employees)}e x {len(self.shift_types)}s"
