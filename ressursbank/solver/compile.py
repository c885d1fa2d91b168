"""Compile a :class:`Problem` once: ids and datetimes become dense integers, eligibility is computed once.

Eligibility ("may employee e fill need n, state aside") is the conjunction of qualification (with politiattest),
restriction flags, travel limit and absences. It is stored per *need class* (unit, requirement, COVID contact,
night, validity epoch) as one boolean row over all employees, plus, per need, the few employees absent during it.
Qualification is decided with :meth:`Problem.qualification_for` on one representative per distinct set of held
codes; restrictions with :meth:`Problem.restriction_blocks` for every restricted employee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ressursbank.checker.roster import (
    contract_minutes,
    full_time_minutes,
    horizon_origin,
    minutes_from,
    need_is_night,
    need_is_unsocial,
    overtime_ore_per_minute,
    rule_applies,
    supplements_ore,
    travel_km,
    week_count,
    week_days,
)
from ressursbank.domain.needs import Need
from ressursbank.domain.organisation import Criticality
from ressursbank.domain.people import Employee, RestrictionFlag
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import (
    Cohort,
    DailyRest,
    HomeCriticalFirst,
    MaxHoursPerDay,
    MaxHoursPerWeek,
    MaxTravel,
    ObjectiveWeights,
    OvertimeCaps,
    PositionNorm,
    RuleSet,
    SundayAlternation,
    WeeklyRest,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
BIG = 10**9


@dataclass(frozen=True, slots=True)
class RuleParams:
    """The parameters of one rule set, as integers the engine reads (minutes; ``BIG`` when a rule is absent)."""

    daily_rest: int
    weekly_rest: int
    max_day: int
    max_week: int
    overtime_week: int
    overtime_4_weeks: int
    overtime_year: int
    position_cost_per_hour: int  # 0 when extra hours are free
    position_hard: bool
    position_volunteers_free: bool
    sunday_cost: int
    sunday_hard: bool
    travel_limit_km: float  # the rule's hard limit; BIG when no travel rule
    travel_hard: bool
    travel_cost: int
    home_critical_first: bool
    cohort_days: int  # 0 when no cohort rule


def rule_params(rule_set: RuleSet, problem: Problem) -> RuleParams:
    """Read a rule set's records into :class:`RuleParams` (rules not valid in the horizon are left out)."""
    rules = [r for r in rule_set.rules if rule_applies(r, problem)]

    def first(kind: type) -> object | None:
        return next((r for r in rules if isinstance(r, kind)), None)

    daily = first(DailyRest)
    weekly = first(WeeklyRest)
    day = first(MaxHoursPerDay)
    week = first(MaxHoursPerWeek)
    ot = first(OvertimeCaps)
    pos = first(PositionNorm)
    sun = first(SundayAlternation)
    travel = first(MaxTravel)
    cohort = first(Cohort)
    assert daily is None or isinstance(daily, DailyRest)
    assert weekly is None or isinstance(weekly, WeeklyRest)
    assert day is None or isinstance(day, MaxHoursPerDay)
    assert week is None or isinstance(week, MaxHoursPerWeek)
    assert ot is None or isinstance(ot, OvertimeCaps)
    assert pos is None or isinstance(pos, PositionNorm)
    assert sun is None or isinstance(sun, SundayAlternation)
    assert travel is None or isinstance(travel, MaxTravel)
    assert cohort is None or isinstance(cohort, Cohort)
    return RuleParams(
        daily_rest=round(daily.min_hours * 60) if daily else 0,
        weekly_rest=round(weekly.min_hours * 60) if weekly else 0,
        max_day=round(day.max_hours * 60) if day else BIG,
        max_week=round(week.max_hours * 60) if week else BIG,
        overtime_week=round(ot.per_week_hours * 60) if ot else BIG,
        overtime_4_weeks=round(ot.per_4_weeks_hours * 60) if ot else BIG,
        overtime_year=round(ot.per_year_hours * 60) if ot else BIG,
        position_cost_per_hour=pos.cost if pos and not pos.is_hard else 0,
        position_hard=bool(pos and pos.is_hard),
        position_volunteers_free=bool(pos is None or pos.allow_extra_for_volunteers),
        sunday_cost=sun.cost if sun and not sun.is_hard else 0,
        sunday_hard=bool(sun and sun.is_hard),
        travel_limit_km=travel.hard_limit_km if travel else float(BIG),
        travel_hard=bool(travel and travel.is_hard),
        travel_cost=travel.cost if travel and not travel.is_hard else 0,
        home_critical_first=any(isinstance(r, HomeCriticalFirst) for r in rules),
        cohort_days=cohort.period_days if cohort else 0,
    )


