"""Compile a Curtois instance once into dense integer arrays the model builders read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ressursbank.domain.curtois import CurtoisInstance, Roster

#: A dense roster: ``assignment[e][d]`` is a shift index, or ``OFF``.
Assignment = list[list[int]]
OFF = -1


@dataclass(frozen=True, slots=True)
class Compiled:
    """Index-based view of an instance: employees ``e``, days ``d`` and shift types ``s`` are 0-based ints.

    ``allowed[e][d]`` lists the shift types employee ``e`` may work on day ``d`` (not a fixed day off, cap > 0).
    ``request_cost[e][d][s]`` is the objective change when ``e`` works ``s`` on ``d`` (off weight minus on
    weight); ``request_constant`` is the sum of all on weights, paid when nobody works anything.
    """

    instance: CurtoisInstance
    employees: int
    days: int
    shifts: int
    minutes: tuple[int, ...]
    forbidden_next: tuple[frozenset[int], ...]
    caps: tuple[tuple[int, ...], ...]
    allowed: tuple[tuple[tuple[int, ...], ...], ...]
    request_cost: tuple[tuple[dict[int, int], ...], ...]
    request_constant: int
    cover_requirement: tuple[tuple[int, ...], ...]
    cover_under: tuple[tuple[int, ...], ...]
    cover_over: tuple[tuple[int, ...], ...]
    weekends: tuple[tuple[int, ...], ...]

    def empty(self) -> Assignment:
        """Return the all-off assignment."""
        return [[OFF] * self.days for _ in range(self.employees)]

    def to_roster(self, assignment: Sequence[Sequence[int]]) -> dict[str, dict[int, str]]:
        """Return ``assignment`` as a roster keyed by the file's ids."""
        shift_ids = [s.id for s in self.instance.shift_types]
        return {
            employee.id: {d: shift_ids[s] for d, s in enumerate(row) if s != OFF}
            for employee, row in zip(self.instance.employees, assignment, strict=True)
        }

    def from_roster(self, roster: Roster) -> Assignment:
        """Return ``roster`` as a dense assignment (unknown ids and days are ignored)."""
        assignment = self.empty()
        for eid, days in roster.items():
            e = self.instance.employee_index.get(eid)
            if e is None:
                continue
            for d, sid in days.items():
                s = self.instance.shift_index.get(sid)
                if s is not None and 0 <= d < self.days:
                    assignment[e][d] = s
        return assignment

    def objective(self, assignment: Sequence[Sequence[int]]) -> int:
        """Return the published objective of ``assignment`` (the checker is the reference; this is fast)."""
        total = self.request_constant
        count = [[0] * self.shifts for _ in range(self.days)]
        for e, row in enumerate(assignment):
            for d, s in enumerate(row):
                if s != OFF:
                    total += self.request_cost[e][d].get(s, 0)
                    count[d][s] += 1
        for d in range(self.days):
            for s in range(self.shifts):
                total += self.cover_cost(d, s, count[d][s])
        return total

    def cover_cost(self, d: int, s: int, count: int) -> int:
        """Return the cover penalty of day ``d`` and shift ``s`` when ``count`` people work it."""
        gap = count - self.cover_requirement[d][s]
        return gap * self.cover_over[d][s] if gap > 0 else -gap * self.cover_under[d][s]


def compile_instance(instance: CurtoisInstance) -> Compiled:
    """Compile ``instance`` into dense arrays.

    Parameters
    ----------
    instance
        The validated benchmark instance.

    Returns
    -------
    Compiled
        Index-based arrays shared by every model builder, the heuristic and the LNS.
    """
    shift_ids = [s.id for s in instance.shift_types]
    n_e, n_d, n_s = len(instance.employees), instance.horizon, len(shift_ids)
    caps = tuple(tuple(employee.cap(sid) for sid in shift_ids) for employee in instance.employees)
    allowed = tuple(
        tuple(
            ()
            if d in instance.days_off.get(employee.id, frozenset())
            else tuple(s for s in range(n_s) if caps[e][s] > 0)
            for d in range(n_d)
        )
        for e, employee in enumerate(instance.employees)
    )
    cost: list[list[dict[int, int]]] = [[{} for _ in range(n_d)] for _ in range(n_e)]
    constant = 0
    for request in instance.requests:
        e, s = instance.employee_index[request.employee], instance.shift_index[request.shift]
        cell = cost[e][request.day]
        if request.on:
            constant += request.weight
            cell[s] = cell.get(s, 0) - request.weight
        else:
            cell[s] = cell.get(s, 0) + request.weight
    requirement = [[0] * n_s for _ in range(n_d)]
    under = [[0] * n_s for _ in range(n_d)]
    over = [[0] * n_s for _ in range(n_d)]
    for cover in instance.cover:
        s = instance.shift_index[cover.shift]
        requirement[cover.day][s] = cover.requirement
        under[cover.day][s] = cover.under_weight
        over[cover.day][s] = cover.over_weight
    return Compiled(
        instance=instance,
        employees=n_e,
        days=n_d,
        shifts=n_s,
        minutes=tuple(s.minutes for s in instance.shift_types),
        forbidden_next=tuple(
            frozenset(instance.shift_index[t] for t in s.forbidden_next) for s in instance.shift_types
        ),
        caps=caps,
        allowed=allowed,
        request_cost=tuple(tuple(row) for row in cost),
        request_constant=constant,
        cover_requirement=tuple(tuple(row) for row in requirement),
        cover_under=tuple(tuple(row) for row in under),
        cover_over=tuple(tuple(row) for row in over),
        weekends=tuple(instance.weekend_days(week) for week in range(instance.weekend_count)),
    )
