"""The independent checker for Timefold's employee-scheduling rules: every match, the score, unassigned shifts.

It follows the benchmark README (section 4) literally and knows nothing about any optimizer:

- hard = -(H1 + H2 + H3 + H4 + H5), soft = -S1 + S2 - S3;
- H1 missing required skill (1 per shift), H2 overlapping shifts (minutes of overlap per unordered pair),
  H3 less than 10 hours between two shifts (600 - gap per ordered pair ``a.end <= b.start``), H4 two shifts
  starting on one date (1 per unordered pair), H5 unavailable date (day minutes on the start and end date);
- S1 undesired and S2 desired dates (day minutes, like H5), S3 the unfairness U of the shift counts over all
  employees, ``sqrt(sum x^2 - (sum x)^2 / n)`` rounded to 6 significant digits, half to even.

Unassigned shifts are ignored by every rule and counted separately; feasible means hard 0 and all assigned.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ressursbank.domain.timefold import (
    MIN_REST_MINUTES,
    Roster,
    Shift,
    TimefoldDataset,
    day_minutes,
    minutes_between,
)
from ressursbank.exceptions import DomainError

#: The rules in score order: (code, Timefold's constraint name, level).
RULES: tuple[tuple[str, str, str], ...] = (
    ("H1", "Missing required skill", "hard"),
    ("H2", "Overlapping shift", "hard"),
    ("H3", "At least 10 hours between 2 shifts", "hard"),
    ("H4", "Max one shift per day", "hard"),
    ("H5", "Unavailable employee", "hard"),
    ("S1", "Undesired day for employee", "soft"),
    ("S2", "Desired day for employee", "soft"),
    ("S3", "Balance employee shift assignments", "soft"),
)

_CONTEXT = decimal.Context(prec=6, rounding=decimal.ROUND_HALF_EVEN)
_REST = dt.timedelta(minutes=MIN_REST_MINUTES)


def unfairness(counts: Iterable[int]) -> decimal.Decimal:
    """Return Timefold's load-balance unfairness of shift counts, rounded to 6 significant digits.

    Parameters
    ----------
    counts
        The number of assigned shifts of every employee (zeros included).

    Returns
    -------
    decimal.Decimal
        ``sqrt(sum x^2 - (sum x)^2 / n)``: the radicand in double precision as Timefold evaluates it, the square
        root of its shortest decimal form rounded half to even to 6 significant digits.
    """
    values = list(counts)
    n = len(values)
    if n == 0:
        return decimal.Decimal(0)
    total = sum(values)
    squares = sum(v * v for v in values)
    if n == 1:
        radicand = decimal.Decimal(squares - total * total)
    else:
        radicand = decimal.Decimal(repr(float(-total * total) / float(n) + float(squares)))
    if radicand <= 0:
        return decimal.Decimal(0)
    return radicand.sqrt(_CONTEXT)


@dataclass(frozen=True, slots=True)
class Match:
    """One match of one rule: the rule code, the employee, the shift ids involved and its weight."""

    rule: str
    employee: str
    shifts: tuple[str, ...]
    weight: int


@dataclass(frozen=True, slots=True)
class TimefoldReport:
    """The checker's verdict on one roster."""

    matches: tuple[Match, ...]
    totals: dict[str, int]  # weight per rule code H1..H5, S1, S2 (S3 is ``unfairness``)
    unfairness: decimal.Decimal
    unassigned: int

    @property
    def hard(self) -> int:
        """The hard score (0 or negative)."""
        return -sum(self.totals[code] for code in ("H1", "H2", "H3", "H4", "H5"))

    @property
    def soft(self) -> decimal.Decimal:
        """The soft score: -S1 + S2 - S3 (higher is better)."""
        return decimal.Decimal(self.totals["S2"] - self.totals["S1"]) - self.unfairness

    @property
    def feasible(self) -> bool:
        """Hard score 0 and every shift assigned."""
        return self.hard == 0 and self.unassigned == 0

    @property
    def score(self) -> str:
        """The score as Timefold prints it: ``[-Ninit/]<hard>hard/<soft>soft``."""
        init = f"-{self.unassigned}init/" if self.unassigned else ""
        return f"{init}{self.hard}hard/{self.soft}soft"

    def count(self, rule: str) -> int:
        """Return the number of matches of ``rule`` (a code such as ``"H3"``)."""
        return sum(1 for m in self.matches if m.rule == rule)