@dataclass
class Compiled:
    """Dense integer view of a problem. Index ``e`` for employees, ``n`` for needs, ``u`` for units."""

    problem: Problem
    weights: ObjectiveWeights
    employees: tuple[Employee, ...]
    needs: tuple[Need, ...]
    unit_ids: tuple[str, ...]
    weeks: int
    week_days: tuple[int, ...]
    horizon_minutes: int
    # needs
    n_start: IntArray
    n_end: IntArray
    n_minutes: IntArray
    n_count: IntArray
    n_critical: BoolArray
    n_unit: IntArray
    n_day: IntArray
    n_week: IntArray
    n_sunday: IntArray  # index of the Sunday in ``sundays`` or -1
    n_night: BoolArray
    n_weekend: BoolArray
    n_unsocial: BoolArray
    n_class: IntArray
    n_supplement: npt.NDArray[np.int64]  # [rule set, need] øre
    sundays: tuple[int, ...]  # day indices of Sundays
    # employees
    e_home: IntArray
    e_sector: IntArray
    e_rule_set: IntArray
    e_wage: IntArray
    e_volunteer: BoolArray
    e_avoid_nights: BoolArray
    e_avoid_weekends: BoolArray
    e_travel_limit: npt.NDArray[np.float64]
    e_full: IntArray  # [e, week] full-time minutes
    e_contract: IntArray  # [e, week]
    e_overtime_ore: IntArray
    e_willing: list[frozenset[str]]
    rule_params: tuple[RuleParams, ...]
    # units
    u_sector: IntArray
    u_kind: tuple[str, ...]
    unit_km: IntArray  # [u, u] travel km (rounded)
    unit_distance: npt.NDArray[np.float64]
    # eligibility
    class_mask: BoolArray  # [class, e]
    class_needs: list[list[int]]
    need_absent: dict[int, IntArray] = field(default_factory=dict)
    need_index: dict[str, int] = field(default_factory=dict)
    employee_index: dict[str, int] = field(default_factory=dict)

    @property
    def n_employees(self) -> int:
        return len(self.employees)

    @property
    def n_needs(self) -> int:
        return len(self.needs)

    def eligible_mask(self, n: int) -> BoolArray:
        """Employees who may fill need ``n``, state aside (a fresh copy)."""
        mask: BoolArray = self.class_mask[self.n_class[n]].copy()
        absent = self.need_absent.get(n)
        if absent is not None:
            mask[absent] = False
        return mask

    def is_eligible(self, e: int, n: int) -> bool:
        if not self.class_mask[self.n_class[n], e]:
            return False
        absent = self.need_absent.get(n)
        return absent is None or e not in set(absent.tolist())


