"""Read Timefold employee-scheduling data sets (``timefold-employee-scheduling-v1`` JSON) and roster CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from ressursbank.domain.timefold import Employee, Shift, TimefoldDataset
from ressursbank.exceptions import DomainError, FormatError

FORMAT = "timefold-employee-scheduling-v1"


def _field(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: expected an object")
    if key not in obj:
        raise FormatError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FormatError(f"{where}.{key}: expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    return value


def _date(text: Any, where: str) -> dt.date:
    if not isinstance(text, str):
        raise FormatError(f"{where}: expected an ISO date string, got {type(text).__name__}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FormatError(f"{where}: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def _datetime(text: Any, where: str) -> dt.datetime:
    if not isinstance(text, str):
        raise FormatError(f"{where}: expected an ISO date-time string, got {type(text).__name__}")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FormatError(f"{where}: {text!r} is not an ISO date-time (YYYY-MM-DDTHH:MM:SS)") from None
    if value.tzinfo is not None:
        raise FormatError(f"{where}: {text!r} has a time zone; times must be naive local times")
    return value


def _dates(obj: Any, key: str, where: str) -> frozenset[dt.date]:
    values = _field(obj, key, list, where)
    return frozenset(_date(v, f"{where}.{key}[{i}]") for i, v in enumerate(values))


def parse_timefold(data: Any, source: str = "<data>") -> TimefoldDataset:
    """Build a data set from decoded JSON.

    Parameters
    ----------
    data
        The decoded JSON document.
    source
        A name for messages (usually the file name).

    Returns
    -------
    TimefoldDataset
        The validated data set.

    Raises
    ------
    FormatError
        When a field is missing, has the wrong type or breaks a domain rule; the message names the place.
    """
    fmt = _field(data, "format", str, source)
    if fmt != FORMAT:
        raise FormatError(f"{source}.format: expected {FORMAT!r}, got {fmt!r}")
    name = _field(data, "name", str, source)
    horizon_start = _date(_field(data, "horizon_start", str, source), f"{source}.horizon_start")
    horizon_days = _field(data, "horizon_days", int, source)
    employees: list[Employee] = []
    for i, raw in enumerate(_field(data, "employees", list, source)):
        where = f"{source}.employees[{i}]"
        skills = _field(raw, "skills", list, where)
        for j, skill in enumerate(skills):
            if not isinstance(skill, str):
                raise FormatError(f"{where}.skills[{j}]: expected a string")
        try:
            employees.append(
                Employee(
                    name=_field(raw, "name", str, where),
                    skills=frozenset(skills),
                    unavailable_dates=_dates(raw, "unavailable_dates", where),
                    undesired_dates=_dates(raw, "undesired_dates", where),
                    desired_dates=_dates(raw, "desired_dates", where),
                )
            )
        except DomainError as error:
            raise FormatError(f"{where}: {error}") from None
    shifts: list[Shift] = []
    for i, raw in enumerate(_field(data, "shifts", list, source)):
        where = f"{source}.shifts[{i}]"
        try:
            shifts.append(
                Shift(
                    id=_field(raw, "id", str, where),
                    start=_datetime(_field(raw, "start", str, where), f"{where}.start"),
                    end=_datetime(_field(raw, "end", str, where), f"{where}.end"),
                    location=_field(raw, "location", str, where),
                    required_skill=_field(raw, "required_skill", str, where),
                )
            )
        except DomainError as error:
            raise FormatError(f"{where}: {error}") from None
    try:
        return TimefoldDataset(
            name=name,
            horizon_start=horizon_start,
            horizon_days=horizon_days,
            employees=tuple(employees),
            shifts=tuple(shifts),
        )
    except DomainError as error:
        raise FormatError(f"{source}: {error}") from None


def read_timefold(path: str | Path) -> TimefoldDataset:
    """Read a ``timefold-employee-scheduling-v1`` JSON file.

    Parameters
    ----------
    path
        The file to read.

    Returns
    -------
    TimefoldDataset
        The validated data set.

    Raises
    ------
    FormatError
        When the file cannot be read, is not JSON or does not describe a valid data set.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FormatError(f"{path.name}: cannot read file: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"{path.name}: line {error.lineno}: not valid JSON: {error.msg}") from None
    return parse_timefold(data, path.name)


def read_roster_csv(path: str | Path) -> dict[str, str]:
    """Read a roster CSV ``shift_id,employee`` (header required) into shift id -> employee name.

    Raises
    ------
    FormatError
        On a missing header, a short line or a shift listed twice.
    """
    path = Path(path)
    roster: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header != ["shift_id", "employee"]:
            raise FormatError(f"{path.name}: line 1: expected header 'shift_id,employee', got {header!r}")
        for number, row in enumerate(rows, start=2):
            if len(row) != 2:
                raise FormatError(f"{path.name}: line {number}: expected 2 fields, got {len(row)}")
            shift_id, employee = row
            if shift_id in roster:
                raise FormatError(f"{path.name}: line {number}: shift {shift_id!r} is listed twice")
            roster[shift_id] = employee
    return roster