def _date_matches(rule: str, dates: frozenset[dt.date], employee: str, shift: Shift) -> list[Match]:
    out: list[Match] = []
    for date in sorted({shift.start_date, shift.end_date}):
        if date in dates:
            out.append(Match(rule, employee, (shift.id,), day_minutes(shift.start, shift.end, date)))
    return out


def _pair_matches(employee: str, shifts: Sequence[Shift]) -> list[Match]:
    """H2, H3 and H4 among the shifts of one employee (sorted by start)."""
    out: list[Match] = []
    for i, a in enumerate(shifts):
        a_next_midnight = dt.datetime.combine(a.start_date + dt.timedelta(days=1), dt.time())
        for b in shifts[i + 1 :]:
            if b.start >= a.end + _REST and b.start >= a_next_midnight and b.start >= a.end:
                # Later shifts start even later: no rule can see (a, later) any more, except when a later one
                # ends before a starts, which needs b.start < a.start (impossible in start order).
                break
            ids = (a.id, b.id)
            if a.start < b.end and b.start < a.end:
                overlap = minutes_between(max(a.start, b.start), min(a.end, b.end))
                out.append(Match("H2", employee, ids, overlap))
            else:
                first, second = (a, b) if a.end <= b.start else (b, a)
                gap = minutes_between(first.end, second.start)
                if gap < MIN_REST_MINUTES:
                    out.append(Match("H3", employee, (first.id, second.id), MIN_REST_MINUTES - gap))
            if a.start_date == b.start_date:
                out.append(Match("H4", employee, ids, 1))
    return out


def check_timefold(dataset: TimefoldDataset, roster: Roster) -> TimefoldReport:
    """Score ``roster`` on ``dataset`` exactly as the benchmark README defines it.

    Parameters
    ----------
    dataset
        The data set.
    roster
        Shift id -> employee name; shifts that are absent are unassigned.

    Returns
    -------
    TimefoldReport
        Every match with its weight, the totals per rule, the unfairness and the number of unassigned shifts.

    Raises
    ------
    DomainError
        When the roster names a shift or an employee that the data set does not have.
    """
    by_employee: dict[str, list[Shift]] = {e.name: [] for e in dataset.employees}
    for shift_id, name in roster.items():
        if shift_id not in dataset.shift_index:
            raise DomainError(f"roster: unknown shift id {shift_id!r}")
        if name not in by_employee:
            raise DomainError(f"roster: shift {shift_id!r} has unknown employee {name!r}")
        by_employee[name].append(dataset.shifts[dataset.shift_index[shift_id]])
    matches: list[Match] = []
    for employee in dataset.employees:
        shifts = sorted(by_employee[employee.name], key=lambda s: (s.start, s.end, s.id))
        for shift in shifts:
            if shift.required_skill not in employee.skills:
                matches.append(Match("H1", employee.name, (shift.id,), 1))
            matches += _date_matches("H5", employee.unavailable_dates, employee.name, shift)
            matches += _date_matches("S1", employee.undesired_dates, employee.name, shift)
            matches += _date_matches("S2", employee.desired_dates, employee.name, shift)
        matches += _pair_matches(employee.name, shifts)
    totals = {code: 0 for code, _, _ in RULES if code != "S3"}
    for match in matches:
        totals[match.rule] += match.weight
    u = unfairness(len(by_employee[e.name]) for e in dataset.employees)
    return TimefoldReport(
        matches=tuple(matches),
        totals=totals,
        unfairness=u,
        unassigned=len(dataset.shifts) - len(roster),
    )
