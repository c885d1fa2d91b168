"""The proven bound: valid (never above a plan's objective) and tight where headcount is the only limit."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ressursbank.domain.people import Absence
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.result import Result
from ressursbank.solver.bound import bound_with_coverage, coverage_upper_bounds, headcount_bound, priced_bound
from ressursbank.solver.compile import compile_problem
from tests.helpers_engine import HEALTH, MONDAY, NURSE, employee, need, problem, run


def test_two_places_one_nurse_one_unmet() -> None:
    """Two nurses needed at once, one nurse employed: at most one place filled, so one critical place unmet."""
    p = problem([employee("a")], [need("n", count=2)])
    c = compile_problem(p)
    assert coverage_upper_bounds(c) == (1, 1)
    bound, _, _ = bound_with_coverage(c)
    assert bound >= ObjectiveWeights().unmet_critical
    result = run(p)
    assert result.bound <= result.objective
    assert result.terms["unmet_critical"] == ObjectiveWeights().unmet_critical


def test_same_day_shifts_share_one_person() -> None:
    """Day and night on one day cannot both be worked by one person under 11 h rest: the per-day bound sees it."""
    p = problem([employee("a")], [need("d", 0, "day"), need("n", 0, "night")])
    assert coverage_upper_bounds(compile_problem(p)) == (1, 1)


def _optimal(p: Problem) -> Result:
    """The monolithic CP-SAT model solved to proven optimality (the test is void otherwise, so it fails)."""
    result = run(p, seconds=20.0, monolithic=True)
    assert result.statistics["monolithic"] == "OPTIMAL"
    return result


def test_part_timer_beyond_contract_is_priced() -> None:
    """A 50 % part-timer who must work 24 h: the flow bound charges the PositionNorm warning, and equals the optimum."""
    p = problem([employee("a", position_pct=50)], [need(f"d{d}", d) for d in (0, 2, 4)])
    c = compile_problem(p)
    priced = priced_bound(c)
    assert priced is not None
    assert priced > headcount_bound(c)[0]
    result = _optimal(p)
    assert result.terms["warnings"] > 0
    assert bound_with_coverage(c)[0] <= result.objective
    assert bound_with_coverage(c)[0] == result.objective


def test_forced_overtime_bound_above_headcount_bound() -> None:
    """A full-timer who must work 40 h: the bound also prices the overtime supplement, above the old bound."""
    p = problem([employee("a")], [need(f"d{d}", d) for d in range(5)])
    c = compile_problem(p)
    old = headcount_bound(c)[0]
    bound = bound_with_coverage(c)[0]
    assert bound > old
    result = _optimal(p)
    assert result.terms["overtime"] > 0
    assert old < bound <= result.objective


def _random_instance(seed: int) -> Problem:
    """A few people (part-timers, volunteers, an absence, a non-nurse) and day/evening/night needs over a week."""
    rng = random.Random(seed)
    people = []
    for i in range(rng.randint(2, 4)):
        absences: tuple[Absence, ...] = ()
        if rng.random() < 0.3:
            start = dt.datetime.combine(MONDAY + dt.timedelta(days=rng.randint(0, 5)), dt.time(0, 0))
            absences = (Absence(start, start + dt.timedelta(days=2)),)
        people.append(
            employee(
                f"e{i}",
                position_pct=rng.choice((40, 60, 80, 100)),
                wants_more_hours=rng.random() < 0.4,
                codes=(NURSE, HEALTH) if rng.random() < 0.8 else (HEALTH,),
                absences=absences,
                wage=rng.choice((250, 300, 400)),
            )
        )
    needs = [
        need(f"n{k}", rng.randint(0, 6), rng.choice(("day", "evening", "night")), critical=rng.random() < 0.5)
        for k in range(rng.randint(6, 11))
    ]
    return problem(people, needs)


@pytest.mark.parametrize("seed", range(6))
def test_bound_never_above_proven_optimum(seed: int) -> None:
    """On small random instances the bound is at most the proven optimum of the monolithic model."""
    p = _random_instance(seed)
    bound = bound_with_coverage(compile_problem(p))[0]
    assert bound <= _optimal(p).objective
