"""Small named instances for re-planning, candidates, training, explanations and what-if tests.

Built on :mod:`tests.helpers_engine` (units ``home`` (nursing home), ``host`` (corona clinic, 5 km), ``far``
(30 km), ``school``; day/evening/night shifts; the week from Monday 2020-03-16).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ressursbank.checker.roster import Report, check_plan
from ressursbank.domain.needs import Need
from ressursbank.domain.plan import Assignment, Plan
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import ObjectiveWeights
from tests.helpers_engine import MONDAY, NURSE, employee, need, plan_of, problem

TRACING = "course.smittesporing"

__all__ = [
    "MONDAY",
    "NURSE",
    "TRACING",
    "add",
    "checked",
    "clinic_week",
    "employee",
    "need",
    "plan_of",
    "problem",
    "tracing_need",
]


def tracing_need(ident: str, day: int = 3, *, count: int = 1, critical: bool = False) -> Need:
    """A contact-tracing day shift at the corona clinic: needs the one-day course."""
    return need(ident, day, unit="host", count=count, critical=critical, codes=(TRACING,))


def clinic_week() -> tuple[Problem, Plan]:
    """``clinic-week``: four nurses at the nursing home, day needs Monday-Friday (2 a day, critical), evening needs
    on Monday and Wednesday (1, normal) and a corona-clinic day need on Thursday; the plan covers the day needs with
    a and b on Monday-Wednesday and c and d on Thursday-Friday, and leaves the evening and the clinic open."""
    people = [employee(x) for x in ("a", "b", "c", "d")]
    needs = [need(f"day{d}", d, count=2) for d in range(5)]
    needs += [need(f"eve{d}", d, "evening", critical=False) for d in (0, 2)]
    needs.append(need("clinic3", 3, unit="host", critical=False))
    p = problem(people, needs)
    pairs = [(e, f"day{d}") for d in range(3) for e in ("a", "b")] + [
        (e, f"day{d}") for d in (3, 4) for e in ("c", "d")
    ]
    return p, plan_of(p, *pairs)


def add(p: Problem, plan: Plan, employee_id: str, need_id: str, without: tuple[str, ...] = ()) -> Plan:
    """``plan`` with ``employee_id`` on ``need_id`` (and off the needs in ``without``)."""
    n = p.need_by_id[need_id]
    e = p.employee_by_id[employee_id]
    kept = [a for a in plan.assignments if not (a.employee_id == employee_id and a.need_id in without)]
    used = p.qualification_for(e, n) or ""
    return Plan.of([*kept, Assignment(employee_id, need_id, n.unit_id, n.start, n.end, used)], plan.trainings)


def checked(p: Problem, plan: Plan, *, weights: ObjectiveWeights | None = None, hint: Plan | None = None) -> Report:
    """The independent checker's report."""
    return check_plan(p, plan, weights=weights, hint=hint)


def shifted(p: Problem, days: int) -> Problem:
    """The same problem over ``days`` days."""
    return replace(p, horizon_days=days)


_ = (dt, MONDAY, NURSE)
