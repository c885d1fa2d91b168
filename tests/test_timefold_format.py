"""The Timefold JSON reader and the domain records' validation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ressursbank.domain.timefold import Employee, Shift, TimefoldDataset, day_minutes
from ressursbank.exceptions import DomainError, FormatError
from ressursbank.formats.timefold import parse_timefold, read_roster_csv, read_timefold

SMALL = Path(__file__).parent / "data" / "timefold" / "small.json"


def small_json() -> dict[str, Any]:
    """Return the decoded SMALL file (a fresh copy to mutate)."""
    data: dict[str, Any] = json.loads(SMALL.read_text(encoding="utf-8"))
    return data


def test_reads_small() -> None:
    """SMALL has 15 employees and 139 shifts over 14 days from Monday 2027-01-04, in file order."""
    data = read_timefold(SMALL)
    assert (data.name, data.horizon_start, data.horizon_days) == ("small", dt.date(2027, 1, 4), 14)
    assert len(data.employees) == 15 and len(data.shifts) == 139
    beth = data.employees[0]
    assert beth.name == "Beth Li" and beth.skills == {"Cardiology", "Doctor"}
    assert beth.undesired_dates == {dt.date(2027, 1, 12), dt.date(2027, 1, 16)} and not beth.desired_dates
    first = data.shifts[0]
    assert (first.id, first.start, first.end) == ("0", dt.datetime(2027, 1, 4, 6), dt.datetime(2027, 1, 4, 14))
    assert (first.location, first.required_skill) == ("Ambulatory care", "Nurse")
    assert data.shift_index["138"] == 138 and data.employee_index["Beth Li"] == 0


def test_small_counts_match_readme() -> None:
    """SMALL carries 7 unavailable, 11 undesired and 6 desired date entries (benchmark README table)."""
    data = read_timefold(SMALL)
    assert sum(len(e.unavailable_dates) for e in data.employees) == 7
    assert sum(len(e.undesired_dates) for e in data.employees) == 11
    assert sum(len(e.desired_dates) for e in data.employees) == 6


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.update(format="other"), "small.json.format"),
        (lambda d: d.pop("shifts"), "missing field 'shifts'"),
        (lambda d: d["employees"][2].update(skills="Nurse"), "employees[2].skills"),
        (lambda d: d["employees"][1]["desired_dates"].append("2027-13-01"), "employees[1].desired_dates[0]"),
        (lambda d: d["shifts"][5].update(start="yesterday"), "shifts[5].start"),
        (lambda d: d["shifts"][5].update(end=d["shifts"][5]["start"]), "shifts[5]: shift '5': end"),
        (lambda d: d["shifts"][7].update(id="0"), "duplicate shift id '0'"),
        (lambda d: d["shifts"][7].update(start="2027-01-04T06:00:00+01:00"), "shifts[7].start"),
        (lambda d: d.update(horizon_days=0), "horizon_days 0"),
    ],
)
def test_malformed_input_names_place(mutate: Any, where: str) -> None:
    """Malformed input raises FormatError naming where and why."""
    data = small_json()
    mutate(data)
    with pytest.raises(FormatError, match=None) as error:
        parse_timefold(data, "small.json")
    assert where in str(error.value)


def test_not_json(tmp_path: Path) -> None:
    """A file that is not JSON is a FormatError with its line."""
    bad = tmp_path / "bad.json"
    bad.write_text("{\n oops", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.json: line 2"):
        read_timefold(bad)


def test_domain_rejects_overlapping_date_lists() -> None:
    """An employee cannot list one date both as desired and undesired."""
    day = dt.date(2027, 1, 4)
    with pytest.raises(DomainError, match="listed twice"):
        Employee("A", frozenset({"Nurse"}), undesired_dates=frozenset({day}), desired_dates=frozenset({day}))


def test_domain_rejects_duplicate_employee() -> None:
    """Employee names are identities and must be unique."""
    a = Employee("A", frozenset({"Nurse"}))
    with pytest.raises(DomainError, match="duplicate employee 'A'"):
        TimefoldDataset("t", dt.date(2027, 1, 4), 1, (a, a), ())


def test_domain_rejects_empty_shift() -> None:
    """A shift must end after it starts."""
    t = dt.datetime(2027, 1, 4, 6)
    with pytest.raises(DomainError, match="not after start"):
        Shift("0", t, t, "L", "Nurse")


@pytest.mark.parametrize(
    ("start", "end", "date", "minutes"),
    [
        ("2027-01-04T06:00", "2027-01-04T14:00", "2027-01-04", 480),
        ("2027-01-04T22:00", "2027-01-05T06:00", "2027-01-04", 119),
        ("2027-01-04T22:00", "2027-01-05T06:00", "2027-01-05", 360),
        ("2027-01-04T14:00", "2027-01-05T00:00", "2027-01-05", 0),
        ("2027-01-04T06:00", "2027-01-04T14:00", "2027-01-05", 0),
        ("2027-01-04T06:00", "2027-01-06T06:00", "2027-01-05", 1439),
    ],
)
def test_day_minutes(start: str, end: str, date: str, minutes: int) -> None:
    """Day minutes: the day ends just before midnight, so a night shift loses one minute on its start date."""
    got = day_minutes(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end), dt.date.fromisoformat(date))
    assert got == minutes


def test_roster_csv(tmp_path: Path) -> None:
    """A roster CSV needs the header and lists a shift once."""
    good = tmp_path / "r.csv"
    good.write_text("shift_id,employee\n0,Beth Li\n1,Carl King\n", encoding="utf-8")
    assert read_roster_csv(good) == {"0": "Beth Li", "1": "Carl King"}
    bad = tmp_path / "bad.csv"
    bad.write_text("shift_id,employee\n0,A\n0,B\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 3: shift '0' is listed twice"):
        read_roster_csv(bad)
