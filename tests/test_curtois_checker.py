"""The independent Curtois checker: hard violations with amounts and the published objective, by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from ressursbank.checker.curtois import Violation, check_curtois
from ressursbank.domain.curtois import Cover, CurtoisInstance, Employee, ShiftRequest, ShiftType
from ressursbank.exceptions import DomainError
from ressursbank.formats.curtois import parse_curtois, read_curtois

DATA = Path(__file__).parent / "data" / "curtois"


def make(
    *,
    horizon: int = 14,
    shifts: str = "D,480,",
    staff: str = "A,D=14,6720,0,5,1,1,2",
    days_off: str = "A",
    on: str = "",
    off: str = "",
    cover: str = "",
) -> CurtoisInstance:
    """Build a small instance from the text of its sections."""
    return parse_curtois(
        f"SECTION_HORIZON\n{horizon}\nSECTION_SHIFTS\n{shifts}\nSECTION_STAFF\n{staff}\n"
        f"SECTION_DAYS_OFF\n{days_off}\nSECTION_SHIFT_ON_REQUESTS\n{on}\n"
        f"SECTION_SHIFT_OFF_REQUESTS\n{off}\nSECTION_COVER\n{cover}\n"
    )


def work(days: range | list[int], shift: str = "D") -> dict[int, str]:
    """Return one employee's roster working ``shift`` on ``days``."""
    return dict.fromkeys(days, shift)


def rules(instance: CurtoisInstance, roster: dict[str, dict[int, str]]) -> list[tuple[str, int | None, int]]:
    """Return (rule, day, amount) of every violation."""
    return [(v.rule, v.day, v.amount) for v in check_curtois(instance, roster).violations]


def test_all_off_roster_of_instance_1_scores_7137() -> None:
    """The empty roster of instance 1 costs 7137: 71 uncovered shifts x 100 plus 37 of on requests."""
    instance = read_curtois(DATA / "Instance1.txt")
    report = check_curtois(instance, {})
    assert report.objective == 7137
    assert (report.cover_under, report.shift_on_requests, report.shift_off_requests, report.cover_over) == (
        7100,
        37,
        0,
        0,
    )
    assert {v.rule for v in report.violations} == {"min_total_minutes"}


def test_everyone_works_every_day_of_instance_1() -> None:
    """Everyone working every day of instance 1 costs 41 over-cover plus 11 of off requests, and is unlawful."""
    instance = read_curtois(DATA / "Instance1.txt")
    roster = {e.id: work(range(14)) for e in instance.employees}
    report = check_curtois(instance, roster)
    assert (report.cover_over, report.shift_off_requests, report.shift_on_requests, report.cover_under) == (
        41,
        11,
        0,
        0,
    )
    assert report.objective == 52
    counts = {rule: sum(v.rule == rule for v in report.violations) for rule in {v.rule for v in report.violations}}
    assert counts == {"day_off": 8, "max_consecutive_shifts": 8, "max_total_minutes": 8, "max_working_weekends": 8}
    assert Violation("max_total_minutes", "A", None, 14 * 480 - 4320) in report.violations


def test_lawful_roster_is_feasible() -> None:
    """A roster that keeps every rule has no violations and verdict 'feasible'."""
    instance = make(staff="A,D=14,6720,960,5,2,2,2")
    report = check_curtois(instance, {"A": work([1, 2, 3, 6, 7, 8])})
    assert report.feasible and report.verdict == "feasible"


def test_day_off_worked() -> None:
    """Working a fixed day off is a 'day_off' violation on that day."""
    assert rules(make(days_off="A,4"), {"A": work([4])}) == [("day_off", 4, 1)]


def test_shift_type_cap() -> None:
    """Working a shift type more often than its cap breaks 'shift_type_cap' by the excess."""
    assert rules(make(staff="A,D=2,6720,0,5,1,1,2"), {"A": work([1, 2, 3])}) == [("shift_type_cap", None, 1)]


def test_forbidden_succession() -> None:
    """A forbidden successor on the next day breaks 'forbidden_succession' on the first day."""
    instance = make(shifts="E,480,\nL,480,E", staff="A,E=14|L=14,6720,0,5,1,1,2")
    assert rules(instance, {"A": {3: "L", 4: "E"}}) == [("forbidden_succession", 3, 1)]
    assert rules(instance, {"A": {3: "E", 4: "L"}}) == []


