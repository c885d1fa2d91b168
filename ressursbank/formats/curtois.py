"""Read Curtois & Qu benchmark instance files (schedulingbenchmarks.org, instances 1-24).

The text format has sections that start with a ``SECTION_*`` line; ``#`` starts a comment line; blank lines are
ignored; fields are comma separated; line endings may be CRLF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ressursbank.domain.curtois import Cover, CurtoisInstance, Employee, ShiftRequest, ShiftType
from ressursbank.exceptions import DomainError, FormatError

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED_SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")


@dataclass
class _Parser:
    source: str
    horizon: int | None = None
    shifts: list[ShiftType] = field(default_factory=list)
    shift_lines: dict[str, int] = field(default_factory=dict)
    employees: list[Employee] = field(default_factory=list)
    employee_lines: dict[str, int] = field(default_factory=dict)
    days_off: dict[str, frozenset[int]] = field(default_factory=dict)
    requests: list[ShiftRequest] = field(default_factory=list)
    cover: list[Cover] = field(default_factory=list)
    seen_sections: set[str] = field(default_factory=set)

    def fail(self, line: int, section: str | None, reason: str) -> FormatError:
        where = f"{self.source}, line {line}" + (f", {section}" if section else "")
        return FormatError(f"{where}: {reason}")

    def integer(self, text: str, what: str, line: int, section: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise self.fail(line, section, f"{what} {text.strip()!r} is not a whole number") from None
        if value < 0:
            raise self.fail(line, section, f"{what} {value} is negative")
        return value

    def fields(self, text: str, count: int, line: int, section: str, what: str) -> list[str]:
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != count:
            raise self.fail(line, section, f"expected {count} fields ({what}), found {len(parts)}")
        return parts

    def day(self, text: str, line: int, section: str) -> int:
        value = self.integer(text, "day", line, section)
        assert self.horizon is not None
        if value >= self.horizon:
            raise self.fail(line, section, f"day {value} outside the horizon 0..{self.horizon - 1}")
        return value

    def known_shift(self, shift: str, line: int, section: str) -> str:
        if shift not in self.shift_lines:
            raise self.fail(line, section, f"unknown shift type {shift!r}")
        return shift

    def known_employee(self, employee: str, line: int, section: str) -> str:
        if employee not in self.employee_lines:
            raise self.fail(line, section, f"unknown employee {employee!r}")
        return employee

    def line(self, section: str, text: str, number: int) -> None:
        if section != "SECTION_HORIZON" and self.horizon is None:
            raise self.fail(number, section, "SECTION_HORIZON must come first")
        try:
            getattr(self, "_" + section.removeprefix("SECTION_").lower())(text, number, section)
        except DomainError as error:
            raise self.fail(number, section, str(error)) from None

    def _horizon(self, text: str, number: int, section: str) -> None:
        if self.horizon is not None:
            raise self.fail(number, section, "the horizon is given twice")
        self.horizon = self.integer(text, "horizon", number, section)
        if self.horizon < 1:
            raise self.fail(number, section, "the horizon must be at least 1 day")

    def _shifts(self, text: str, number: int, section: str) -> None:
        shift_id, minutes, forbidden = self.fields(
            text, 3, number, section, "ShiftID, Length in mins, forbidden successors"
        )
        if shift_id in self.shift_lines:
            first = self.shift_lines[shift_id]
            raise self.fail(number, section, f"shift type {shift_id!r} also given on line {first}")
        successors = frozenset(part.strip() for part in forbidden.split("|") if part.strip())
        self.shifts.append(ShiftType(shift_id, self.integer(minutes, "length", number, section), successors))
        self.shift_lines[shift_id] = number

    def _staff(self, text: str, number: int, section: str) -> None:
        parts = self.fields(
            text,
            8,
            number,
            section,
            "ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, "
            "MinConsecutiveDaysOff, MaxWeekends",
        )
        employee_id = parts[0]
        if employee_id in self.employee_lines:
            first = self.employee_lines[employee_id]
            raise self.fail(number, section, f"employee {employee_id!r} also given on line {first}")
        caps: dict[str, int] = {}
        for item in (part for part in parts[1].split("|") if part.strip()):
            shift, sep, cap = item.partition("=")
            if not sep:
                raise self.fail(number, section, f"max shifts item {item!r} is not ShiftID=count")
            caps[self.known_shift(shift.strip(), number, section)] = self.integer(cap, "max shifts", number, section)
        numbers = [
            self.integer(value, name, number, section) for value, name in zip(parts[2:], _STAFF_FIELDS, strict=True)
        ]
        self.employees.append(Employee(employee_id, caps, *numbers))
        self.employee_lines[employee_id] = number

    def _days_off(self, text: str, number: int, section: str) -> None:
        parts = [part.strip() for part in text.split(",")]
        employee = self.known_employee(parts[0], number, section)
        if employee in self.days_off:
            raise self.fail(number, section, f"days off of {employee!r} given twice")
        self.days_off[employee] = frozenset(self.day(part, number, section) for part in parts[1:] if part)

    def _requests(self, text: str, number: int, section: str, on: bool) -> None:
        employee, day, shift, weight = self.fields(text, 4, number, section, "EmployeeID, Day, ShiftID, Weight")
        self.requests.append(
            ShiftRequest(
                self.known_employee(employee, number, section),
                self.day(day, number, section),
                self.known_shift(shift, number, section),
                self.integer(weight, "weight", number, section),
                on,
            )
        )

    def _shift_on_requests(self, text: str, number: int, section: str) -> None:
        self._requests(text, number, section, on=True)

    def _shift_off_requests(self, text: str, number: int, section: str) -> None:
        self._requests(text, number, section, on=False)

    def _cover(self, text: str, number: int, section: str) -> None:
        day, shift, requirement, under, over = self.fields(
            text, 5, number, section, "Day, ShiftID, Requirement, Weight for under, Weight for over"
        )
        self.cover.append(
            Cover(
                self.day(day, number, section),
                self.known_shift(shift, number, section),
                self.integer(requirement, "requirement", number, section),
                self.integer(under, "under weight", number, section),
                self.integer(over, "over weight", number, section),
            )
        )


_STAFF_FIELDS = (
    "max total minutes",
    "min total minutes",
    "max consecutive shifts",
    "min consecutive shifts",
    "min consecutive days off",
    "max weekends",
)


def parse_curtois(text: str, *, name: str = "instance", source: str = "<text>") -> CurtoisInstance:
    """Parse the text of a Curtois & Qu instance file.

    Parameters
    ----------
    text
        The file's content (LF or CRLF line endings).
    name
        The instance name stored on the result.
    source
        How to name the file in error messages.

    Returns
    -------
    CurtoisInstance
        The validated instance.

    Raises
    ------
    FormatError
        If the text is malformed; the message names the line, the section and the reason.
    """
    parser = _Parser(source)
    section: str | None = None
    last_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        last_line = number
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise parser.fail(number, None, f"unknown section {line!r}")
            if line in parser.seen_sections:
                raise parser.fail(number, line, "section given twice")
            parser.seen_sections.add(line)
            section = line
            continue
        if section is None:
            raise parser.fail(number, None, "data before the first SECTION_ line")
        parser.line(section, line, number)
    for required in REQUIRED_SECTIONS:
        if required not in parser.seen_sections:
            raise parser.fail(last_line, None, f"missing {required}")
    if parser.horizon is None:
        raise parser.fail(last_line, "SECTION_HORIZON", "no horizon length given")
    if not parser.shifts:
        raise parser.fail(last_line, "SECTION_SHIFTS", "no shift types given")
    if not parser.employees:
        raise parser.fail(last_line, "SECTION_STAFF", "no employees given")
    try:
        return CurtoisInstance(
            name=name,
            horizon=parser.horizon,
            shift_types=tuple(parser.shifts),
            employees=tuple(parser.employees),
            days_off=parser.days_off,
            requests=tuple(parser.requests),
            cover=tuple(parser.cover),
        )
    except DomainError as error:
        raise FormatError(f"{source}: {error}") from None


def read_curtois(path: str | Path) -> CurtoisInstance:
    """Read a Curtois & Qu instance file.

    Parameters
    ----------
    path
        The instance file, e.g. ``Instance1.txt``.

    Returns
    -------
    CurtoisInstance
        The validated instance, named after the file's stem.

    Raises
    ------
    FormatError
        If the file cannot be read or decoded, or is malformed (line, section and reason are named).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise FormatError(f"{path}: cannot read: {error}") from None
    return parse_curtois(text, name=path.stem, source=path.name)
