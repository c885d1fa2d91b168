"""The independent roster checker: every violation and every objective term, recomputed from (Problem, Plan).

It knows nothing about the optimizer. The definitions here *are* the semantics of the rules and of the objective
(docs/objective.md); the engine's own objective must agree with :func:`check_plan` to the unit.

Time conventions (shared with the engine and documented in docs/objective.md):

- minutes count from the horizon start, 00:00 local time;
- a *week* is a 7-day block from the horizon start; a shift belongs to the week and the day it starts in;
- weekly rest looks at the real time intervals, clipped to the week.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ressursbank.domain.needs import Need, night_minutes
from ressursbank.domain.organisation import Criticality
from ressursbank.domain.people import Employee
from ressursbank.domain.plan import Assignment, Plan
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import (
    Availability,
    Cohort,
    DailyRest,
    HomeCriticalFirst,
    MaxHoursPerDay,
    MaxHoursPerWeek,
    MaxTravel,
    ObjectiveWeights,
    OneShiftAtATime,
    OvertimeCaps,
    PositionNorm,
    QualificationValid,
    RestrictionRespected,
    Rule,
    RuleSet,
    SundayAlternation,
    WeeklyRest,
)

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
EVENING_NIGHT_START = 17 * 60
EVENING_NIGHT_END = 6 * 60
UNSOCIAL_START = 14 * 60

#: The objective terms in their order of importance (docs/objective.md).
OBJECTIVE_TERMS = (
    "unmet_critical",
    "unmet_other",
    "overtime",
    "moved",
    "travel",
    "outside_sector",
    "preferences",
    "warnings",
    "unsocial_spread",
    "cost",
    "changes",
)

#: Structural problems a plan can have besides rule violations.
STRUCTURAL = "plan"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which rule, whose, which need (if one), when, by how much, and what it costs if a warning."""

    rule_id: str
    rule_type: str
    employee_id: str
    need_id: str
    start: dt.datetime | None
    amount: int
    hard: bool
    penalty: int = 0

    def __str__(self) -> str:
        when = "" if self.start is None else f" at {self.start.isoformat(timespec='minutes')}"
        kind = "hard" if self.hard else f"warning, cost {self.penalty}"
        need = f" need {self.need_id}" if self.need_id else ""
        return f"{self.rule_id} ({kind}): {self.employee_id}{need}{when} by {self.amount}"


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule of one rule set, checked: how many violations and what the warnings cost."""

    rule_set_id: str
    rule_id: str
    rule_type: str
    hard: bool
    violations: int
    penalty: int


@dataclass(frozen=True, slots=True)
class Unmet:
    """A need not fully covered: how many people are missing."""

    need_id: str
    missing: int
    critical: bool


@dataclass(frozen=True, slots=True)
class Report:
    """The compliance report of a plan: every rule checked, every violation, every objective term."""

    violations: tuple[Violation, ...]
    rules: tuple[RuleCheck, ...]
    terms: dict[str, int]
    unmet: tuple[Unmet, ...]
    people_moved: int
    overtime_minutes: int
    covered: int
    demand: int
    covered_critical: int
    demand_critical: int
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def objective(self) -> int:
        return sum(self.terms.values())

    @property
    def hard_violations(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.hard)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if not v.hard)

    @property
    def is_lawful(self) -> bool:
        return not self.hard_violations


# --- shared time helpers (pure functions of the domain) ----------------------------------------------------------
def horizon_origin(problem: Problem) -> dt.datetime:
    return dt.datetime.combine(problem.horizon_start, dt.time(0, 0))


def minutes_from(origin: dt.datetime, moment: dt.datetime) -> int:
    return int((moment - origin).total_seconds() // 60)


def week_count(problem: Problem) -> int:
    return (problem.horizon_days + 6) // 7


def week_days(problem: Problem, week: int) -> int:
    return min(7, problem.horizon_days - 7 * week)


def full_time_minutes(employee: Employee, days: int) -> int:
    """The full-time norm for a week of ``days`` days (overtime starts above it)."""
    return round(employee.weekly_hours_norm * 60) * days // 7


def contract_minutes(employee: Employee, days: int) -> int:
    """The position's agreed minutes for a week of ``days`` days."""
    return employee.contract_minutes_per_week * days // 7


