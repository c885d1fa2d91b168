"""Check a Curtois & Qu roster: every hard violation and the published objective, independent of any solver."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ressursbank.domain.curtois import CurtoisInstance, Employee, Roster

#: Labels of the hard rules, in the order they are checked.
HARD_RULES = (
    "unknown_employee",
    "unknown_shift",
    "day_outside_horizon",
    "day_off",
    "shift_type_cap",
    "forbidden_succession",
    "max_total_minutes",
    "min_total_minutes",
    "max_consecutive_shifts",
    "min_consecutive_shifts",
    "min_consecutive_days_off",
    "max_working_weekends",
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken hard rule: which rule, whose roster, where it starts (``None`` for the whole horizon), how much."""

    rule: str
    employee: str
    day: int | None
    amount: int

    def __str__(self) -> str:
        where = "" if self.day is None else f" from day {self.day}"
        return f"{self.rule}: employee {self.employee}{where} by {self.amount}"


@dataclass(frozen=True, slots=True)
class CurtoisReport:
    """The checker's verdict: hard violations and the objective terms as published."""

    violations: tuple[Violation, ...]
    shift_on_requests: int
    shift_off_requests: int
    cover_under: int
    cover_over: int

    @property
    def feasible(self) -> bool:
        """Return whether no hard rule is broken."""
        return not self.violations

    @property
    def objective(self) -> int:
        """Return the published objective: request penalties plus cover penalties."""
        return self.shift_on_requests + self.shift_off_requests + self.cover_under + self.cover_over

    @property
    def verdict(self) -> str:
        """Return ``"feasible"`` or a short count of the broken rules."""
        if self.feasible:
            return "feasible"
        rules = Counter(v.rule for v in self.violations)
        return "infeasible: " + ", ".join(f"{rule} x{count}" for rule, count in rules.items())


def _blocks(worked: list[bool], value: bool) -> Iterator[tuple[int, int]]:
    """Yield (start, length) of every maximal run of ``value`` in ``worked``."""
    start: int | None = None
    for day, item in enumerate([*worked, not value]):
        if item == value and start is None:
            start = day
        elif item != value and start is not None:
            yield start, day - start
            start = None


def check_employee(instance: CurtoisInstance, employee: Employee, shifts: Mapping[int, str]) -> Iterator[Violation]:
    """Yield every violation of the per-employee hard rules by one employee's roster.

    Parameters
    ----------
    instance
        The benchmark instance.
    employee
        The employee (one of ``instance.employees``).
    shifts
        Day -> shift id, with known shift ids and days inside the horizon only.
    """
    horizon = instance.horizon
    eid = employee.id
    for day in sorted(instance.days_off.get(eid, frozenset()) & shifts.keys()):
        yield Violation("day_off", eid, day, 1)
    counts = Counter(shifts.values())
    for shift in instance.shift_types:
        excess = counts[shift.id] - employee.cap(shift.id)
        if excess > 0:
            yield Violation("shift_type_cap", eid, None, excess)
    for day in range(horizon - 1):
        today, tomorrow = shifts.get(day), shifts.get(day + 1)
        if today is not None and tomorrow is not None and tomorrow in instance.shift(today).forbidden_next:
            yield Violation("forbidden_succession", eid, day, 1)
    minutes = sum(instance.shift(shift).minutes for shift in shifts.values())
    if minutes > employee.max_total_minutes:
        yield Violation("max_total_minutes", eid, None, minutes - employee.max_total_minutes)
    if minutes < employee.min_total_minutes:
        yield Violation("min_total_minutes", eid, None, employee.min_total_minutes - minutes)
    worked = [day in shifts for day in range(horizon)]
    for start, length in _blocks(worked, True):
        if length > employee.max_consecutive_shifts:
            yield Violation("max_consecutive_shifts", eid, start, length - employee.max_consecutive_shifts)
        # Blocks touching the horizon's first or last day may continue outside it, so they are exempt.
        inside = start > 0 and start + length < horizon
        if inside and length < employee.min_consecutive_shifts:
            yield Violation("min_consecutive_shifts", eid, start, employee.min_consecutive_shifts - length)
    for start, length in _blocks(worked, False):
        inside = start > 0 and start + length < horizon
        if inside and length < employee.min_consecutive_days_off:
            yield Violation("min_consecutive_days_off", eid, start, employee.min_consecutive_days_off - length)
    weekends = sum(1 for week in range(instance.weekend_count) if any(worked[d] for d in instance.weekend_days(week)))
    if weekends > employee.max_weekends:
        yield Violation("max_working_weekends", eid, None, weekends - employee.max_weekends)


def check_curtois(instance: CurtoisInstance, roster: Roster) -> CurtoisReport:
    """Check ``roster`` against ``instance``.

    Parameters
    ----------
    instance
        The benchmark instance.
    roster
        Employee id -> day -> shift id; absent employees and days are off.

    Returns
    -------
    CurtoisReport
        Every hard violation (rule, employee, day, amount) and the objective terms as published. Unknown
        employees, unknown shift ids and days outside the horizon are reported as violations and left out of
        the objective.
    """
    violations: list[Violation] = []
    valid: dict[str, dict[int, str]] = {}
    for eid, days in roster.items():
        if eid not in instance.employee_index:
            violations.append(Violation("unknown_employee", eid, None, len(days)))
            continue
        mine = valid.setdefault(eid, {})
        for day, shift in days.items():
            if not 0 <= day < instance.horizon:
                violations.append(Violation("day_outside_horizon", eid, day, 1))
            elif shift not in instance.shift_index:
                violations.append(Violation("unknown_shift", eid, day, 1))
            else:
                mine[day] = shift
    for employee in instance.employees:
        violations.extend(check_employee(instance, employee, valid.get(employee.id, {})))
    on = off = 0
    for request in instance.requests:
        worked = valid.get(request.employee, {}).get(request.day) == request.shift
        if request.on and not worked:
            on += request.weight
        elif not request.on and worked:
            off += request.weight
    staffed = Counter((day, shift) for days in valid.values() for day, shift in days.items())
    under = over = 0
    for cover in instance.cover:
        count = staffed[cover.day, cover.shift]
        under += max(0, cover.requirement - count) * cover.under_weight
        over += max(0, count - cover.requirement) * cover.over_weight
    return CurtoisReport(tuple(violations), on, off, under, over)
