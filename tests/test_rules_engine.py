"""Every rule type: trivially feasible, forced violation infeasible (left unmet), allowed assignment feasible;
exact penalties for the warnings; the checker flags a hand-made plan that breaks the rule."""

from __future__ import annotations

import datetime as dt

from ressursbank.checker import check_plan
from ressursbank.domain.people import Absence, Restriction, RestrictionFlag
from ressursbank.domain.plan import Pin
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import (
    Cohort,
    DailyRest,
    HomeCriticalFirst,
    MaxHoursPerWeek,
    MaxTravel,
    OvertimeCaps,
    PositionNorm,
    Severity,
    SundayAlternation,
    WeeklyRest,
)
from ressursbank.solve import SolveParams, solve
from tests.helpers_engine import MONDAY, employee, need, plan_of, problem, rules, run


def covered(p: Problem) -> int:
    """Solve, check with the checker (no hard violation, same objective) and count the assignments."""
    result = run(p)
    report = check_plan(p, result.plan, weights=None)
    assert report.objective == result.objective
    assert not report.hard_violations
    return len(result.plan.assignments)


def rule_ids(p: Problem, *pairs: tuple[str, str]) -> set[str]:
    """The rule types the checker finds broken in a hand-made plan."""
    return {v.rule_type for v in check_plan(p, plan_of(p, *pairs)).violations}


def test_trivially_feasible() -> None:
    """One qualified nurse and one day shift: the shift is covered and nothing is violated."""
    p = problem([employee("a")], [need("n")])
    assert covered(p) == 1


def test_qualification_triad() -> None:
    """An unqualified person is never assigned; the checker flags it; a qualified one is."""
    p = problem([employee("a", codes=("aut.helsefagarbeider", "pa.helse"))], [need("n")])
    assert covered(p) == 0
    assert "QualificationValid" in rule_ids(p, ("a", "n"))
    assert covered(problem([employee("a")], [need("n")])) == 1


def test_politiattest_of_host_kind() -> None:
    """A nurse without the health politiattest cannot work in a nursing home."""
    p = problem([employee("a", codes=("aut.sykepleier",))], [need("n")])
    assert covered(p) == 0
    assert "QualificationValid" in rule_ids(p, ("a", "n"))


def test_availability_triad() -> None:
    """An absent person is not assigned during the absence, but is the day after."""
    absent = Absence(dt.datetime(2020, 3, 16), dt.datetime(2020, 3, 17))
    p = problem([employee("a", absences=[absent])], [need("n0", 0), need("n1", 1)])
    result = run(p)
    assert {a.need_id for a in result.plan.assignments} == {"n1"}
    assert "Availability" in rule_ids(p, ("a", "n0"))


def test_restriction_triad() -> None:
    """No COVID contact for a flagged person; other tasks are fine."""
    flag = Restriction(RestrictionFlag.NO_COVID_CONTACT, MONDAY)
    p = problem([employee("a", restrictions=[flag])], [need("c", 0, covid_contact=True), need("n", 1)])
    assert {a.need_id for a in run(p).plan.assignments} == {"n"}
    assert "RestrictionRespected" in rule_ids(p, ("a", "c"))


def test_one_shift_at_a_time() -> None:
    """Overlapping day and evening shifts: one person takes only one; the checker flags both."""
    p = problem([employee("a")], [need("d", 0, "day"), need("e", 0, "evening")])
    assert covered(p) == 1
    assert "OneShiftAtATime" in rule_ids(p, ("a", "d"), ("a", "e"))


def test_daily_rest_triad() -> None:
    """Evening then next morning leaves 9 h: not both; a 9 h floor by agreement allows both."""
    needs = [need("e", 0, "evening"), need("d", 1, "day")]
    p = problem([employee("a")], needs)
    assert covered(p) == 1
    assert "DailyRest" in rule_ids(p, ("a", "e"), ("a", "d"))
    relaxed = DailyRest(id="daily-rest", label_nb="x", label_en="x", citation="x", min_hours=9.0, agreement="T")
    assert covered(problem([employee("a")], needs, rule_list=rules(relaxed))) == 2


