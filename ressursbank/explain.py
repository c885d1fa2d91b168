"""Explanations a person reads: why each assignment, why each unmet need is open, and what would close it.

Layer 3 (domain only; the checker is a sibling and not imported). The rule logic here is the checker's
(``ressursbank.checker.roster``) applied *incrementally*: :func:`blocking_rule` answers "may this person take this
need on top of their current roster?" and names the first rule that says no. The candidate list
(``ressursbank.solver.candidates``), the training decision and re-planning use the same function, so what the
explanation says blocks a person is exactly what keeps them off the candidate list. Tests verify every candidate
with the independent checker.

For an unmet need the explanation counts the people who hold a qualification that fills it (directly or through a
course they could take), removes them rule by rule (qualification, politiattest, restriction — shown only as
"not available for this task" —, absence, rest rules, hour caps, travel, own critical service, cohort) and ranks
the fixes by their cost in objective points: assign someone who is free, lift the cohort rule, train N people,
allow overtime (to the limits an agreement may set, AML § 10-6 (5)) for N, hire N externally.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from ressursbank.domain.needs import Need
from ressursbank.domain.organisation import Criticality, OpeningStatus
from ressursbank.domain.people import Absence, AbsenceKind, Employee, HeldQualification
from ressursbank.domain.plan import Assignment, Plan, Training
from ressursbank.domain.problem import Problem
from ressursbank.domain.qualifications import TrainableSkill
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
    QualificationValid,
    RestrictionRespected,
    Rule,
    RuleSet,
    WeeklyRest,
)

__all__ = [
    "AGREEMENT_OVERTIME",
    "EXTERNAL_HOURLY_NOK",
    "AssignmentExplanation",
    "Block",
    "Blocker",
    "Fix",
    "Relaxation",
    "RosterIndex",
    "UnmetExplanation",
    "apply_fix",
    "blocking_rule",
    "course_day",
    "explain_assignment",
    "explain_plan",
    "explain_unmet",
    "trained_problem",
]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

#: Hourly price of an externally hired person (agency rate, NOK), used to cost the "hire" fix.
EXTERNAL_HOURLY_NOK = 750

#: Overtime limits that a written agreement may set (AML § 10-6 (5)): 20 h a week, 50 h per 4 weeks, 300 h a year.
AGREEMENT_OVERTIME = (20.0, 50.0, 300.0)

#: The order in which rules are tested; an explanation names the first rule that removes a person.
BLOCK_ORDER = (
    "assigned",
    "qualification",
    "politiattest",
    "restriction",
    "absence",
    "one-shift",
    "daily-rest",
    "max-day",
    "max-week",
    "weekly-rest",
    "overtime",
    "travel",
    "home-critical-first",
    "cohort",
)

_BLOCK_TEXT: dict[str, tuple[str, str]] = {
    "assigned": ("står allerede på vakten", "already on this shift"),
    "qualification": ("mangler kvalifikasjonen", "lacks the qualification"),
    "politiattest": ("mangler politiattesten enheten krever", "lacks the police certificate the unit requires"),
    "restriction": ("ikke tilgjengelig for denne oppgaven", "not available for this task"),
    "absence": ("fravær eller kurs", "absent or on a course"),
    "one-shift": ("har en annen vakt samtidig", "has another shift at the same time"),
    "daily-rest": ("ville brutt døgnhvilen", "would break the daily rest"),
    "max-day": ("ville overskredet timer per døgn", "would exceed the hours per 24 h"),
    "max-week": ("ville overskredet timer per uke", "would exceed the hours per week"),
    "weekly-rest": ("ville brutt ukehvilen", "would break the weekly rest"),
    "overtime": ("ville overskredet overtidsgrensene", "would exceed the overtime limits"),
    "travel": ("for lang reisevei", "too far to travel"),
    "home-critical-first": (
        "trengs i egen kritisk drift samtidig",
        "needed by their own critical service at the same time",
    ),
    "cohort": ("kohortregelen: allerede ved en annen enhet i perioden", "cohort rule: already at another unit"),
}

_FREE = (
    "Noen er ledige, men ble ikke satt inn (tidsbudsjettet)",
    "Someone is free but was not assigned (the time budget)",
)
_SHORTAGE = ("Mangel på kvalifiserte personer", "Shortage of qualified people")


def _lang(lang: str) -> int:
    return 0 if lang == "nb" else 1


# --- rosters --------------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Shift:
    start: int
    end: int
    need_id: str
    unit_id: str
    day: dt.date
    minutes: int
    week: int


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Rules relaxed when testing what a fix would allow: overtime to the agreement limits, no cohort rule."""

    agreement_overtime: bool = False
    no_cohort: bool = False


