"""A plan: who works which shift where (assignments), who is lent to which unit (loans), who is trained when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ressursbank.domain._validate import require, require_id


@dataclass(frozen=True, slots=True)
class Assignment:
    """``employee_id`` works need ``need_id`` (its unit and times), using ``qualification_used``."""

    employee_id: str
    need_id: str
    unit_id: str
    start: dt.datetime
    end: dt.datetime
    qualification_used: str = ""

    def __post_init__(self) -> None:
        require_id(self.employee_id, "assignment: employee")
        require_id(self.need_id, "assignment: need")
        require(self.end > self.start, f"assignment {self.employee_id}/{self.need_id}: end must be after start")

    @property
    def key(self) -> tuple[str, str]:
        return (self.employee_id, self.need_id)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class Pin:
    """A confirmed assignment that re-planning must keep (published window)."""

    employee_id: str
    need_id: str


@dataclass(frozen=True, slots=True)
class Training:
    """``employee_id`` attends the course for ``skill_code`` on ``day`` and holds it from the next day."""

    employee_id: str
    skill_code: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class Loan:
    """``employee_id`` is lent from the home unit to ``host_unit_id`` for ``start``..``end`` (inclusive dates)."""

    employee_id: str
    home_unit_id: str
    host_unit_id: str
    start: dt.date
    end: dt.date

    @property
    def planned_return(self) -> dt.date:
        return self.end + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """Assignments and trainings; loans are derived (a person working away from the home unit is on loan)."""

    assignments: tuple[Assignment, ...] = ()
    trainings: tuple[Training, ...] = ()

    def __post_init__(self) -> None:
        keys = [a.key for a in self.assignments]
        require(len(keys) == len(set(keys)), "plan: the same person is assigned to the same need twice")

    @classmethod
    def of(cls, assignments: Iterable[Assignment], trainings: Iterable[Training] = ()) -> Plan:
        return cls(
            tuple(sorted(assignments, key=lambda a: (a.start, a.unit_id, a.need_id, a.employee_id))),
            tuple(sorted(trainings, key=lambda t: (t.day, t.employee_id, t.skill_code))),
        )

    def by_employee(self) -> dict[str, list[Assignment]]:
        out: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            out.setdefault(a.employee_id, []).append(a)
        for shifts in out.values():
            shifts.sort(key=lambda a: a.start)
        return out

    def by_need(self) -> dict[str, list[Assignment]]:
        out: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            out.setdefault(a.need_id, []).append(a)
        return out

    def loans(self, home_unit_of: dict[str, str]) -> tuple[Loan, ...]:
        """Consecutive days an employee works at a unit other than their home unit, merged into loans."""
        spans: dict[tuple[str, str], list[dt.date]] = {}
        for a in self.assignments:
            home = home_unit_of.get(a.employee_id)
            if home is not None and a.unit_id != home:
                spans.setdefault((a.employee_id, a.unit_id), []).append(a.start.date())
        loans: list[Loan] = []
        for (employee_id, host), days in spans.items():
            days.sort()
            start = prev = days[0]
            for day in days[1:]:
                if (day - prev).days > 7:  # a gap of more than a week ends the loan
                    loans.append(Loan(employee_id, home_unit_of[employee_id], host, start, prev))
                    start = day
                prev = day
            loans.append(Loan(employee_id, home_unit_of[employee_id], host, start, prev))
        return tuple(sorted(loans, key=lambda x: (x.start, x.employee_id)))