def test_weekly_rest_triad() -> None:
    """Monday to Saturday in a row leaves 33 h: flagged under 35 h, allowed under a 28 h agreement."""
    needs = [need(f"d{i}", i) for i in range(7)]
    p = problem([employee("a", norm=40.0)], needs)
    assert covered(p) == 6  # one day off mid-week gives 40 h
    in_a_row = [("a", f"d{i}") for i in range(6)]
    assert "WeeklyRest" in rule_ids(p, *in_a_row)
    relaxed = WeeklyRest(id="weekly-rest", label_nb="x", label_en="x", citation="x", min_hours=28.0, agreement="T")
    assert "WeeklyRest" not in rule_ids(problem([employee("a", norm=40.0)], needs, rule_list=rules(relaxed)), *in_a_row)


def test_max_hours_per_day_triad() -> None:
    """A 14 h shift breaks the 13 h cap; a 12 h shift does not."""
    p = problem([employee("a")], [need("l", 0, "long")])
    assert covered(p) == 0
    assert "MaxHoursPerDay" in rule_ids(p, ("a", "l"))
    assert covered(problem([employee("a")], [need("t", 0, "twelve")])) == 1


def test_max_hours_per_week_triad() -> None:
    """A 24 h week cap allows three 8 h shifts of four."""
    cap = MaxHoursPerWeek(id="max-week", label_nb="x", label_en="x", citation="x", max_hours=24.0)
    needs = [need(f"d{i}", i) for i in range(4)]
    p = problem([employee("a")], needs, rule_list=rules(cap))
    assert covered(p) == 3
    assert "MaxHoursPerWeek" in rule_ids(p, *[("a", f"d{i}") for i in range(4)])


def test_overtime_caps_triad() -> None:
    """No overtime allowed: a 37.5 h full-timer takes four 8 h shifts, not five."""
    cap = OvertimeCaps(id="overtime", label_nb="x", label_en="x", citation="x", per_week_hours=0.0)
    needs = [need(f"d{i}", i) for i in range(5)]
    p = problem([employee("a")], needs, rule_list=rules(cap))
    assert covered(p) == 4
    assert "OvertimeCaps" in rule_ids(p, *[("a", f"d{i}") for i in range(5)])
    assert covered(problem([employee("a")], needs)) == 5