NO_RELAXATION = Relaxation()


@dataclass(frozen=True, slots=True)
class Block:
    """Why a person may not take a need: the kind (see ``BLOCK_ORDER``) and the rule record, if a rule."""

    kind: str
    rule: Rule | None

    def text(self, lang: str = "nb") -> str:
        """The reason in words, quoting the rule's label and citation (never a restriction's reason)."""
        words = _BLOCK_TEXT[self.kind][_lang(lang)]
        if self.rule is None:
            return words
        return f"{words} ({self.rule.label(lang)}; {self.rule.citation})"


class RosterIndex:
    """Each employee's shifts in a plan, sorted, plus coverage per need: built once, updated incrementally.

    Parameters
    ----------
    problem
        The planning problem.
    plan
        The current plan; its trainings make the person unavailable on the course days.
    """

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.problem = problem
        self.origin = dt.datetime.combine(problem.horizon_start, dt.time(0, 0))
        self._times: dict[str, tuple[int, int, dt.date, int]] = {}
        self.weeks = (problem.horizon_days + 6) // 7
        self.shifts: dict[str, list[_Shift]] = defaultdict(list)
        self.covered: dict[str, int] = defaultdict(int)
        self.assigned: dict[str, set[str]] = defaultdict(set)
        self.trainings: dict[str, list[Training]] = defaultdict(list)
        self._skills = {s.code: s for s in problem.organisation.trainable}
        for t in plan.trainings:
            self.trainings[t.employee_id].append(t)
        needs = problem.need_by_id
        employees = problem.employee_by_id
        for a in plan.assignments:
            need = needs.get(a.need_id)
            if need is not None and a.employee_id in employees:
                start, end, day, week = self.need_times(need)
                self.shifts[a.employee_id].append(_Shift(start, end, need.id, need.unit_id, day, need.minutes, week))
                self.covered[need.id] += 1
                self.assigned[need.id].add(a.employee_id)
        for roster in self.shifts.values():
            roster.sort(key=lambda s: (s.start, s.end, s.need_id))
        self.rules_cache: dict[str, dict[type[Rule], Rule]] = {}
        self._critical_by_unit_day: dict[tuple[str, dt.date], list[Need]] = defaultdict(list)
        for n in problem.needs:
            if n.criticality is Criticality.CRITICAL:
                self._critical_by_unit_day[(n.unit_id, n.start.date())].append(n)

    def minute(self, moment: dt.datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def need_times(self, need: Need) -> tuple[int, int, dt.date, int]:
        """``(start minute, end minute, day, week)`` of a need (cached)."""
        found = self._times.get(need.id)
        if found is None:
            day = need.start.date()
            found = (self.minute(need.start), self.minute(need.end), day, (day - self.problem.horizon_start).days // 7)
            self._times[need.id] = found
        return found

    def add(self, employee_id: str, need: Need) -> None:
        """Record that ``employee_id`` works ``need``."""
        start, end, day, week = self.need_times(need)
        shift = _Shift(start, end, need.id, need.unit_id, day, need.minutes, week)
        roster = self.shifts[employee_id]
        keys = [(s.start, s.end, s.need_id) for s in roster]
        roster.insert(bisect.bisect(keys, (shift.start, shift.end, shift.need_id)), shift)
        self.covered[need.id] += 1
        self.assigned[need.id].add(employee_id)

    def remove(self, employee_id: str, need_id: str) -> None:
        """Forget that ``employee_id`` works ``need_id``."""
        roster = self.shifts.get(employee_id, [])
        for i, s in enumerate(roster):
            if s.need_id == need_id:
                del roster[i]
                self.covered[need_id] -= 1
                self.assigned[need_id].discard(employee_id)
                return

    def missing(self, need: Need) -> int:
        """People still missing on ``need``."""
        return max(0, need.count - self.covered.get(need.id, 0))

    def roster(self, employee_id: str) -> list[_Shift]:
        return self.shifts.get(employee_id, [])

    def critical_needs_near(self, unit_id: str, day: dt.date) -> list[Need]:
        """The unit's critical needs starting the day before, on, or after ``day``."""
        one = dt.timedelta(days=1)
        get = self._critical_by_unit_day.get
        return [*get((unit_id, day - one), ()), *get((unit_id, day), ()), *get((unit_id, day + one), ())]

    def training_days(self, employee_id: str) -> set[dt.date]:
        days: set[dt.date] = set()
        for t in self.trainings.get(employee_id, ()):
            length = self._skills[t.skill_code].course_days if t.skill_code in self._skills else 1
            days.update(t.day + dt.timedelta(days=i) for i in range(length))
        return days

    def trained_codes(self, employee_id: str, day: dt.date) -> frozenset[str]:
        """Codes the employee has gained by a planned course finished before ``day`` (and still valid)."""
        out: set[str] = set()
        for t in self.trainings.get(employee_id, ()):
            skill = self._skills.get(t.skill_code)
            length = skill.course_days if skill else 1
            first = t.day + dt.timedelta(days=length)
            last = first + dt.timedelta(days=skill.validity_days - 1) if skill and skill.validity_days else None
            if first <= day and (last is None or day <= last):
                out.add(t.skill_code)
        return frozenset(out)


def _holds_requirement(problem: Problem, employee: Employee, need: Need, gained: frozenset[str]) -> bool:
    """The person holds the need's own codes (the politiattest aside)."""
    day = need.day
    any_ok = not need.requirement.any_of or any(
        problem.holds_on(employee, c, day, gained) is not None for c in need.requirement.any_of
    )
    return any_ok and all(problem.holds_on(employee, c, day, gained) is not None for c in need.requirement.all_of)


def _rules(index: RosterIndex, employee: Employee) -> dict[type[Rule], Rule]:
    """The first rule of each type in the person's rule set that applies in the horizon (cached per rule set)."""
    found = index.rules_cache.get(employee.rule_set_id)
    if found is None:
        problem = index.problem
        last = problem.horizon_end - dt.timedelta(days=1)
        found = {}
        for r in problem.rule_set_of(employee).rules:
            if r.valid_from <= last and (r.valid_to is None or r.valid_to >= problem.horizon_start):
                found.setdefault(type(r), r)
        index.rules_cache[employee.rule_set_id] = found
    return found


def _first(rules: Mapping[type[Rule], Rule], kind: type[Rule]) -> Rule | None:
    return rules.get(kind)


def _longest_off(intervals: Iterable[tuple[int, int]], lo: int, hi: int) -> int:
    clipped = sorted((max(lo, s), min(hi, e)) for s, e in intervals if s < hi and e > lo)
    longest, cursor = 0, lo
    for s, e in clipped:
        longest = max(longest, s - cursor)
        cursor = max(cursor, e)
    return max(longest, hi - cursor)


def _mostly_overlaps(start: dt.datetime, end: dt.datetime, need: Need) -> bool:
    overlap = (min(end, need.end) - max(start, need.start)).total_seconds() // 60
    return overlap * 2 > need.minutes


def _week_days(problem: Problem, week: int) -> int:
    return min(7, problem.horizon_days - 7 * week)


def blocking_rule(
    index: RosterIndex,
    employee: Employee,
    need: Need,
    *,
    extra: frozenset[str] = frozenset(),
    relax: Relaxation = NO_RELAXATION,
    without: frozenset[str] = frozenset(),
    static_ok: bool = False,
) -> Block | None:
    """The first rule that forbids ``employee`` to take ``need`` on top of their roster in ``index``, or None.

    The tests are the checker's, applied to the roster plus this one shift, assuming the roster itself is lawful.

    Parameters
    ----------
    index
        The current plan's rosters.
    employee
        The person.
    need
        The shift.
    extra
        Qualification codes the person would hold (a course); codes from planned courses are added automatically.
    relax
        Rules relaxed (for "what would close it").
    without
        Need ids dropped from the person's roster first (what taking this shift would displace).
    static_ok
        The caller knows the roster-free tests (already assigned, qualification, restriction, absence) pass.
    """
    rules = _rules(index, employee)
    if not static_ok:
        block = _static_block(index, rules, employee, need, extra)
        if block is not None:
            return block
    return _roster_block(index, rules, employee, need, relax, without)


def _static_block(
    index: RosterIndex, rules: Mapping[type[Rule], Rule], employee: Employee, need: Need, extra: frozenset[str]
) -> Block | None:
    """The tests that do not depend on the person's other shifts."""
    problem = index.problem
    if employee.id in index.assigned.get(need.id, ()):
        return Block("assigned", None)
    qual = _first(rules, QualificationValid)
    gained = extra | index.trained_codes(employee.id, need.day)
    if qual is not None and problem.qualification_for(employee, need, gained) is None:
        if _holds_requirement(problem, employee, need, gained):
            return Block("politiattest", qual)
        return Block("qualification", qual)
    restriction = _first(rules, RestrictionRespected)
    if restriction is not None and problem.restriction_blocks(employee, need) is not None:
        return Block("restriction", restriction)
    availability = _first(rules, Availability)
    if availability is not None:
        if employee.absent(need.start, need.end):
            return Block("absence", availability)
        for d in index.training_days(employee.id):
            if need.start < dt.datetime.combine(d + dt.timedelta(days=1), dt.time()) and need.end > dt.datetime.combine(
                d, dt.time()
            ):
                return Block("absence", availability)
    return None


def _roster_block(
    index: RosterIndex,
    rules: Mapping[type[Rule], Rule],
    employee: Employee,
    need: Need,
    relax: Relaxation,
    without: frozenset[str],
) -> Block | None:
    """The tests against the person's roster: rest, hours, overtime, travel, own critical service, cohort."""
    problem = index.problem
    roster = index.roster(employee.id)
    if without:
        roster = [s for s in roster if s.need_id not in without]
    start, end, day, week = index.need_times(need)
    one = _first(rules, OneShiftAtATime)
    daily = _first(rules, DailyRest)
    rest = round(daily.min_hours * 60) if isinstance(daily, DailyRest) else 0
    per_day = need.minutes
    per_week = [0] * index.weeks
    per_week[week] = need.minutes
    for s in roster:
        per_week[s.week] += s.minutes
        if s.day == day:
            per_day += s.minutes
        if s.end <= start - rest or s.start >= end + rest:
            continue  # far enough away for both rules
        if s.start < end and start < s.end:
            if one is not None:
                return Block("one-shift", one)
            continue
        before = (s.start, s.end, s.need_id) <= (start, end, need.id)
        gap = start - s.end if before else s.start - end
        if daily is not None and 0 <= gap < rest:
            return Block("daily-rest", daily)
    max_day = _first(rules, MaxHoursPerDay)
    if isinstance(max_day, MaxHoursPerDay) and per_day > round(max_day.max_hours * 60):
        return Block("max-day", max_day)
    max_week = _first(rules, MaxHoursPerWeek)
    if isinstance(max_week, MaxHoursPerWeek) and per_week[week] > round(max_week.max_hours * 60):
        return Block("max-week", max_week)
    weekly = _first(rules, WeeklyRest)
    if isinstance(weekly, WeeklyRest):
        horizon_minutes = problem.horizon_days * MINUTES_PER_DAY
        intervals = [(s.start, s.end) for s in roster] + [(start, end)]
        for b in {start // MINUTES_PER_WEEK, (end - 1) // MINUTES_PER_WEEK}:
            lo = b * MINUTES_PER_WEEK
            hi = min(horizon_minutes, lo + MINUTES_PER_WEEK)
            if lo >= hi:
                continue
            if _longest_off(intervals, lo, hi) < min(round(weekly.min_hours * 60), hi - lo):
                return Block("weekly-rest", weekly)
    overtime_rule = _first(rules, OvertimeCaps)
    if isinstance(overtime_rule, OvertimeCaps):
        caps = (overtime_rule.per_week_hours, overtime_rule.per_4_weeks_hours, overtime_rule.per_year_hours)
        if relax.agreement_overtime:
            caps = tuple(max(a, b) for a, b in zip(caps, AGREEMENT_OVERTIME, strict=True))  # type: ignore[assignment]
        norm = round(employee.weekly_hours_norm * 60)
        overtime = [max(0, per_week[b] - norm * _week_days(problem, b) // 7) for b in range(index.weeks)]
        if overtime[week] > round(caps[0] * 60):
            return Block("overtime", overtime_rule)
        for first in range(max(1, index.weeks - 3)):
            if first <= week < first + 4 and sum(overtime[first : first + 4]) > round(caps[1] * 60):
                return Block("overtime", overtime_rule)
        if sum(overtime) > round(caps[2] * 60):
            return Block("overtime", overtime_rule)
    away = need.unit_id != employee.home_unit_id
    travel = _first(rules, MaxTravel)
    if away and isinstance(travel, MaxTravel):
        limit = min(employee.preferences.max_travel_km, travel.hard_limit_km)
        if math.ceil(problem.distance_km(employee.home_unit_id, need.unit_id) - limit - 1e-9) > 0:
            return Block("travel", travel)
    home_first = _first(rules, HomeCriticalFirst)
    if away and home_first is not None:
        for m in index.critical_needs_near(employee.home_unit_id, need.start.date()):
            if (
                (index.missing(m) > 0 or m.id in without)
                and _mostly_overlaps(need.start, need.end, m)
                and problem.qualification_for(employee, m) is not None
                and problem.restriction_blocks(employee, m) is None
                and not employee.absent(m.start, m.end)
            ):
                return Block("home-critical-first", home_first)
    cohort = _first(rules, Cohort)
    if isinstance(cohort, Cohort) and not relax.no_cohort:
        block = (day - problem.horizon_start).days // cohort.period_days
        units = {s.unit_id for s in roster if (s.day - problem.horizon_start).days // cohort.period_days == block}
        if units and need.unit_id not in units:
            return Block("cohort", cohort)
    return None


# --- training days -------------------------------------------------------------------------------------------------
def _requirement_skills(problem: Problem, need: Need) -> list[TrainableSkill]:
    """Courses whose code fills a code the need asks for."""
    codes = set(need.requirement.codes)
    return [s for s in problem.organisation.trainable if any(s.code in problem.satisfiers.get(c, ()) for c in codes)]


def course_day(
    index: RosterIndex,
    employee: Employee,
    skill: TrainableSkill,
    before: dt.date,
    taken: Mapping[tuple[str, dt.date], int],
) -> dt.date | None:
    """The latest day in the horizon, ending before ``before``, on which ``employee`` can take ``skill``'s course.

    The person must meet a prerequisite on the day, have no shift or absence on any course day, and the course
    must have a free place (``taken`` counts places booked per ``(skill, first day)``).
    """
    problem = index.problem
    if skill.prerequisites_any_of and not any(
        problem.holds_on(employee, p, problem.horizon_start) for p in skill.prerequisites_any_of
    ):
        return None
    busy = {s.day for s in index.roster(employee.id)} | {
        (dt.datetime.combine(index.problem.horizon_start, dt.time()) + dt.timedelta(minutes=s.end - 1)).date()
        for s in index.roster(employee.id)
    }
    busy |= index.training_days(employee.id)
    last_first = before - dt.timedelta(days=skill.course_days)
    day = last_first
    while day >= problem.horizon_start:
        days = [day + dt.timedelta(days=i) for i in range(skill.course_days)]
        free = all(
            d not in busy
            and not employee.absent(dt.datetime.combine(d, dt.time()), dt.datetime.combine(d, dt.time(23, 59)))
            for d in days
        )
        if free and taken.get((skill.code, day), 0) < skill.capacity_per_day:
            return day
        day -= dt.timedelta(days=1)
    return None


def trained_problem(problem: Problem, trainings: Iterable[Training]) -> Problem:
    """``problem`` with each training applied: the course days as an absence, the skill held afterwards."""
    skills = {s.code: s for s in problem.organisation.trainable}
    by_employee: dict[str, list[Training]] = defaultdict(list)
    for t in trainings:
        by_employee[t.employee_id].append(t)
    if not by_employee:
        return problem
    employees = []
    for e in problem.organisation.employees:
        courses = by_employee.get(e.id)
        if not courses:
            employees.append(e)
            continue
        absences = list(e.absences)
        held = {q.code: q for q in e.qualifications}
        for t in courses:
            skill = skills[t.skill_code]
            first = t.day + dt.timedelta(days=skill.course_days)
            absences.append(
                Absence(dt.datetime.combine(t.day, dt.time()), dt.datetime.combine(first, dt.time()), AbsenceKind.OTHER)
            )
            last = first + dt.timedelta(days=skill.validity_days - 1) if skill.validity_days else None
            if t.skill_code not in held or not held[t.skill_code].valid_on(first):
                held[t.skill_code] = HeldQualification(t.skill_code, first, last)
        employees.append(replace(e, absences=tuple(absences), qualifications=tuple(held.values())))
    organisation = replace(problem.organisation, employees=tuple(employees))
    return replace(problem, organisation=organisation)


# --- explanations of assignments ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AssignmentExplanation:
    """Why this person on this shift: a list of short reasons, each in both languages."""

    employee_id: str
    need_id: str
    reasons: tuple[tuple[str, str], ...]

    def text(self, lang: str = "nb") -> str:
        return "; ".join(r[_lang(lang)] for r in self.reasons)


def explain_assignment(
    problem: Problem, assignment: Assignment, trained: frozenset[str] = frozenset()
) -> AssignmentExplanation:
    """Why ``assignment``'s person: qualification used, home unit or loan (released, volunteer, distance), hours."""
    employee = problem.employee_by_id[assignment.employee_id]
    need = problem.need_by_id[assignment.need_id]
    reasons: list[tuple[str, str]] = []
    code = assignment.qualification_used or problem.qualification_for(employee, need, trained) or ""
    q = problem.qualification_by_code.get(code)
    if code in trained:
        reasons.append(
            (f"kurs i planen: {q.label_nb if q else code}", f"course in the plan: {q.label_en if q else code}")
        )
    elif q is not None:
        reasons.append((f"kvalifisert som {q.label_nb}", f"qualified as {q.label_en}"))
    elif code == "-":
        reasons.append(("oppgaven krever ingen fagutdanning", "the task needs no professional qualification"))
    home = problem.unit_by_id[employee.home_unit_id]
    host = problem.unit_by_id[need.unit_id]
    if need.unit_id == employee.home_unit_id:
        reasons.append(("egen enhet", "own unit"))
    else:
        if home.status_on(need.day).status is OpeningStatus.CLOSED:
            reasons.append((f"frigjort: {home.name} er stengt", f"released: {home.name} is closed"))
        elif home.capacity_on(need.day) < 100:
            reasons.append((f"frigjort: {home.name} har redusert drift", f"released: {home.name} runs reduced"))
        if host.kind.value in employee.preferences.willing_unit_kinds:
            reasons.append(("har meldt seg frivillig for denne typen enhet", "volunteered for this kind of unit"))
        km = problem.distance_km(employee.home_unit_id, need.unit_id)
        reasons.append((f"{km:.1f} km fra egen enhet".replace(".", ","), f"{km:.1f} km from own unit"))
    if employee.preferences.wants_more_hours and employee.position_pct < 100:
        reasons.append(
            (
                f"deltid ({employee.position_pct} %) og ønsker flere timer (AML § 14-3)",
                f"part-time ({employee.position_pct} %) and wants more hours (AML § 14-3)",
            )
        )
    return AssignmentExplanation(employee.id, need.id, tuple(reasons))


# --- explanations of unmet needs ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Blocker:
    """How many qualified-or-trainable people one rule removes from an unmet need."""

    kind: str
    rule: Rule | None
    people: int

    def text(self, lang: str = "nb") -> str:
        return f"{self.people}: {Block(self.kind, self.rule).text(lang)}"


@dataclass(frozen=True, slots=True)
class Fix:
    """One way to close (part of) an unmet need, with its cost in objective points.

    ``kind`` is ``assign`` (someone is free), ``lift-cohort``, ``train``, ``overtime`` or ``hire``; ``people`` are
    the persons it uses (empty for ``hire``); ``closes`` how many missing places it fills.
    """

    kind: str
    need_id: str
    closes: int
    cost: int
    people: tuple[str, ...] = ()
    skill: str = ""
    days: tuple[dt.date, ...] = ()

    def text(self, lang: str = "nb") -> str:
        nb = lang == "nb"
        n = self.closes
        if self.kind == "assign":
            return f"sett inn {n} ledig(e) person(er)" if nb else f"assign {n} free person(s)"
        if self.kind == "lift-cohort":
            return f"opphev kohortregelen for {n} person(er)" if nb else f"lift the cohort rule for {n} person(s)"
        if self.kind == "train":
            return f"lær opp {n} person(er) i {self.skill}" if nb else f"train {n} person(s) in {self.skill}"
        if self.kind == "overtime":
            return (
                f"tillat overtid etter avtale (AML § 10-6 (5)) for {n} person(er)"
                if nb
                else f"allow overtime by agreement (AML § 10-6 (5)) for {n} person(s)"
            )
        return f"leie inn {n} person(er) eksternt" if nb else f"hire {n} person(s) externally"


@dataclass(frozen=True, slots=True)
class UnmetExplanation:
    """Why an unmet need is open: who could fill it, which rule removes the rest, and what would close it."""

    need_id: str
    missing: int
    critical: bool
    candidates: int
    blockers: tuple[Blocker, ...]
    fixes: tuple[Fix, ...]
    reason_kind: str = field(default="shortage")

    def reason(self, lang: str = "nb") -> str:
        """The main reason in one phrase."""
        if self.reason_kind == "shortage":
            return _SHORTAGE[_lang(lang)]
        if self.reason_kind == "free":
            return _FREE[_lang(lang)]
        top = next(b for b in self.blockers if b.kind == self.reason_kind)
        return Block(top.kind, top.rule).text(lang)

    def text(self, lang: str = "nb") -> str:
        nb = lang == "nb"
        head = (
            f"{self.missing} mangler; {self.candidates} har eller kan få kvalifikasjonen"
            if nb
            else f"{self.missing} missing; {self.candidates} hold or could gain the qualification"
        )
        parts = [head, ("Hovedårsak: " if nb else "Main reason: ") + self.reason(lang)]
        if self.blockers:
            parts.append(("Utelukket: " if nb else "Excluded: ") + "; ".join(b.text(lang) for b in self.blockers))
        if self.fixes:
            parts.append(
                ("Det som ville hjulpet: " if nb else "What would help: ") + "; ".join(f.text(lang) for f in self.fixes)
            )
        return ". ".join(parts)


def _assignment_cost(problem: Problem, employee: Employee, need: Need, w: ObjectiveWeights) -> int:
    """A quick price of one shift in objective points: wage, and moving the person (weights of the objective)."""
    cost = w.cost_per_ore * employee.hourly_wage_nok * need.minutes * 100 // 60
    if need.unit_id != employee.home_unit_id:
        cost += w.moved_person + w.travel_per_km * math.floor(problem.distance_km(employee.home_unit_id, need.unit_id))
    return cost


def _pool(problem: Problem, need: Need) -> list[Employee]:
    codes: set[str] = set()
    for c in need.requirement.codes:
        codes |= problem.satisfiers.get(c, frozenset((c,)))
    skills = _requirement_skills(problem, need)
    everyone = not need.requirement.codes or any(not s.prerequisites_any_of for s in skills)
    if everyone:
        return list(problem.employees)
    for s in skills:
        codes |= set(s.prerequisites_any_of)
    return [e for e in problem.employees if any(q.code in codes for q in e.qualifications)]


def explain_unmet(
    index: RosterIndex,
    need: Need,
    *,
    weights: ObjectiveWeights | None = None,
    course_places: dict[tuple[str, dt.date], int] | None = None,
) -> UnmetExplanation:
    """Why ``need`` is (partly) open in ``index``'s plan and what would close it, fixes ranked by cost.

    Every person who holds a code that fills the need, or the prerequisite of a course that does, is tested with
    :func:`blocking_rule`; the first rule that removes each is counted.
    """
    problem = index.problem
    w = weights or ObjectiveWeights()
    missing = index.missing(need)
    critical = need.criticality is Criticality.CRITICAL
    counts: dict[str, int] = defaultdict(int)
    rule_of: dict[str, Rule | None] = {}
    free: list[tuple[int, str]] = []
    cohort: list[tuple[int, str]] = []
    overtime: list[tuple[int, str]] = []
    train: list[tuple[int, str, str, dt.date]] = []
    candidates = 0
    places = dict(course_places or {})
    skills = _requirement_skills(problem, need)
    for e in _pool(problem, need):
        block = blocking_rule(index, e, need)
        if block is not None and block.kind == "assigned":
            continue
        if block is None:
            candidates += 1
            free.append((_assignment_cost(problem, e, need, w), e.id))
            continue
        if block.kind in ("qualification", "politiattest"):
            option = None
            for skill in skills:
                if blocking_rule(index, e, need, extra=frozenset((skill.code,))) is None:
                    day = course_day(index, e, skill, need.day, places)
                    if day is not None:
                        cost = skill.cost_nok * 100 * w.cost_per_ore + _assignment_cost(problem, e, need, w)
                        option = (cost, e.id, skill.code, day)
                        # book the place, so that the people this fix names fit the course's capacity together
                        places[(skill.code, day)] = places.get((skill.code, day), 0) + 1
                        break
            if option is None and block.kind == "qualification":
                continue  # neither holds the qualification nor could gain it now: not a candidate
            if option is not None:
                train.append(option)
        candidates += 1
        counts[block.kind] += 1
        rule_of[block.kind] = block.rule
        if block.kind == "cohort":
            cohort.append((_assignment_cost(problem, e, need, w), e.id))
        elif (
            block.kind == "overtime"
            and blocking_rule(index, e, need, relax=Relaxation(agreement_overtime=True)) is None
        ):
            extra_cost = w.overtime_per_minute * need.minutes
            overtime.append((_assignment_cost(problem, e, need, w) + extra_cost, e.id))
    blockers = tuple(
        sorted(
            (Blocker(k, rule_of[k], n) for k, n in counts.items()),
            key=lambda b: (-b.people, BLOCK_ORDER.index(b.kind)),
        )
    )
    fixes: list[Fix] = []

    def people_fix(kind: str, options: list[tuple[int, str]]) -> None:
        chosen = sorted(options)[:missing]
        if chosen:
            fixes.append(Fix(kind, need.id, len(chosen), sum(c for c, _ in chosen), tuple(e for _, e in chosen)))

    people_fix("assign", free)
    people_fix("lift-cohort", cohort)
    people_fix("overtime", overtime)
    chosen_train = sorted(train)[:missing]
    if chosen_train:
        fixes.append(
            Fix(
                "train",
                need.id,
                len(chosen_train),
                sum(c for c, *_ in chosen_train),
                tuple(e for _, e, _, _ in chosen_train),
                skill=chosen_train[0][2],
                days=tuple(d for *_, d in chosen_train),
            )
        )
    # A stranger to the unit weighs like a person moved outside their sector, plus the agency's price.
    hire_each = (
        w.cost_per_ore * EXTERNAL_HOURLY_NOK * 100 * need.minutes // 60 + w.moved_person + w.outside_sector_person
    )
    fixes.append(Fix("hire", need.id, missing, hire_each * missing))
    # Fixes that close the whole gap first, cheapest first; then partial ones by cost per place.
    fixes.sort(key=lambda f: (f.closes < missing, f.cost / max(1, f.closes)))
    if free:
        reason = "free"
    elif blockers:
        reason = blockers[0].kind
    else:
        reason = "shortage"
    return UnmetExplanation(need.id, missing, critical, candidates, blockers, tuple(fixes), reason)


def explain_plan(
    problem: Problem, plan: Plan, *, weights: ObjectiveWeights | None = None
) -> tuple[list[AssignmentExplanation], list[UnmetExplanation]]:
    """Explanations for every assignment and every unmet need of ``plan``."""
    index = RosterIndex(problem, plan)
    assignments = [
        explain_assignment(problem, a, index.trained_codes(a.employee_id, a.start.date()))
        for a in plan.assignments
        if a.need_id in problem.need_by_id and a.employee_id in problem.employee_by_id
    ]
    unmet = [explain_unmet(index, n, weights=weights) for n in problem.needs if index.missing(n) > 0]
    return assignments, unmet


# --- applying a fix ------------------------------------------------------------------------------------------------
def _with_rule_set(problem: Problem, people: Iterable[str], suffix: str, rules: Mapping[str, RuleSet]) -> Problem:
    """Move ``people`` to a derived rule set (``<old>+<suffix>``) built by ``rules[old]``."""
    wanted = set(people)
    sets = {r.id: r for r in problem.organisation.rule_sets}
    employees = []
    for e in problem.organisation.employees:
        if e.id in wanted:
            new_id = f"{e.rule_set_id}+{suffix}"
            sets.setdefault(new_id, replace(rules[e.rule_set_id], id=new_id))
            e = replace(e, rule_set_id=new_id)
        employees.append(e)
    organisation = replace(problem.organisation, employees=tuple(employees), rule_sets=tuple(sets.values()))
    return replace(problem, organisation=organisation)


def apply_fix(problem: Problem, plan: Plan, fix: Fix) -> tuple[Problem, Plan]:
    """The problem and plan after ``fix``: its people on the need (trained, with agreed overtime, without the
    cohort rule, or a new external employee), so the independent checker can verify that it closes the gap."""
    need = problem.need_by_id[fix.need_id]
    people = list(fix.people)
    trainings = list(plan.trainings)
    if fix.kind == "train":
        trainings += [Training(e, fix.skill, d) for e, d in zip(people, fix.days, strict=True)]
        problem = trained_problem(problem, [Training(e, fix.skill, d) for e, d in zip(people, fix.days, strict=True)])
    elif fix.kind == "overtime":

        def raised(rs: RuleSet) -> RuleSet:
            rules = tuple(
                replace(
                    r,
                    per_week_hours=max(r.per_week_hours, AGREEMENT_OVERTIME[0]),
                    per_4_weeks_hours=max(r.per_4_weeks_hours, AGREEMENT_OVERTIME[1]),
                    per_year_hours=max(r.per_year_hours, AGREEMENT_OVERTIME[2]),
                    agreement="AML § 10-6 (5)",
                )
                if isinstance(r, OvertimeCaps)
                else r
                for r in rs.rules
            )
            return replace(rs, rules=rules)

        sets = {r.id: raised(r) for r in problem.organisation.rule_sets}
        problem = _with_rule_set(problem, people, "overtime", sets)
    elif fix.kind == "lift-cohort":
        sets = {
            r.id: replace(r, rules=tuple(x for x in r.rules if not isinstance(x, Cohort)))
            for r in problem.organisation.rule_sets
        }
        problem = _with_rule_set(problem, people, "no-cohort", sets)
    elif fix.kind == "hire":
        codes = tuple(dict.fromkeys((need.requirement.any_of[:1] or ()) + need.requirement.all_of))
        attest = problem.unit_by_id[need.unit_id].kind.required_politiattest
        held = tuple(HeldQualification(c) for c in (*codes, *([attest] if attest and attest not in codes else [])))
        home = problem.unit_by_id[need.unit_id]
        new = [
            Employee(
                id=f"ext-{need.id}-{i}",
                name=f"Innleid {i + 1}",
                home_unit_id=home.id,
                position_pct=100,
                qualifications=held,
                hourly_wage_nok=EXTERNAL_HOURLY_NOK,
                sector_id=home.sector_id,
            )
            for i in range(fix.closes)
        ]
        people = [e.id for e in new]
        organisation = replace(problem.organisation, employees=(*problem.organisation.employees, *new))
        problem = replace(problem, organisation=organisation)
    assignments = list(plan.assignments)
    for e in people:
        employee = problem.employee_by_id[e]
        used = problem.qualification_for(employee, need) or ""
        assignments.append(Assignment(e, need.id, need.unit_id, need.start, need.end, used))
    return problem, Plan.of(assignments, trainings)
