"""The independent Timefold checker: every rule's matches and weights, the balance term and the score, by hand."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest

from ressursbank.checker.timefold import check_timefold, unfairness
from ressursbank.domain.timefold import Employee, Shift, TimefoldDataset
from ressursbank.exceptions import DomainError
from ressursbank.formats.timefold import read_roster_csv, read_timefold

DATA = Path(__file__).parent / "data" / "timefold"
MONDAY = dt.date(2027, 1, 4)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Return the date-time ``day`` days after Monday 2027-01-04 at ``hour:minute``."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(hour, minute))


def employee(name: str, skills: str = "Nurse", **dates: tuple[int, ...]) -> Employee:
    """Build an employee; ``unavailable=(1,)`` etc. give day offsets from the Monday."""
    lists = {key: frozenset(MONDAY + dt.timedelta(days=d) for d in value) for key, value in dates.items()}
    return Employee(
        name,
        frozenset(skills.split(",")),
        unavailable_dates=lists.get("unavailable", frozenset()),
        undesired_dates=lists.get("undesired", frozenset()),
        desired_dates=lists.get("desired", frozenset()),
    )


def make(
    employees: list[Employee], shifts: list[tuple[dt.datetime, dt.datetime]], skill: str = "Nurse"
) -> TimefoldDataset:
    """Build a data set whose shifts ``"0"``, ``"1"``, ... all need ``skill``."""
    return TimefoldDataset(
        "hand",
        MONDAY,
        7,
        tuple(employees),
        tuple(Shift(str(i), a, b, "L", skill) for i, (a, b) in enumerate(shifts)),
    )


def test_missing_skill() -> None:
    """H1: a shift given to an employee without its skill weighs 1."""
    data = make([employee("A", "Doctor")], [(at(0, 6), at(0, 14))])
    report = check_timefold(data, {"0": "A"})
    assert report.totals["H1"] == 1 and report.hard == -1 and not report.feasible


def test_overlap_rest_and_one_per_day_by_hand() -> None:
    """H2 120 (06-14 and 12-20), H3 240 (20:00 then 02:00) + 600 (back to back), H4 two same-date pairs."""
    data = make(
        [employee("A")],
        [(at(0, 6), at(0, 14)), (at(0, 12), at(0, 20)), (at(1, 2), at(1, 10)), (at(1, 10), at(1, 18))],
    )
    report = check_timefold(data, dict.fromkeys("0123", "A"))
    assert (report.totals["H2"], report.totals["H3"], report.totals["H4"]) == (120, 840, 2)
    assert (report.count("H2"), report.count("H3"), report.count("H4")) == (1, 2, 2)
    assert report.hard == -962


def test_night_then_afternoon_rest() -> None:
    """H3: a 22:00-06:00 night, then 14:00 the same day leaves 8 hours: weight 120."""
    data = make([employee("A")], [(at(0, 22), at(1, 6)), (at(1, 14), at(1, 22))])
    assert check_timefold(data, {"0": "A", "1": "A"}).totals["H3"] == 120


def test_exactly_ten_hours_rest_is_allowed() -> None:
    """H3 does not see a gap of exactly 10 hours."""
    data = make([employee("A")], [(at(0, 14), at(0, 22)), (at(1, 8), at(1, 16))])
    assert check_timefold(data, {"0": "A", "1": "A"}).hard == 0


def test_date_rules_use_day_minutes() -> None:
    """H5 360 on a night's end date, S2 119 on its start date, S1 480 for a day shift on an undesired date."""
    data = make(
        [employee("A", unavailable=(1,), desired=(0,)), employee("B", undesired=(2,))],
        [(at(0, 22), at(1, 6)), (at(2, 6), at(2, 14))],
    )
    report = check_timefold(data, {"0": "A", "1": "B"})
    assert (report.totals["H5"], report.totals["S2"], report.totals["S1"]) == (360, 119, 480)
    assert report.unfairness == decimal.Decimal(0)
    assert report.hard == -360 and report.soft == decimal.Decimal(119 - 480)


def test_balance_counts_employees_without_shifts() -> None:
    """S3: counts (2, 1, 0) give sqrt(5 - 9/3) = 1.41421, the idle employee included."""
    data = make(
        [employee("A"), employee("B"), employee("C")],
        [(at(0, 6), at(0, 14)), (at(1, 6), at(1, 14)), (at(2, 6), at(2, 14))],
    )
    report = check_timefold(data, {"0": "A", "1": "A", "2": "B"})
    assert report.unfairness == decimal.Decimal("1.41421")
    assert report.score == "0hard/-1.41421soft"


@pytest.mark.parametrize(
    ("shifts", "employees", "expected"),
    [(139, 15, "1.71270"), (935, 50, "3.24037"), (4939, 250, "6.79088"), (19983, 1000, "4.08791")],
)
def test_minimal_unfairness_matches_readme(shifts: int, employees: int, expected: str) -> None:
    """The smallest U for S shifts on n employees, rounded to 6 significant digits, as the README lists it."""
    r = shifts % employees
    counts = [shifts // employees + 1] * r + [shifts // employees] * (employees - r)
    assert unfairness(counts) == decimal.Decimal(expected)


def test_unassigned_shifts_are_ignored_but_counted() -> None:
    """An unassigned shift adds nothing to any rule; the roster is infeasible and the score has an init part."""
    data = make([employee("A")], [(at(0, 6), at(0, 14)), (at(0, 8), at(0, 16))])
    report = check_timefold(data, {"0": "A"})
    assert report.hard == 0 and report.unassigned == 1 and not report.feasible
    assert report.score == "-1init/0hard/0soft"


def test_unknown_names_are_rejected() -> None:
    """A roster naming an unknown shift or employee is an error, not a score."""
    data = make([employee("A")], [(at(0, 6), at(0, 14))])
    with pytest.raises(DomainError, match="unknown shift"):
        check_timefold(data, {"9": "A"})
    with pytest.raises(DomainError, match="unknown employee"):
        check_timefold(data, {"0": "Z"})


def test_small_optimal_roster_scores_like_timefold() -> None:
    """An optimal SMALL roster scores 0hard/2878.28730soft: six desired days of 480 minus U = 1.71270 (README)."""
    data = read_timefold(DATA / "small.json")
    report = check_timefold(data, read_roster_csv(DATA / "small-optimal.csv"))
    assert report.feasible
    assert report.count("S2") == 6 and report.totals["S2"] == 2880 and report.totals["S1"] == 0
    assert report.unfairness == decimal.Decimal("1.71270")
    assert report.soft == decimal.Decimal("2878.2873")


def test_date_strictly_inside_a_long_shift_is_not_seen() -> None:
    """H5 looks only at a shift's start and end dates: a 48-hour shift does not see the unavailable date between."""
    data = make([employee("A", unavailable=(1,))], [(at(0, 6), at(2, 6))])
    report = check_timefold(data, {"0": "A"})
    assert report.totals["H5"] == 0 and report.hard == 0