def test_position_norm_exact_penalty() -> None:
    """A 50 % non-volunteer working 24 h in a week costs cost * 315 min // 60 (18.75 h contract)."""
    p = problem([employee("a", position_pct=50)], [need(f"d{i}", i) for i in range(3)])
    report = check_plan(p, plan_of(p, ("a", "d0"), ("a", "d1"), ("a", "d2")))
    cost = next(r for r in rules() if isinstance(r, PositionNorm)).cost
    assert [v.penalty for v in report.warnings if v.rule_type == "PositionNorm"] == [cost * 315 // 60]
    assert report.terms["warnings"] == cost * 315 // 60


def test_position_norm_hard_triad() -> None:
    """As a hard rule, a 50 % non-volunteer works at most the position; a volunteer may work more."""
    hard = PositionNorm(id="position", label_nb="x", label_en="x", citation="x")
    needs = [need(f"d{i}", i) for i in range(3)]
    assert covered(problem([employee("a", position_pct=50)], needs, rule_list=rules(hard))) == 2
    volunteer = employee("a", position_pct=50, wants_more_hours=True)
    assert covered(problem([volunteer], needs, rule_list=rules(hard))) == 3


def test_sunday_alternation_exact_penalty_and_hard() -> None:
    """Two Sundays in a row cost the rule's cost once; as a hard rule only one of them is worked."""
    needs = [need("s1", 6), need("s2", 13)]
    p = problem([employee("a")], needs, days=14)
    report = check_plan(p, plan_of(p, ("a", "s1"), ("a", "s2")))
    cost = next(r for r in rules() if isinstance(r, SundayAlternation)).cost
    assert report.terms["warnings"] == cost
    hard = SundayAlternation(id="sunday", label_nb="x", label_en="x", citation="x")
    assert covered(problem([employee("a")], needs, rule_list=rules(hard), days=14)) == 1


def test_max_travel_triad() -> None:
    """A unit 30 km away is beyond a 25 km preference; 4.5 km is fine; as a warning it costs per km."""
    far = problem([employee("a")], [need("f", unit="far")])
    assert covered(far) == 0
    assert "MaxTravel" in rule_ids(far, ("a", "f"))
    assert covered(problem([employee("a")], [need("h", unit="host")])) == 1
    soft = MaxTravel(id="travel", label_nb="x", label_en="x", citation="x", severity=Severity.WARNING, cost=1000)
    p = problem([employee("a")], [need("f", unit="far")], rule_list=rules(soft))
    report = check_plan(p, plan_of(p, ("a", "f")))
    assert report.terms["warnings"] == 1000 * 5  # 29.99 km against a 25 km limit: 5 km beyond


def test_home_critical_first_triad() -> None:
    """Home's critical shift is covered before its nurse is lent; lending while it is open is flagged."""
    p = problem([employee("a")], [need("home", unit="home"), need("clinic", unit="host")])
    result = run(p)
    assert {a.need_id for a in result.plan.assignments} == {"home"}
    assert "HomeCriticalFirst" in rule_ids(p, ("a", "clinic"))
    assert not any(isinstance(r, HomeCriticalFirst) for r in rules(dropping=(HomeCriticalFirst,)))


def test_cohort_triad() -> None:
    """With a 7-day cohort rule a person works at one unit only; without it, at both."""
    needs = [need("h", 0, unit="home"), need("c", 1, unit="host")]
    cohort = Cohort(id="cohort", label_nb="x", label_en="x", citation="x", period_days=7)
    p = problem([employee("a")], needs, rule_list=rules(cohort))
    assert covered(p) == 1
    assert "Cohort" in rule_ids(p, ("a", "h"), ("a", "c"))
    assert covered(problem([employee("a")], needs)) == 2


def test_part_timer_first() -> None:
    """Named instance "part-timer first": with everyone at home at their contract hours, an open home shift goes
    to the part-timer who wants more hours, not to the full-timer (overtime), the reluctant part-timer (unwanted
    extra hours) or a nurse from a unit 30 km away (a move)."""
    people = [
        employee("full"),
        employee("part", position_pct=50, wants_more_hours=True),
        employee("reluctant", position_pct=50),
        employee("far", home="far", max_travel_km=40.0),
    ]
    needs = [need("b0", 0, count=3), need("b1", 1, count=3), need("b2", 2), need("b3", 3), need("extra", 4)]
    p = problem(people, needs)
    pins = [Pin(e, n) for e in ("full", "part", "reluctant") for n in ("b0", "b1")]
    pins += [Pin("full", "b2"), Pin("full", "b3")]
    result = solve(p, SolveParams.preset("fast", time_limit_s=1.0, processes=1), pins=pins)
    who = {a.employee_id for a in result.plan.assignments if a.need_id == "extra"}
    assert who == {"part"}
    assert check_plan(p, result.plan).objective == result.objective


def test_objective_weights_refuse_negative_values() -> None:
    """ObjectiveWeights is a validated record: a negative weight is refused with its name."""
    import pytest

    from ressursbank.domain.rules import ObjectiveWeights
    from ressursbank.exceptions import DomainError

    with pytest.raises(DomainError, match="overtime_per_minute"):
        ObjectiveWeights(overtime_per_minute=-1)
    assert ObjectiveWeights().unmet_critical > ObjectiveWeights().unmet_other > ObjectiveWeights().overtime_per_minute