def compile_problem(problem: Problem, weights: ObjectiveWeights | None = None) -> Compiled:
    """Compile ``problem`` (see the module docstring)."""
    w = weights or ObjectiveWeights()
    origin = horizon_origin(problem)
    employees = problem.employees
    needs = tuple(sorted(problem.needs, key=lambda n: (n.start, -int(n.criticality), n.id)))
    units = problem.units
    unit_ids = tuple(u.id for u in units)
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    sectors = sorted({u.sector_id for u in units})
    sector_index = {s: i for i, s in enumerate(sectors)}
    rule_sets = problem.organisation.rule_sets
    rule_set_index = {r.id: i for i, r in enumerate(rule_sets)}
    params = tuple(rule_params(rs, problem) for rs in rule_sets)
    weeks = week_count(problem)
    days_per_week = tuple(week_days(problem, b) for b in range(weeks))
    sundays = tuple(d for d in range(problem.horizon_days) if (problem.horizon_start + dt.timedelta(d)).weekday() == 6)
    sunday_of_day = {d: i for i, d in enumerate(sundays)}

    start_day = np.array([(n.start.date() - problem.horizon_start).days for n in needs], dtype=np.int64)
    n_unit = np.array([unit_index[n.unit_id] for n in needs], dtype=np.int64)
    # units: distances
    n_units = len(units)
    distance = np.zeros((n_units, n_units), dtype=np.float64)
    for i, a in enumerate(unit_ids):
        for j in range(i + 1, n_units):
            d = problem.distance_km(a, unit_ids[j])
            distance[i, j] = distance[j, i] = d
    unit_km = np.vectorize(travel_km, otypes=[np.int64])(distance) if n_units else np.zeros((0, 0), dtype=np.int64)

    e_home = np.array([unit_index[e.home_unit_id] for e in employees], dtype=np.int64)
    e_rule_set = np.array([rule_set_index[e.rule_set_id] for e in employees], dtype=np.int64)
    e_travel_limit = np.array(
        [min(e.preferences.max_travel_km, params[rule_set_index[e.rule_set_id]].travel_limit_km) for e in employees],
        dtype=np.float64,
    )

    # --- eligibility by need class -----------------------------------------------------------------------------
    boundaries = sorted(
        {
            d
            for e in employees
            for d in [q.valid_from for q in e.qualifications]
            + [q.valid_to + dt.timedelta(days=1) for q in e.qualifications if q.valid_to is not None]
            + [r.valid_from for r in e.restrictions]
            + [r.valid_to + dt.timedelta(days=1) for r in e.restrictions if r.valid_to is not None]
            if d is not None and problem.horizon_start < d < problem.horizon_end
        }
    )

    def epoch(day: dt.date) -> int:
        return sum(1 for b in boundaries if b <= day)

    class_key_index: dict[tuple[object, ...], int] = {}
    class_rep: list[Need] = []
    n_class = np.zeros(len(needs), dtype=np.int64)
    class_needs: list[list[int]] = []
    for i, n in enumerate(needs):
        key = (n.unit_id, n.requirement, n.covid_contact, need_is_night(problem, n), epoch(n.day))
        c = class_key_index.get(key)
        if c is None:
            c = class_key_index[key] = len(class_rep)
            class_rep.append(n)
            class_needs.append([])
        n_class[i] = c
        class_needs[c].append(i)

    restricted = {i: {r.flag for r in e.restrictions} for i, e in enumerate(employees) if e.restrictions}
    # a travel warning (not a hard rule) keeps people beyond the limit eligible, at a cost
    soft_travel = np.array([not params[r].travel_hard for r in e_rule_set], dtype=np.bool_)
    class_mask = np.zeros((len(class_rep), len(employees)), dtype=np.bool_)
    qual_cache: dict[tuple[object, ...], BoolArray] = {}
    for c, rep in enumerate(class_rep):
        attest = problem.unit_by_id[rep.unit_id].kind.required_politiattest
        qkey = (rep.requirement, attest, epoch(rep.day))
        qual = qual_cache.get(qkey)
        if qual is None:
            qual = _qualified(problem, employees, rep)
            qual_cache[qkey] = qual
        u = unit_index[rep.unit_id]
        mask = qual & (distance[e_home, u] <= e_travel_limit + 1e-9)
        mask |= qual & soft_travel
        # only flags that can bite this class need a look (covid contact, nights, working away from home)
        is_night = need_is_night(problem, rep)
        for i in restricted:
            if not mask[i]:
                continue
            flags = restricted[i]
            could = (
                (rep.covid_contact and RestrictionFlag.NO_COVID_CONTACT in flags)
                or (is_night and RestrictionFlag.NO_NIGHTS in flags)
                or (RestrictionFlag.NO_REDEPLOYMENT in flags and e_home[i] != u)
            )
            if could and problem.restriction_blocks(employees[i], rep) is not None:
                mask[i] = False
        class_mask[c] = mask

    n_start = np.array([minutes_from(origin, n.start) for n in needs], dtype=np.int64)
    n_end = np.array([minutes_from(origin, n.end) for n in needs], dtype=np.int64)
    absent_lists: dict[int, list[int]] = {}
    longest = int((n_end - n_start).max()) if len(needs) else 0
    for i, e in enumerate(employees):
        for absence in e.absences:
            lo = minutes_from(origin, absence.start)
            hi = minutes_from(origin, absence.end)
            first = int(np.searchsorted(n_start, lo - longest, side="left"))
            last = int(np.searchsorted(n_start, hi, side="left"))
            for k in range(first, last):
                if n_end[k] > lo and n_start[k] < hi:
                    bucket = absent_lists.setdefault(k, [])
                    if not bucket or bucket[-1] != i:
                        bucket.append(i)
    need_absent = {n: np.array(sorted(set(v)), dtype=np.int64) for n, v in absent_lists.items()}

    return Compiled(
        problem=problem,
        weights=w,
        employees=employees,
        needs=needs,
        unit_ids=unit_ids,
        weeks=weeks,
        week_days=days_per_week,
        horizon_minutes=problem.horizon_days * 1440,
        n_start=n_start,
        n_end=n_end,
        n_minutes=np.array([n.minutes for n in needs], dtype=np.int64),
        n_count=np.array([n.count for n in needs], dtype=np.int64),
        n_critical=np.array([n.criticality is Criticality.CRITICAL for n in needs], dtype=np.bool_),
        n_unit=n_unit,
        n_day=start_day,
        n_week=start_day // 7,
        n_sunday=np.array([sunday_of_day.get(int(d), -1) for d in start_day], dtype=np.int64),
        n_night=np.array([need_is_night(problem, n) for n in needs], dtype=np.bool_),
        n_weekend=np.array([n.start.weekday() >= 5 for n in needs], dtype=np.bool_),
        n_unsocial=np.array([need_is_unsocial(problem, n) for n in needs], dtype=np.bool_),
        n_class=n_class,
        n_supplement=np.array([[supplements_ore(rs, n) for n in needs] for rs in rule_sets], dtype=np.int64).reshape(
            len(rule_sets), len(needs)
        ),
        sundays=sundays,
        e_home=e_home,
        e_sector=np.array(
            [sector_index[problem.unit_by_id[e.home_unit_id].sector_id] for e in employees], dtype=np.int64
        ),
        e_rule_set=e_rule_set,
        e_wage=np.array([e.hourly_wage_nok for e in employees], dtype=np.int64),
        e_volunteer=np.array([e.preferences.wants_more_hours for e in employees], dtype=np.bool_),
        e_avoid_nights=np.array([e.preferences.avoid_nights for e in employees], dtype=np.bool_),
        e_avoid_weekends=np.array([e.preferences.avoid_weekends for e in employees], dtype=np.bool_),
        e_travel_limit=e_travel_limit,
        e_full=np.array([[full_time_minutes(e, d) for d in days_per_week] for e in employees], dtype=np.int64).reshape(
            len(employees), weeks
        ),
        e_contract=np.array(
            [[contract_minutes(e, d) for d in days_per_week] for e in employees], dtype=np.int64
        ).reshape(len(employees), weeks),
        e_overtime_ore=np.array(
            [overtime_ore_per_minute(problem.rule_set_of(e), e) for e in employees], dtype=np.int64
        ),
        e_willing=[frozenset(e.preferences.willing_unit_kinds) for e in employees],
        rule_params=params,
        u_sector=np.array([sector_index[u.sector_id] for u in units], dtype=np.int64),
        u_kind=tuple(u.kind.value for u in units),
        unit_km=unit_km,
        unit_distance=distance,
        class_mask=class_mask,
        class_needs=class_needs,
        need_absent=need_absent,
        need_index={n.id: i for i, n in enumerate(needs)},
        employee_index={e.id: i for i, e in enumerate(employees)},
    )


def _qualified(problem: Problem, employees: tuple[Employee, ...], rep: Need) -> BoolArray:
    """Qualification row for a representative need: one ``qualification_for`` call per distinct set of codes."""
    by_codes: dict[frozenset[str], bool] = {}
    row = np.zeros(len(employees), dtype=np.bool_)
    for i, e in enumerate(employees):
        codes = frozenset(q.code for q in e.qualifications if q.valid_on(rep.day))
        ok = by_codes.get(codes)
        if ok is None:
            ok = by_codes[codes] = problem.qualification_for(e, rep) is not None
        row[i] = ok
    return row