def test_total_minutes_bounds() -> None:
    """Too many or too few minutes break 'max_total_minutes' / 'min_total_minutes' by the difference."""
    instance = make(staff="A,D=14,960,960,5,1,1,2")
    assert rules(instance, {"A": work([1, 2, 3])}) == [("max_total_minutes", None, 480)]
    assert rules(instance, {"A": work([1])}) == [("min_total_minutes", None, 480)]


def test_max_consecutive_shifts() -> None:
    """A working block longer than the maximum breaks 'max_consecutive_shifts' by the excess, from its start."""
    instance = make(staff="A,D=14,6720,0,3,1,1,2")
    assert rules(instance, {"A": work(range(2, 7))}) == [("max_consecutive_shifts", 2, 2)]


def test_min_consecutive_shifts_exempts_edges() -> None:
    """A too-short working block breaks the minimum inside the horizon, but not on the first or last day."""
    instance = make(staff="A,D=14,6720,0,5,3,1,2")
    assert rules(instance, {"A": work([5, 6])}) == [("min_consecutive_shifts", 5, 1)]
    assert rules(instance, {"A": work([0, 13])}) == []


def test_min_consecutive_days_off_exempts_edges() -> None:
    """A too-short block of days off breaks the minimum inside the horizon, but not at either edge."""
    instance = make(staff="A,D=14,6720,0,14,1,2,2")
    assert rules(instance, {"A": work([*range(0, 5), *range(6, 13)])}) == [("min_consecutive_days_off", 5, 1)]
    assert rules(instance, {"A": work(range(1, 13))}) == []


def test_max_working_weekends() -> None:
    """Working on more weekends than allowed breaks 'max_working_weekends'; Saturday or Sunday counts."""
    instance = make(staff="A,D=14,6720,0,5,1,1,1")
    assert rules(instance, {"A": work([6, 12])}) == [("max_working_weekends", None, 1)]
    assert rules(instance, {"A": work([5, 6])}) == []


def test_unknown_ids_and_days_are_violations() -> None:
    """Unknown employees, unknown shifts and days outside the horizon are reported, not crashed on."""
    found = rules(make(), {"Z": work([1]), "A": {1: "Q", 20: "D"}})
    assert found == [("unknown_employee", None, 1), ("unknown_shift", 1, 1), ("day_outside_horizon", 20, 1)]


def test_request_and_cover_terms() -> None:
    """On requests cost their weight when not granted, off requests when worked, cover per person under/over."""
    instance = make(
        shifts="E,480,\nL,480,",
        staff="A,E=14|L=14,6720,0,5,1,1,2\nB,E=14|L=14,6720,0,5,1,1,2",
        days_off="A\nB",
        on="A,1,E,2\nB,1,E,5",
        off="A,2,L,3",
        cover="1,E,3,100,1\n2,L,0,100,7",
    )
    report = check_curtois(instance, {"A": {1: "E", 2: "L"}, "B": {1: "L", 2: "L"}})
    assert (report.shift_on_requests, report.shift_off_requests) == (5, 3)
    assert (report.cover_under, report.cover_over) == (200, 14)
    assert report.objective == 222


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ShiftType("D", 0), "length 0 must be > 0"),
        (lambda: ShiftType("", 480), "must be a non-empty string"),
        (lambda: Employee("A", {"D": -1}, 10, 0, 5, 1, 1, 1), "max shifts of D: -1 is not >= 0"),
        (lambda: Employee("A", {}, 10, 20, 5, 1, 1, 1), "min total minutes 20 > max 10"),
        (lambda: Employee("A", {}, 10, 0, 0, 1, 1, 1), "max consecutive shifts must be >= 1"),
        (lambda: ShiftRequest("A", -1, "D", 1, True), "day: -1 is not >= 0"),
        (lambda: Cover(0, "D", 1, -5, 1), "under_weight: -5 is not >= 0"),
    ],
)
def test_records_validate_on_construction(build: object, message: str) -> None:
    """Invalid records raise DomainError with a short, precise message."""
    with pytest.raises(DomainError, match=message):
        build()  # type: ignore[operator]


def test_instance_rejects_dangling_references() -> None:
    """An instance whose cover names an unknown shift type is rejected."""
    employee = Employee("A", {"D": 1}, 480, 0, 5, 1, 1, 1)
    with pytest.raises(DomainError, match="cover of X on day 0: unknown shift"):
        CurtoisInstance("x", 7, (ShiftType("D", 480),), (employee,), {}, (), (Cover(0, "X", 1, 1, 1),))
