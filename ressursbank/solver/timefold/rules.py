"""One small function per quickstart rule, each with a label: the CP-SAT side of section 4 of the README.

A hard rule may *filter* pairs (an employee may not take a shift at all, also because of a shift it keeps) and
*post* constraints among the free variables. A soft rule adds weighted objective terms. The model builder applies
every rule in :data:`RULES`; the labels are Timefold's rule names in snake case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model

from ressursbank.solver.timefold.compile import DESIRED, UNAVAILABLE, UNDESIRED, Compiled
from ressursbank.solver.timefold.submodel import SubModel

#: ``allows(compiled, employee, kept shifts)`` returns a predicate over shift indices.
Filter = Callable[[Compiled, int, Sequence[int]], Callable[[int], bool]]


@dataclass(frozen=True, slots=True)
class Weights:
    """Integer objective weights: per minute of S1/S2, per unit of sum x_i^2, per unassigned shift."""

    minute: int
    square: int
    unassigned: int


@dataclass(frozen=True, slots=True)
class Rule:
    """A quickstart rule as the solver enforces it."""

    label: str
    code: str
    level: Literal["hard", "soft"]
    allows: Filter | None = None
    post: Callable[[SubModel, Weights], None] | None = None


def _class_groups(sub: SubModel, employee: int) -> dict[int, list[cp_model.IntVar]]:
    groups: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for shift, var in sub.by_employee.get(employee, ()):
        groups[int(sub.compiled.shift_class[shift])].append(var)
    return groups


def _post_class_conflicts(sub: SubModel, conflicts: Sequence[frozenset[int]]) -> None:
    """At most one shift over each pair of conflicting classes (shifts of one class overlap each other)."""
    for employee in sub.group:
        groups = _class_groups(sub, employee)
        for c, own in groups.items():
            for other in conflicts[c]:
                if other == c and len(own) > 1:
                    sub.model.add_at_most_one(own)
                elif other > c and other in groups:
                    sub.model.add_at_most_one(own + groups[other])


# --- hard ---------------------------------------------------------------------------------------------------


def required_skill_allows(compiled: Compiled, employee: int, kept: Sequence[int]) -> Callable[[int], bool]:
    """H1: the employee has the shift's required skill."""
    have = compiled.emp_skills[employee]
    return lambda shift: int(compiled.skill[shift]) in have


def unavailable_dates_allows(compiled: Compiled, employee: int, kept: Sequence[int]) -> Callable[[int], bool]:
    """H5: the shift has no minutes on a date the employee is unavailable."""
    row = compiled.kind[employee]
    return lambda shift: all(m == 0 or row[d] != UNAVAILABLE for d, m in compiled.entries[shift])


def one_shift_per_day_allows(compiled: Compiled, employee: int, kept: Sequence[int]) -> Callable[[int], bool]:
    """H4: no kept shift starts on the shift's start date."""
    dates = {int(compiled.start_date[s]) for s in kept}
    return lambda shift: int(compiled.start_date[shift]) not in dates


def one_shift_per_day_post(sub: SubModel, weights: Weights) -> None:
    """H4: at most one free shift per employee and start date."""
    for employee in sub.group:
        per_date: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for shift, var in sub.by_employee.get(employee, ()):
            per_date[int(sub.compiled.start_date[shift])].append(var)
        for variables in per_date.values():
            if len(variables) > 1:
                sub.model.add_at_most_one(variables)


def _conflict_allows(table: Sequence[frozenset[int]]) -> Filter:
    def allows(compiled: Compiled, employee: int, kept: Sequence[int]) -> Callable[[int], bool]:
        blocked: set[int] = set()
        for s in kept:
            blocked |= table[int(compiled.shift_class[s])]
        return lambda shift: int(compiled.shift_class[shift]) not in blocked

    return allows


def no_overlap_allows(compiled: Compiled, employee: int, kept: Sequence[int]) -> Callable[[int], bool]:
    """H2: the shift overlaps no kept shift."""
    return _conflict_allows(compiled.overlap_classes)(compiled, employee, kept)


def no_overlap_post(sub: SubModel, weights: Weights) -> None:
    """H2: no two overlapping free shifts for one employee."""
    _post_class_conflicts(sub, sub.compiled.overlap_classes)


def min_rest_between_shifts_allows(compiled: Compiled, employee: int, kept: Sequence[int]) -> Callable[[int], bool]:
    """H3: at least 10 hours between the shift and every kept shift."""
    return _conflict_allows(compiled.rest_classes)(compiled, employee, kept)


def min_rest_between_shifts_post(sub: SubModel, weights: Weights) -> None:
    """H3: no two free shifts less than 10 hours apart for one employee."""
    _post_class_conflicts(sub, sub.compiled.rest_classes)


# --- soft ---------------------------------------------------------------------------------------------------


def _date_terms(sub: SubModel, label: str, wanted: int, sign: int, weights: Weights) -> None:
    kind = sub.compiled.kind
    for (shift, employee), var in sub.x.items():
        minutes = sum(m for d, m in sub.compiled.entries[shift] if kind[employee, d] == wanted)
        if minutes:
            sub.terms.append((label, sign * minutes * weights.minute, var))


def undesired_dates_post(sub: SubModel, weights: Weights) -> None:
    """S1: penalise each minute worked on an undesired date."""
    _date_terms(sub, "undesired_dates", UNDESIRED, 1, weights)


def desired_dates_post(sub: SubModel, weights: Weights) -> None:
    """S2: reward each minute worked on a desired date."""
    _date_terms(sub, "desired_dates", DESIRED, -1, weights)


def shift_balance_post(sub: SubModel, weights: Weights) -> None:
    """S3: penalise sum x_i^2 over the group, exactly: tangent cuts at every integer of a convex square."""
    if weights.square == 0:
        return
    for employee in sub.group:
        pairs = sub.by_employee.get(employee, [])
        base = len(sub.fixed.get(employee, ()))
        if not pairs:
            continue
        hi = base + len({int(sub.compiled.start_date[s]) for s, _ in pairs})
        count = sub.model.new_int_var(base, hi, f"count_{employee}")
        sub.model.add(count == base + sum(var for _, var in pairs))
        square = sub.model.new_int_var(base * base, hi * hi, f"square_{employee}")
        sub.balance[employee] = (count, square)
        for k in range(base, hi):
            sub.model.add(square >= (2 * k + 1) * count - k * (k + 1))
        sub.terms.append(("shift_balance", weights.square, square))


#: Every rule, hard first, in the README's order.
RULES: tuple[Rule, ...] = (
    Rule("required_skill", "H1", "hard", allows=required_skill_allows),
    Rule("no_overlap", "H2", "hard", allows=no_overlap_allows, post=no_overlap_post),
    Rule(
        "min_rest_between_shifts",
        "H3",
        "hard",
        allows=min_rest_between_shifts_allows,
        post=min_rest_between_shifts_post,
    ),
    Rule("one_shift_per_day", "H4", "hard", allows=one_shift_per_day_allows, post=one_shift_per_day_post),
    Rule("unavailable_dates", "H5", "hard", allows=unavailable_dates_allows),
    Rule("undesired_dates", "S1", "soft", post=undesired_dates_post),
    Rule("desired_dates", "S2", "soft", post=desired_dates_post),
    Rule("shift_balance", "S3", "soft", post=shift_balance_post),
)