def travel_km(distance: float) -> int:
    """Kilometres counted for travel cost: the distance rounded half up."""
    return math.floor(distance + 0.5)


def km_over(distance: float, limit: float) -> int:
    """Whole kilometres beyond a travel limit (0 within it)."""
    return max(0, math.ceil(distance - limit - 1e-9))


@functools.lru_cache(maxsize=4096)
def window_minutes(start_minute_of_day: int, weekday: int, minutes: int, window: str) -> int:
    """Minutes of a shift inside a supplement window: ``evening_night`` 17:00-06:00, ``weekend`` Sat-Sun."""
    total = 0
    for offset in range(minutes):
        t = start_minute_of_day + offset
        minute_of_day = t % MINUTES_PER_DAY
        day = (weekday + t // MINUTES_PER_DAY) % 7
        if window == "evening_night":
            total += minute_of_day >= EVENING_NIGHT_START or minute_of_day < EVENING_NIGHT_END
        else:
            total += day >= 5
    return total


def need_is_unsocial(problem: Problem, need: Need) -> bool:
    """Evening, night or weekend: starts at 14:00 or later, touches 21:00-06:00, or starts on a Saturday/Sunday."""
    minute = need.start.hour * 60 + need.start.minute
    return minute >= UNSOCIAL_START or night_minutes(minute, need.minutes) > 0 or need.start.weekday() >= 5


def need_is_night(problem: Problem, need: Need) -> bool:
    return problem.shift_type_by_id[need.shift_type_id].is_night


def shift_wage_ore(employee: Employee, minutes: int) -> int:
    return employee.hourly_wage_nok * minutes * 100 // 60


def supplements_ore(rule_set: RuleSet, need: Need) -> int:
    """KS supplements of one shift in øre (evening/night and weekend per hour; overtime is priced per week)."""
    minute = need.start.hour * 60 + need.start.minute
    total = 0
    for s in rule_set.supplements:
        if s.nok_per_hour <= 0:
            continue
        if s.id == "evening-night":
            inside = window_minutes(minute, need.start.weekday(), need.minutes, "evening_night")
        elif s.id == "weekend":
            inside = window_minutes(minute, need.start.weekday(), need.minutes, "weekend")
        else:
            continue
        total += s.nok_per_hour * 100 * inside // 60
    return total


def overtime_ore_per_minute(rule_set: RuleSet, employee: Employee) -> int:
    """Overtime supplement per minute in øre (KS 50 %)."""
    percent = next((s.percent for s in rule_set.supplements if s.id == "overtime"), 0)
    return employee.hourly_wage_nok * percent // 60


def rule_applies(rule: Rule, problem: Problem) -> bool:
    """A rule applies when its validity overlaps the horizon."""
    last = problem.horizon_end - dt.timedelta(days=1)
    return rule.valid_from <= last and (rule.valid_to is None or rule.valid_to >= problem.horizon_start)


def mostly_overlaps(start: dt.datetime, end: dt.datetime, need: Need) -> bool:
    """The interval covers more than half of ``need`` (HomeCriticalFirst: the person could have worked it)."""
    overlap = (min(end, need.end) - max(start, need.start)).total_seconds() // 60
    return overlap * 2 > need.minutes


def eligible(problem: Problem, employee: Employee, need: Need) -> bool:
    """Qualified, not restricted, not absent: the state-free part of "may this person fill this need"."""
    return (
        problem.qualification_for(employee, need) is not None
        and problem.restriction_blocks(employee, need) is None
        and not employee.absent(need.start, need.end)
    )


# --- the checker ------------------------------------------------------------------------------------------------
class _Collector:
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.by_rule: dict[tuple[str, str], list[Violation]] = defaultdict(list)

    def add(
        self,
        rule_set: RuleSet,
        rule: Rule,
        employee_id: str,
        need_id: str,
        start: dt.datetime | None,
        amount: int,
        penalty: int | None = None,
    ) -> None:
        cost = 0 if rule.is_hard else (rule.cost * amount if penalty is None else penalty)
        v = Violation(rule.id, type(rule).__name__, employee_id, need_id, start, amount, rule.is_hard, cost)
        self.violations.append(v)
        self.by_rule[(rule_set.id, rule.id)].append(v)

    def structural(self, employee_id: str, need_id: str, start: dt.datetime | None, what: str) -> None:
        self.violations.append(Violation(STRUCTURAL, what, employee_id, need_id, start, 1, True))


def check_plan(
    problem: Problem,
    plan: Plan,
    *,
    weights: ObjectiveWeights | None = None,
    hint: Plan | None = None,
) -> Report:
    """Check every rule of every employee's rule set and recompute every objective term.

    Parameters
    ----------
    problem
        The planning problem.
    plan
        The plan to check.
    weights
        Objective weights (defaults to :class:`ObjectiveWeights`).
    hint
        The current plan; each assignment added or removed against it counts as a change.

    Returns
    -------
    Report
        Violations (hard and warnings with their cost), per-rule counts, and the objective by term.
    """
    w = weights or ObjectiveWeights()
    out = _Collector()
    origin = horizon_origin(problem)
    horizon_minutes = problem.horizon_days * MINUTES_PER_DAY
    weeks = week_count(problem)
    needs = problem.need_by_id
    employees = problem.employee_by_id
    units = problem.unit_by_id

    # structural checks and coverage
    valid: list[Assignment] = []
    per_need: dict[str, int] = defaultdict(int)
    for a in plan.assignments:
        need = needs.get(a.need_id)
        employee = employees.get(a.employee_id)
        if need is None or employee is None:
            out.structural(a.employee_id, a.need_id, a.start, "unknown_reference")
            continue
        if (a.unit_id, a.start, a.end) != (need.unit_id, need.start, need.end):
            out.structural(a.employee_id, a.need_id, a.start, "assignment_mismatch")
            continue
        per_need[a.need_id] += 1
        valid.append(a)
    unmet: list[Unmet] = []
    covered = covered_critical = demand = demand_critical = 0
    for need in problem.needs:
        got = per_need.get(need.id, 0)
        if got > need.count:
            out.structural("", need.id, need.start, "over_coverage")
        cov = min(got, need.count)
        critical = need.criticality is Criticality.CRITICAL
        demand += need.count
        covered += cov
        if critical:
            demand_critical += need.count
            covered_critical += cov
        if cov < need.count:
            unmet.append(Unmet(need.id, need.count - cov, critical))
    unmet_by_need = {u.need_id: u.missing for u in unmet}
    home_critical: dict[str, list[Need]] = defaultdict(list)
    for need in problem.needs:
        if need.criticality is Criticality.CRITICAL and need.id in unmet_by_need:
            home_critical[need.unit_id].append(need)

    terms = dict.fromkeys(OBJECTIVE_TERMS, 0)
    terms["unmet_critical"] = w.unmet_critical * sum(u.missing for u in unmet if u.critical)
    terms["unmet_other"] = w.unmet_other * sum(u.missing for u in unmet if not u.critical)

    by_employee: dict[str, list[Assignment]] = defaultdict(list)
    for a in valid:
        by_employee[a.employee_id].append(a)

    moved = outside = overtime_total = 0
    sundays = [
        problem.horizon_start + dt.timedelta(days=d)
        for d in range(problem.horizon_days)
        if (problem.horizon_start + dt.timedelta(days=d)).weekday() == 6
    ]
    for employee_id in sorted(by_employee):
        shifts = sorted(by_employee[employee_id], key=lambda a: (a.start, a.end, a.need_id))
        employee = employees[employee_id]
        rule_set = problem.rule_set_of(employee)
        rules = [r for r in rule_set.rules if rule_applies(r, problem)]
        home = units[employee.home_unit_id]
        away = [a for a in shifts if a.unit_id != employee.home_unit_id]

        # per-assignment rules
        for a in shifts:
            need = needs[a.need_id]
            for rule in rules:
                unqualified = isinstance(rule, QualificationValid) and problem.qualification_for(employee, need) is None
                absent = isinstance(rule, Availability) and employee.absent(need.start, need.end)
                restricted = (
                    isinstance(rule, RestrictionRespected) and problem.restriction_blocks(employee, need) is not None
                )
                if unqualified or absent or restricted:
                    out.add(rule_set, rule, employee_id, need.id, a.start, 1)
                elif isinstance(rule, MaxTravel) and a.unit_id != employee.home_unit_id:
                    limit = min(employee.preferences.max_travel_km, rule.hard_limit_km)
                    over = km_over(problem.distance_km(employee.home_unit_id, a.unit_id), limit)
                    if over > 0:
                        out.add(rule_set, rule, employee_id, need.id, a.start, over)
                elif isinstance(rule, HomeCriticalFirst) and a.unit_id != employee.home_unit_id:
                    for m in home_critical.get(employee.home_unit_id, ()):
                        if mostly_overlaps(a.start, a.end, m) and eligible(problem, employee, m):
                            out.add(rule_set, rule, employee_id, a.need_id, a.start, 1)

        # sequences: one shift at a time and daily rest
        one = next((r for r in rules if isinstance(r, OneShiftAtATime)), None)
        daily = next((r for r in rules if isinstance(r, DailyRest)), None)
        latest_end: dt.datetime | None = None
        for a in shifts:
            if latest_end is not None:
                gap = minutes_from(latest_end, a.start)
                if gap < 0 and one is not None:
                    out.add(rule_set, one, employee_id, a.need_id, a.start, -gap)
                elif gap >= 0 and daily is not None and gap < round(daily.min_hours * 60):
                    out.add(rule_set, daily, employee_id, a.need_id, a.start, round(daily.min_hours * 60) - gap)
            latest_end = a.end if latest_end is None else max(latest_end, a.end)

        # per day and per week sums
        per_day: dict[dt.date, int] = defaultdict(int)
        per_week = [0] * weeks
        for a in shifts:
            per_day[a.start.date()] += a.minutes
            per_week[(a.start.date() - problem.horizon_start).days // 7] += a.minutes
        overtime = [max(0, per_week[b] - full_time_minutes(employee, week_days(problem, b))) for b in range(weeks)]
        overtime_total += sum(overtime)
        for rule in rules:
            if isinstance(rule, MaxHoursPerDay):
                cap = round(rule.max_hours * 60)
                for day, minutes in sorted(per_day.items()):
                    if minutes > cap:
                        out.add(rule_set, rule, employee_id, "", _at(day), minutes - cap)
            elif isinstance(rule, MaxHoursPerWeek):
                cap = round(rule.max_hours * 60)
                for b in range(weeks):
                    if per_week[b] > cap:
                        out.add(rule_set, rule, employee_id, "", _week_start(problem, b), per_week[b] - cap)
            elif isinstance(rule, OvertimeCaps):
                week_cap = round(rule.per_week_hours * 60)
                for b in range(weeks):
                    if overtime[b] > week_cap:
                        out.add(rule_set, rule, employee_id, "", _week_start(problem, b), overtime[b] - week_cap)
                four_cap = round(rule.per_4_weeks_hours * 60)
                for first in range(max(1, weeks - 3)):
                    total = sum(overtime[first : first + 4])
                    if total > four_cap:
                        out.add(rule_set, rule, employee_id, "", _week_start(problem, first), total - four_cap)
                year_cap = round(rule.per_year_hours * 60)
                if sum(overtime) > year_cap:
                    out.add(rule_set, rule, employee_id, "", None, sum(overtime) - year_cap)
            elif isinstance(rule, PositionNorm):
                volunteer = employee.preferences.wants_more_hours and rule.allow_extra_for_volunteers
                if volunteer:
                    continue
                for b in range(weeks):
                    days = week_days(problem, b)
                    extra = max(
                        0, min(per_week[b], full_time_minutes(employee, days)) - contract_minutes(employee, days)
                    )
                    if extra > 0:
                        out.add(
                            rule_set, rule, employee_id, "", _week_start(problem, b), extra, rule.cost * extra // 60
                        )
            elif isinstance(rule, WeeklyRest):
                required_full = round(rule.min_hours * 60)
                for b in range(weeks):
                    lo = b * MINUTES_PER_WEEK
                    hi = min(horizon_minutes, lo + MINUTES_PER_WEEK)
                    longest = _longest_off(
                        [(minutes_from(origin, a.start), minutes_from(origin, a.end)) for a in shifts], lo, hi
                    )
                    required = min(required_full, hi - lo)
                    if longest < required:
                        out.add(rule_set, rule, employee_id, "", _week_start(problem, b), required - longest)
            elif isinstance(rule, SundayAlternation):
                worked = {a.start.date() for a in shifts}
                for sunday in sundays:
                    following = sunday + dt.timedelta(days=7)
                    if following < problem.horizon_end and sunday in worked and following in worked:
                        out.add(rule_set, rule, employee_id, "", _at(following), 1)
            elif isinstance(rule, Cohort):
                blocks: dict[int, set[str]] = defaultdict(set)
                for a in shifts:
                    blocks[(a.start.date() - problem.horizon_start).days // rule.period_days].add(a.unit_id)
                for block, unit_ids in sorted(blocks.items()):
                    if len(unit_ids) > 1:
                        start = problem.horizon_start + dt.timedelta(days=block * rule.period_days)
                        out.add(rule_set, rule, employee_id, "", _at(start), len(unit_ids) - 1)

        # objective terms of this employee
        terms["overtime"] += w.overtime_per_minute * sum(overtime)
        if away:
            moved += 1
        if any(units[a.unit_id].sector_id != home.sector_id for a in shifts):
            outside += 1
        unwanted = 0
        unsocial = 0
        cost = 0
        for a in shifts:
            need = needs[a.need_id]
            if a.unit_id != employee.home_unit_id:
                terms["travel"] += w.travel_per_km * travel_km(problem.distance_km(employee.home_unit_id, a.unit_id))
                if units[a.unit_id].kind.value not in employee.preferences.willing_unit_kinds:
                    unwanted += 1
            if employee.preferences.avoid_nights and need_is_night(problem, need):
                unwanted += 1
            if employee.preferences.avoid_weekends and need.start.weekday() >= 5:
                unwanted += 1
            unsocial += need_is_unsocial(problem, need)
            cost += shift_wage_ore(employee, need.minutes) + supplements_ore(rule_set, need)
        cost += sum(overtime) * overtime_ore_per_minute(rule_set, employee)
        terms["preferences"] += w.unwanted_shift * unwanted
        terms["unsocial_spread"] += w.unsocial_squared * unsocial * unsocial
        terms["cost"] += w.cost_per_ore * cost

    terms["moved"] = w.moved_person * moved
    terms["outside_sector"] = w.outside_sector_person * outside
    terms["warnings"] = sum(v.penalty for v in out.violations if not v.hard)
    if hint is not None:
        now = {a.key for a in plan.assignments}
        before = {a.key for a in hint.assignments if a.need_id in needs}
        terms["changes"] = w.change * len(now ^ before)

    checks: list[RuleCheck] = []
    for rule_set in problem.organisation.rule_sets:
        for rule in rule_set.rules:
            found = out.by_rule.get((rule_set.id, rule.id), [])
            checks.append(
                RuleCheck(
                    rule_set.id,
                    rule.id,
                    type(rule).__name__,
                    rule.is_hard,
                    len(found),
                    sum(v.penalty for v in found),
                )
            )
    return Report(
        violations=tuple(out.violations),
        rules=tuple(checks),
        terms=terms,
        unmet=tuple(unmet),
        people_moved=moved,
        overtime_minutes=overtime_total,
        covered=covered,
        demand=demand,
        covered_critical=covered_critical,
        demand_critical=demand_critical,
    )


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0))


def _week_start(problem: Problem, week: int) -> dt.datetime:
    return _at(problem.horizon_start + dt.timedelta(days=7 * week))


def _longest_off(intervals: Iterable[tuple[int, int]], lo: int, hi: int) -> int:
    """Longest stretch of ``[lo, hi)`` not covered by any interval."""
    clipped = sorted((max(lo, s), min(hi, e)) for s, e in intervals if s < hi and e > lo)
    longest, cursor = 0, lo
    for s, e in clipped:
        longest = max(longest, s - cursor)
        cursor = max(cursor, e)
    return max(longest, hi - cursor)
