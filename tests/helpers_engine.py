"""Small hand-built planning instances for the engine and checker tests.

Two units 5 km apart (a nursing home ``home`` and a corona clinic ``host``) and a third one 30 km away (``far``);
day, evening and night shifts; every employee a nurse with the health politiattest unless told otherwise. The
horizon starts on Monday 2020-03-16.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import replace

from ressursbank.domain.needs import Need, QualificationRequirement, ShiftType
from ressursbank.domain.organisation import Area, Criticality, Location, Sector, Unit, UnitKind
from ressursbank.domain.people import Absence, Employee, HeldQualification, Preferences, Restriction
from ressursbank.domain.plan import Assignment, Plan
from ressursbank.domain.problem import Organisation, Problem
from ressursbank.domain.rules import Rule, RuleSet, aml_default_rules, ks_supplements
from ressursbank.result import Result
from ressursbank.solve import SolveParams, solve
from ressursbank.solver.compile import Compiled, compile_problem
from ressursbank.solver.local_search import LocalSearch
from ressursbank.solver.objective import evaluate

MONDAY = dt.date(2020, 3, 16)
NURSE = "aut.sykepleier"
HEALTH = "pa.helse"
AIDE = "aut.helsefagarbeider"  # nurses hold it implicitly; an aide holds only it
SHIFTS = (
    ShiftType("day", "Dag", "Day", dt.time(7, 0), 480),
    ShiftType("evening", "Kveld", "Evening", dt.time(14, 30), 450),
    ShiftType("night", "Natt", "Night", dt.time(21, 45), 570),
    ShiftType("long", "Lang", "Long", dt.time(7, 0), 840),
    ShiftType("twelve", "Tolv", "Twelve", dt.time(7, 0), 720),
)
HOME = Location(59.8300, 10.4300)
UNITS = (
    Unit("home", "Sykehjemmet", UnitKind.NURSING_HOME, "helse", "asker", HOME),
    Unit("host", "Koronaklinikken", UnitKind.CORONA_CLINIC, "helse", "asker", Location(59.8300, 10.4300 + 0.0615)),
    Unit("far", "Fjernt sykehjem", UnitKind.NURSING_HOME, "helse", "asker", Location(59.8300 + 0.2075, 10.4300)),
    Unit("school", "Skolen", UnitKind.SCHOOL, "skole", "asker", Location(59.8300, 10.4300 + 0.0200)),
)


def employee(
    ident: str,
    home: str = "home",
    *,
    codes: Sequence[str] = (NURSE, HEALTH),
    position_pct: int = 100,
    norm: float = 37.5,
    wants_more_hours: bool = False,
    max_travel_km: float = 25.0,
    willing: Sequence[str] = ("corona_clinic", "nursing_home"),
    absences: Sequence[Absence] = (),
    restrictions: Sequence[Restriction] = (),
    wage: int = 300,
) -> Employee:
    return Employee(
        id=ident,
        name=f"Person {ident}",
        home_unit_id=home,
        position_pct=position_pct,
        weekly_hours_norm=norm,
        qualifications=tuple(HeldQualification(c) for c in codes),
        absences=tuple(absences),
        restrictions=tuple(restrictions),
        preferences=Preferences(
            willing_unit_kinds=frozenset(willing), max_travel_km=max_travel_km, wants_more_hours=wants_more_hours
        ),
        hourly_wage_nok=wage,
        sector_id="helse",
    )


def need(
    ident: str,
    day: int = 0,
    shift: str = "day",
    *,
    unit: str = "home",
    count: int = 1,
    critical: bool = True,
    codes: Sequence[str] = (NURSE,),
    covid_contact: bool = False,
) -> Need:
    kind = next(s for s in SHIFTS if s.id == shift)
    start, end = kind.interval_on(MONDAY + dt.timedelta(days=day))
    return Need(
        id=ident,
        unit_id=unit,
        day=MONDAY + dt.timedelta(days=day),
        shift_type_id=shift,
        start=start,
        end=end,
        requirement=QualificationRequirement(any_of=tuple(codes)),
        count=count,
        criticality=Criticality.CRITICAL if critical else Criticality.NORMAL,
        covid_contact=covid_contact,
    )


def rules(*replacing: Rule, dropping: Sequence[type] = ()) -> tuple[Rule, ...]:
    """The AML default rules with records replaced by id (and whole types dropped)."""
    by_id = {r.id: r for r in replacing}
    out = [by_id.pop(r.id, r) for r in aml_default_rules() if not isinstance(r, tuple(dropping))]
    return (*out, *by_id.values())


def problem(
    employees: Sequence[Employee], needs: Sequence[Need], *, rule_list: Sequence[Rule] | None = None, days: int = 7
) -> Problem:
    rule_set = RuleSet(
        id="aml-default",
        label_nb="Test",
        label_en="Test",
        rules=tuple(rule_list) if rule_list is not None else aml_default_rules(),
        supplements=ks_supplements(),
    )
    org = Organisation(
        areas=(Area("asker", "Asker"),),
        sectors=(Sector("helse", "Helse", "Health"), Sector("skole", "Skole", "Schools")),
        units=UNITS,
        employees=tuple(employees),
        shift_types=SHIFTS,
        rule_sets=(rule_set,),
    )
    return Problem(organisation=org, horizon_start=MONDAY, horizon_days=days, needs=tuple(needs))


def run(p: Problem, *, seconds: float = 1.0, **overrides: object) -> Result:
    """Solve with a short budget on one process (deterministic)."""
    return solve(p, SolveParams.preset("fast", time_limit_s=seconds, processes=1, **overrides))


def plan_of(p: Problem, *pairs: tuple[str, str]) -> Plan:
    """A hand-made plan from ``(employee_id, need_id)`` pairs."""
    needs = p.need_by_id
    return Plan.of(Assignment(e, n, needs[n].unit_id, needs[n].start, needs[n].end, NURSE) for e, n in pairs)


def with_employee(p: Problem, e: Employee) -> Problem:
    org = replace(p.organisation, employees=(*p.organisation.employees, e))
    return replace(p, organisation=org)


def random_employee(rng: random.Random, name: str, *, home: str, absences: tuple[Absence, ...]) -> Employee:
    """A random person for the bound tests' small instances: position, wish for more hours, nurse or not, unit kinds
    volunteered for, wage (drawn in that order, so an instance stays the same for a seed)."""
    return employee(
        name,
        home=home,
        position_pct=rng.choice((40, 60, 75, 100)),
        wants_more_hours=rng.random() < 0.3,
        codes=(NURSE, HEALTH) if rng.random() < 0.8 else (HEALTH,),
        willing=rng.choice(((), ("corona_clinic",), ("nursing_home",), ("corona_clinic", "nursing_home"))),
        absences=absences,
        wage=rng.choice((250, 300, 400)),
    )


def random_need(rng: random.Random, name: str, day: int, kinds: Sequence[str]) -> Need:
    """A random need on ``day`` for the bound tests: shift kind, unit (home, host or far), critical or not, one or
    two people."""
    return need(
        name,
        day,
        rng.choice(kinds),
        unit=rng.choice(("home", "host", "far")),
        critical=rng.random() < 0.5,
        count=rng.choice((1, 1, 2)),
    )


def local_search_of(p: Problem, pairs: dict[str, list[str]]) -> tuple[Compiled, LocalSearch, int]:
    """The compiled problem, a local search started from ``pairs`` (need id -> employee ids) and its objective."""
    c = compile_problem(p)
    by_need: list[list[int]] = [[] for _ in range(c.n_needs)]
    for need_id, people in pairs.items():
        by_need[c.need_index[need_id]] = [c.employee_index[e] for e in people]
    before = sum(evaluate(c, by_need).values())
    return c, LocalSearch(c, by_need, pins=set(), hint=None), before


def holders(c: Compiled, search: LocalSearch, need_id: str) -> list[str]:
    """The ids of the people the search has on ``need_id``, sorted."""
    return sorted(c.employees[e].id for e in search.by_need[c.need_index[need_id]])
