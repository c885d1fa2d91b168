"""Compile a Timefold data set once into dense integers: employee and shift indices, date indices, time classes.

A *time class* is one distinct (start, end) pair; conflicts between shifts (overlap, too little rest) depend only
on their classes, so they are computed once per pair of classes from the exact date-times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ressursbank.domain.timefold import MIN_REST_MINUTES, TimefoldDataset, day_minutes, minutes_between

#: What an employee has said about a date (``kind`` matrix values).
NONE, UNAVAILABLE, UNDESIRED, DESIRED = 0, 1, 2, 3

_US = dt.timedelta(microseconds=1)
REST_US = MIN_REST_MINUTES * 60_000_000


@dataclass(frozen=True, slots=True)
class Compiled:
    """Index-based view of a data set for the solver.

    Attributes
    ----------
    dataset
        The data set compiled.
    start_us, end_us
        Shift start and end in microseconds from ``origin`` (midnight of the first date).
    start_date
        Date index of each shift's start date.
    entries
        Per shift, the (date index, day minutes) of its start date and, when different, its end date.
    skill
        Per shift, the index of its required skill.
    emp_skills
        Per employee, the set of its skill indices.
    eligible
        Per skill index, the employees who have it (sorted ``int64`` array).
    kind
        ``[employee, date]`` -> NONE / UNAVAILABLE / UNDESIRED / DESIRED.
    shift_class
        Per shift, the index of its time class.
    overlap_classes, rest_classes
        Per class, the classes (itself included for overlap) whose shifts overlap it, or do not overlap but
        leave less than 10 hours of rest.
    """

    dataset: TimefoldDataset
    origin: dt.datetime
    n_dates: int
    start_us: npt.NDArray[np.int64]
    end_us: npt.NDArray[np.int64]
    start_date: npt.NDArray[np.int64]
    entries: tuple[tuple[tuple[int, int], ...], ...]
    skill: npt.NDArray[np.int64]
    skills: tuple[str, ...]
    emp_skills: tuple[frozenset[int], ...]
    eligible: tuple[npt.NDArray[np.int64], ...]
    kind: npt.NDArray[np.int8]
    shift_class: npt.NDArray[np.int64]
    class_dates: tuple[int, ...]
    overlap_classes: tuple[frozenset[int], ...]
    rest_classes: tuple[frozenset[int], ...]

    @property
    def n_employees(self) -> int:
        """Number of employees."""
        return len(self.dataset.employees)

    @property
    def n_shifts(self) -> int:
        """Number of shifts."""
        return len(self.dataset.shifts)

    def reward(self, shift: int, employee: int) -> int:
        """Return desired minutes minus undesired minutes if ``employee`` works ``shift``."""
        total = 0
        row = self.kind[employee]
        for date, minutes in self.entries[shift]:
            k = row[date]
            if k == DESIRED:
                total += minutes
            elif k == UNDESIRED:
                total -= minutes
        return total

    def unavailable_minutes(self, shift: int, employee: int) -> int:
        """Return the H5 weight if ``employee`` works ``shift`` (0 when allowed)."""
        row = self.kind[employee]
        return sum(minutes for date, minutes in self.entries[shift] if row[date] == UNAVAILABLE)


def _class_conflicts(
    classes: list[tuple[dt.datetime, dt.datetime]],
) -> tuple[tuple[frozenset[int], ...], tuple[frozenset[int], ...]]:
    order = sorted(range(len(classes)), key=lambda c: classes[c])
    overlap: list[set[int]] = [{c} for c in range(len(classes))]
    rest: list[set[int]] = [set() for _ in classes]
    rest_span = dt.timedelta(minutes=MIN_REST_MINUTES)
    for i, a in enumerate(order):
        a_start, a_end = classes[a]
        for b in order[i + 1 :]:
            b_start, b_end = classes[b]
            if b_start >= a_end + rest_span:
                break
            if a_start < b_end and b_start < a_end:
                overlap[a].add(b)
                overlap[b].add(a)
            elif minutes_between(a_end, b_start) < MIN_REST_MINUTES:
                rest[a].add(b)
                rest[b].add(a)
    return tuple(frozenset(s) for s in overlap), tuple(frozenset(s) for s in rest)


def compile_dataset(dataset: TimefoldDataset) -> Compiled:
    """Compile ``dataset`` into the solver's index-based form (once per solve).

    Parameters
    ----------
    dataset
        The data set.

    Returns
    -------
    Compiled
        Dense arrays and lookup tables.
    """
    employees, shifts = dataset.employees, dataset.shifts
    all_dates: set[dt.date] = {dataset.horizon_start}
    for shift in shifts:
        all_dates.add(shift.start_date)
        all_dates.add(shift.end_date)
    for employee in employees:
        all_dates |= employee.unavailable_dates | employee.undesired_dates | employee.desired_dates
    first = min(all_dates)
    n_dates = (max(all_dates) - first).days + 1
    origin = dt.datetime.combine(first, dt.time())

    def date_index(date: dt.date) -> int:
        return (date - first).days

    skills = tuple(sorted({s.required_skill for s in shifts} | {k for e in employees for k in e.skills}))
    skill_index = {name: i for i, name in enumerate(skills)}
    emp_skills = tuple(frozenset(skill_index[k] for k in e.skills) for e in employees)
    eligible = tuple(
        np.array([e for e, have in enumerate(emp_skills) if k in have], dtype=np.int64) for k in range(len(skills))
    )
    kind = np.zeros((len(employees), n_dates), dtype=np.int8)
    for e, employee in enumerate(employees):
        for value, dates in (
            (UNAVAILABLE, employee.unavailable_dates),
            (UNDESIRED, employee.undesired_dates),
            (DESIRED, employee.desired_dates),
        ):
            for date in dates:
                kind[e, date_index(date)] = value
    class_of: dict[tuple[dt.datetime, dt.datetime], int] = {}
    shift_class = np.zeros(len(shifts), dtype=np.int64)
    entries: list[tuple[tuple[int, int], ...]] = []
    for i, shift in enumerate(shifts):
        shift_class[i] = class_of.setdefault((shift.start, shift.end), len(class_of))
        touched = sorted({shift.start_date, shift.end_date})
        entries.append(tuple((date_index(d), day_minutes(shift.start, shift.end, d)) for d in touched))
    classes = list(class_of)
    overlap, rest = _class_conflicts(classes)
    return Compiled(
        dataset=dataset,
        origin=origin,
        n_dates=n_dates,
        start_us=np.array([(s.start - origin) // _US for s in shifts], dtype=np.int64),
        end_us=np.array([(s.end - origin) // _US for s in shifts], dtype=np.int64),
        start_date=np.array([date_index(s.start_date) for s in shifts], dtype=np.int64),
        entries=tuple(entries),
        skill=np.array([skill_index[s.required_skill] for s in shifts], dtype=np.int64),
        skills=skills,
        emp_skills=emp_skills,
        eligible=eligible,
        kind=kind,
        shift_class=shift_class,
        class_dates=tuple(date_index(start.date()) for start, _ in classes),
        overlap_classes=overlap,
        rest_classes=rest,
    )
