"""The Curtois & Qu reader: every shipped file parses; malformed files fail with line, section and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ressursbank.domain.curtois import CurtoisInstance
from ressursbank.exceptions import FormatError
from ressursbank.formats.curtois import parse_curtois, read_curtois

DATA = Path(__file__).parent / "data" / "curtois"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "curtois"
SHARED_FILES = sorted(SHARED.glob("Instance*.txt")) if SHARED.is_dir() else []

GOOD = """SECTION_HORIZON
14

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=14|L=14,5280,960,5,2,2,1

SECTION_DAYS_OFF
A,3

SECTION_SHIFT_ON_REQUESTS
A,1,E,2

SECTION_SHIFT_OFF_REQUESTS
A,2,L,3

SECTION_COVER
0,E,1,100,1
"""


@pytest.mark.parametrize("path", sorted(DATA.glob("Instance*.txt")), ids=lambda p: p.name)
def test_reads_the_copied_instances(path: Path) -> None:
    """Each instance copied into tests/data parses into a validated instance named after the file."""
    instance = read_curtois(path)
    assert isinstance(instance, CurtoisInstance)
    assert instance.name == path.stem
    assert instance.employees and instance.shift_types and instance.cover


@pytest.mark.skipif(not SHARED_FILES, reason="../shared/benchmarks/curtois is not present on this machine")
@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.name)
def test_reads_every_shipped_instance(path: Path) -> None:
    """Every instance file shipped in ../shared/benchmarks/curtois parses, with a 7-day multiple horizon."""
    instance = read_curtois(path)
    assert instance.horizon % 7 == 0
    assert len(instance.days_off) == len(instance.employees)


def test_instance_1_contents() -> None:
    """Instance 1 has 14 days, 8 employees, one 480-minute shift and the limits written in the file."""
    instance = read_curtois(DATA / "Instance1.txt")
    assert instance.size == "14d x 8e x 1s"
    assert instance.shift("D").minutes == 480
    a = instance.employee("A")
    assert (a.cap("D"), a.max_total_minutes, a.min_total_minutes) == (14, 4320, 3360)
    assert (a.max_consecutive_shifts, a.min_consecutive_shifts, a.min_consecutive_days_off, a.max_weekends) == (
        5,
        2,
        2,
        1,
    )
    assert instance.days_off["A"] == frozenset({0})
    assert sum(r.on for r in instance.requests) == 21
    assert instance.weekend_count == 2


def test_crlf_and_lf_read_the_same() -> None:
    """CRLF and LF line endings give the same instance."""
    text = (DATA / "Instance2.txt").read_bytes().decode()
    assert "\r\n" in text
    assert parse_curtois(text) == parse_curtois(text.replace("\r\n", "\n"))


def test_parses_forbidden_successors_and_requests() -> None:
    """Forbidden successors, days off, on/off requests and cover land in the right records."""
    instance = parse_curtois(GOOD)
    assert instance.shift("L").forbidden_next == frozenset({"E"})
    assert instance.days_off == {"A": frozenset({3})}
    on, off = instance.requests
    assert (on.on, on.day, on.shift, on.weight) == (True, 1, "E", 2)
    assert (off.on, off.day, off.shift, off.weight) == (False, 2, "L", 3)
    assert instance.cover[0].under_weight == 100


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("14\n", "fourteen\n", r"line 2, SECTION_HORIZON: horizon 'fourteen' is not a whole number"),
        ("L,480,E", "L,480", r"line 6, SECTION_SHIFTS: expected 3 fields"),
        ("L,480,E", "L,480,X", r"unknown forbidden successor 'X'"),
        ("L,480,E", "L,0,E", r"line 6, SECTION_SHIFTS: shift type L: length 0 must be > 0"),
        ("E=14|L=14", "E=14|N=14", r"line 9, SECTION_STAFF: unknown shift type 'N'"),
        ("E=14|L=14", "E14", r"line 9, SECTION_STAFF: max shifts item 'E14' is not ShiftID=count"),
        ("5280,960", "5280,-1", r"line 9, SECTION_STAFF: min total minutes -1 is negative"),
        ("5280,960", "500,960", r"line 9, SECTION_STAFF: employee A: min total minutes 960 > max 500"),
        ("A,3\n", "B,3\n", r"line 12, SECTION_DAYS_OFF: unknown employee 'B'"),
        ("A,3\n", "A,14\n", r"line 12, SECTION_DAYS_OFF: day 14 outside the horizon 0..13"),
        ("A,1,E,2", "A,1,E", r"line 15, SECTION_SHIFT_ON_REQUESTS: expected 4 fields"),
        ("A,2,L,3", "A,2,L,x", r"line 18, SECTION_SHIFT_OFF_REQUESTS: weight 'x' is not a whole number"),
        ("0,E,1,100,1", "0,Q,1,100,1", r"line 21, SECTION_COVER: unknown shift type 'Q'"),
        ("SECTION_COVER", "SECTION_COVERS", r"line 20: unknown section 'SECTION_COVERS'"),
        ("SECTION_HORIZON\n", "", r"line 1: data before the first SECTION_ line"),
    ],
)
def test_malformed_files_name_line_section_and_reason(old: str, new: str, expected: str) -> None:
    """A malformed file raises FormatError naming the line, the section and the reason."""
    assert old in GOOD
    with pytest.raises(FormatError, match=expected):
        parse_curtois(GOOD.replace(old, new, 1))


def test_missing_staff_section_is_named() -> None:
    """A file without SECTION_STAFF is rejected with the missing section named."""
    text = GOOD.split("SECTION_STAFF")[0]
    with pytest.raises(FormatError, match="missing SECTION_STAFF"):
        parse_curtois(text)


def test_duplicate_employee_names_first_line() -> None:
    """An employee given twice is rejected, naming the line of the first definition."""
    text = GOOD.replace("A,E=14|L=14,5280,960,5,2,2,1", "A,E=14|L=14,5280,960,5,2,2,1\nA,E=1,10,0,5,2,2,1")
    with pytest.raises(FormatError, match=r"line 10, SECTION_STAFF: employee 'A' also given on line 9"):
        parse_curtois(text)


def test_unreadable_file_is_a_format_error(tmp_path: Path) -> None:
    """A missing file raises FormatError, not an OSError."""
    with pytest.raises(FormatError, match="cannot read"):
        read_curtois(tmp_path / "nope.txt")
