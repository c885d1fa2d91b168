"""The whole-shift bound prices unwanted shifts (solver/bound_shifts.py): a host kind the person did not volunteer
for, a night for someone avoiding nights, a weekend for someone avoiding weekends. Never above a proven optimum."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from ressursbank.domain.needs import Need
from ressursbank.domain.people import Absence, Employee
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.result import Result
from ressursbank.solver.bound_shifts import shift_flow_bound
from ressursbank.solver.compile import compile_problem
from tests.helpers_engine import HEALTH, MONDAY, NURSE, employee, need, problem, random_employee, random_need, run

UNWANTED = ObjectiveWeights().unwanted_shift


def _optimal(p: Problem) -> Result:
    """The monolithic CP-SAT model solved to proven optimality (the test is void otherwise, so it fails)."""
    result = run(p, seconds=30.0, monolithic=True)
    assert result.statistics["monolithic"] == "OPTIMAL"
    return result


def _avoiding(e: Employee, *, nights: bool = False, weekends: bool = False) -> Employee:
    return replace(e, preferences=replace(e.preferences, avoid_nights=nights, avoid_weekends=weekends))


def _bound_without_preferences(p: Problem) -> int:
    bound = shift_flow_bound(compile_problem(p, replace(ObjectiveWeights(), unwanted_shift=0)))
    assert bound is not None
    return bound


@pytest.mark.parametrize(
    ("avoids", "needs"),
    [
        # two nights at home and one nurse, who avoids nights: both nights are unwanted
        ({"nights": True}, [need(f"n{d}", d, "night") for d in (0, 2)]),
        # Saturday and Sunday day shifts and one nurse avoiding weekends: two unwanted shifts
        ({"weekends": True}, [need(f"w{d}", d) for d in (5, 6)]),
    ],
    ids=["nights", "weekends"],
)
def test_only_avoider_works_the_avoided_shifts(avoids: dict[str, bool], needs: list[Need]) -> None:
    """The only nurse avoids the shifts there are: the bound counts both as unwanted, as the optimum does."""
    p = problem([_avoiding(employee("a"), **avoids)], needs)
    bound = shift_flow_bound(compile_problem(p))
    assert bound is not None
    assert bound - _bound_without_preferences(p) == 2 * UNWANTED
    result = _optimal(p)
    assert result.terms["preferences"] == 2 * UNWANTED
    assert bound <= result.objective


def test_away_at_a_kind_not_volunteered_for() -> None:
    """A nursing-home shift away from home, and the only nurse volunteered for corona clinics alone: unwanted."""
    a = employee("a", home="host", willing=("corona_clinic",))
    p = problem([a], [need("d", 0, unit="home")])
    bound = shift_flow_bound(compile_problem(p))
    assert bound is not None
    assert bound - _bound_without_preferences(p) == UNWANTED
    result = _optimal(p)
    assert result.terms["preferences"] == UNWANTED
    assert bound <= result.objective


def test_a_willing_colleague_takes_the_away_shift() -> None:
    """The same shift with a second nurse at the same home who volunteered for nursing homes: nothing is forced,
    and the bound counts nothing."""
    p = problem(
        [employee("a", home="host", willing=("corona_clinic",)), employee("b", home="host")],
        [need("d", 0, unit="home")],
    )
    assert shift_flow_bound(compile_problem(p)) == _bound_without_preferences(p)


def _random_instance(seed: int) -> Problem:
    """A few people at two units with random tastes (kinds volunteered for, nights, weekends) and day, evening and
    night needs over a week at three units."""
    rng = random.Random(seed)
    people = []
    for i in range(rng.randint(2, 4)):
        e = employee(
            f"e{i}",
            home=rng.choice(("home", "home", "host")),
            position_pct=rng.choice((50, 75, 100)),
            wants_more_hours=rng.random() < 0.3,
            codes=(NURSE, HEALTH),
            willing=rng.choice(((), ("corona_clinic",), ("nursing_home",), ("corona_clinic", "nursing_home"))),
        )
        people.append(_avoiding(e, nights=rng.random() < 0.4, weekends=rng.random() < 0.4))
    needs = [
        need(
            f"n{k}",
            rng.randint(0, 6),
            rng.choice(("day", "evening", "night")),
            unit=rng.choice(("home", "host", "far")),
            critical=rng.random() < 0.5,
        )
        for k in range(rng.randint(5, 10))
    ]
    return problem(people, needs)


@pytest.mark.parametrize("seed", range(10))
def test_never_above_proven_optimum_with_tastes(seed: int) -> None:
    p = _random_instance(seed)
    bound = shift_flow_bound(compile_problem(p))
    assert bound is not None
    assert bound <= _optimal(p).objective


def test_large_municipalities_leave_preferences_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond ``TASTES_UP_TO_EMPLOYEES`` the flow does not split people by taste: the term is simply not priced."""
    import ressursbank.solver.bound_shifts as shifts_module

    p = problem([_avoiding(employee("a"), nights=True)], [need(f"n{d}", d, "night") for d in (0, 2)])
    monkeypatch.setattr(shifts_module, "TASTES_UP_TO_EMPLOYEES", 0)
    assert shift_flow_bound(compile_problem(p)) == _bound_without_preferences(p)


def _two_week_instance(seed: int) -> Problem:
    """Two weeks, people at four units (the school in another sector) with tastes, absences and wages; day, evening,
    night and twelve-hour needs at three units, some for two people."""
    rng = random.Random(seed)
    people = []
    for i in range(rng.randint(2, 5)):
        absences: tuple[Absence, ...] = ()
        if rng.random() < 0.3:
            start = dt.datetime.combine(MONDAY + dt.timedelta(days=rng.randint(0, 12)), dt.time(0, 0))
            absences = (Absence(start, start + dt.timedelta(days=2)),)
        e = random_employee(rng, f"e{i}", home=rng.choice(("home", "host", "far", "school")), absences=absences)
        people.append(_avoiding(e, nights=rng.random() < 0.4, weekends=rng.random() < 0.4))
    needs = [
        random_need(rng, f"n{k}", rng.randint(0, 13), ("day", "evening", "night", "twelve"))
        for k in range(rng.randint(6, 14))
    ]
    return problem(people, needs, days=14)


@pytest.mark.parametrize("seed", range(6))
def test_never_above_proven_optimum_over_two_weeks(seed: int) -> None:
    p = _two_week_instance(seed)
    bound = shift_flow_bound(compile_problem(p))
    assert bound is not None
    assert bound <= _optimal(p).objective
