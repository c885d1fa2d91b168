"""The Lagrangian bound over day-level rosters (solver/bound_lagrange.py): never above a proven optimum, and it sees
what the weekly flow of whole shifts cannot: the daily rest between days, absences on particular days and Sunday
alternation."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest

from ressursbank.domain.people import Absence
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import DailyRest, ObjectiveWeights
from ressursbank.result import Result
from ressursbank.solver import bound_lagrange
from ressursbank.solver.bound import cheapest_per_need, timed_shift_bound
from ressursbank.solver.bound_lagrange import lagrangian_bound
from ressursbank.solver.bound_shifts import shift_flow_bound, shift_flow_bound_and_prices
from ressursbank.solver.compile import Compiled, compile_problem
from tests.helpers_engine import (
    HEALTH,
    MONDAY,
    NURSE,
    employee,
    need,
    problem,
    random_employee,
    random_need,
    rules,
    run,
)


def _optimal(p: Problem) -> Result:
    """The monolithic CP-SAT model solved to proven optimality (the test is void otherwise, so it fails)."""
    result = run(p, seconds=30.0, monolithic=True)
    assert result.statistics["monolithic"] == "OPTIMAL"
    return result


def _lagrangian(c: Compiled, *, from_flow: bool = False, evaluations: int = 30) -> int:
    """The bound after at most ``evaluations`` (a deadline far enough away never to bind on these instances)."""
    initial = shift_flow_bound_and_prices(c, with_prices=True)[1] if from_flow else cheapest_per_need(c)
    found = lagrangian_bound(c, deadline=time.perf_counter() + 60.0, initial=initial, max_iterations=evaluations)
    assert found is not None
    return found


def _absent_on(day: int) -> Absence:
    start = dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(0, 0))
    return Absence(start, start + dt.timedelta(days=1))


def test_quick_return_is_seen() -> None:
    """One nurse, an evening shift (ends 22:00) and the next morning's day shift (07:00): 9 h of rest, so one of the
    two critical places stays open. The weekly flow fills both."""
    p = problem([employee("a")], [need("e", 0, "evening"), need("d", 1, "day")])
    c = compile_problem(p)
    flow = shift_flow_bound(c)
    assert flow is not None
    result = _optimal(p)
    assert result.terms["unmet_critical"] == ObjectiveWeights().unmet_critical
    lagrangian = _lagrangian(c)
    assert flow + ObjectiveWeights().unmet_critical // 2 < lagrangian <= result.objective


def test_absence_on_a_particular_day_is_seen() -> None:
    """Two nurses, each absent one day; two places on the first day, when one of them is away: one stays open.
    The weekly flow only counts free days."""
    people = [employee("a", absences=(_absent_on(0),)), employee("b", absences=(_absent_on(1),))]
    p = problem(people, [need("d", 0, "day", count=2), need("x", 3, "day")])
    c = compile_problem(p)
    flow = shift_flow_bound(c)
    assert flow is not None
    result = _optimal(p)
    assert result.terms["unmet_critical"] == ObjectiveWeights().unmet_critical
    assert flow < ObjectiveWeights().unmet_critical <= _lagrangian(c) <= result.objective


def test_sunday_pair_is_seen() -> None:
    """Two weeks, one nurse, a day shift on both Sundays: a Sunday pair (a warning) is forced."""
    p = problem([employee("a")], [need("s1", 6, "day"), need("s2", 13, "day")], days=14)
    c = compile_problem(p)
    flow = shift_flow_bound(c)
    assert flow is not None
    result = _optimal(p)
    sunday_cost = 50_000_000
    assert result.terms["warnings"] == sunday_cost
    assert flow + sunday_cost // 2 < _lagrangian(c) <= result.objective


def test_extra_hours_forced_by_rest() -> None:
    """A full-timer and a 50 % part-timer; evenings on days 0-3 and day shifts on days 1-4. The full-timer cannot
    take an evening and the next morning, so the part-timer works beyond contract (or somebody is left open): the
    weekly flow lets the full-timer take all the day shifts and four evenings' worth of minutes fit."""
    people = [employee("a"), employee("b", position_pct=50)]
    needs = [need(f"e{d}", d, "evening") for d in range(4)] + [need(f"d{d}", d, "day") for d in range(1, 5)]
    p = problem(people, needs)
    c = compile_problem(p)
    flow = shift_flow_bound(c)
    assert flow is not None
    result = _optimal(p)
    lagrangian = _lagrangian(c, from_flow=True)
    assert flow < lagrangian <= result.objective


def test_two_shifts_a_day_possible_means_no_bound() -> None:
    """Without a daily rest a day and a night shift of one day can be combined: the day-level relaxation does not
    apply."""
    p = problem([employee("a")], [need("d", 0, "day"), need("n", 0, "night")], rule_list=rules(dropping=(DailyRest,)))
    c = compile_problem(p)
    assert lagrangian_bound(c, deadline=time.perf_counter() + 10.0, initial=cheapest_per_need(c)) is None


def _random_instance(seed: int) -> Problem:
    """Two weeks, a few people at four units (part-timers, volunteers, tastes, one-day absences, wages) and day,
    evening, night, long and twelve-hour needs at three units, some for two people: rest, Sundays and absences
    matter."""
    rng = random.Random(seed)
    people = []
    for i in range(rng.randint(2, 4)):
        absences = tuple(_absent_on(rng.randint(0, 13)) for _ in range(rng.choice((0, 0, 1, 2))))
        home = rng.choice(("home", "home", "host", "school"))
        people.append(random_employee(rng, f"e{i}", home=home, absences=absences))
    needs = [
        random_need(
            rng, f"n{k}", rng.choice((rng.randint(0, 13), 6, 13)), ("day", "evening", "night", "long", "twelve")
        )
        for k in range(rng.randint(8, 14))
    ]
    return problem(people, needs, days=14)


@pytest.mark.parametrize("seed", range(10))
def test_never_above_proven_optimum(seed: int) -> None:
    """On small random instances the bound (from the cheapest prices and from the flow's) is at most the proven
    optimum of the monolithic model."""
    p = _random_instance(seed)
    c = compile_problem(p)
    optimum = _optimal(p).objective
    assert _lagrangian(c) <= optimum
    assert _lagrangian(c, from_flow=True) <= optimum


def _stalled_then(c: Compiled, monkeypatch: pytest.MonkeyPatch, *, plain: bool) -> int:
    """The bound when the stabilised ascent stops at its first point that does not improve, then goes on as plain
    column generation or not."""
    monkeypatch.setattr(bound_lagrange, "STALL_STOP", 1)
    monkeypatch.setattr(bound_lagrange, "PLAIN_AFTER_STALL", plain)
    return _lagrangian(c, evaluations=200)


@pytest.mark.parametrize("seed", range(10))
def test_plain_column_generation_after_a_stall_stays_valid(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain column generation after a stall only adds price points: its best is at least the stabilised
    ascent's and still at most the proven optimum."""
    p = _random_instance(seed)
    c = compile_problem(p)
    stabilised = _stalled_then(c, monkeypatch, plain=False)
    assert stabilised <= _stalled_then(c, monkeypatch, plain=True) <= _optimal(p).objective


def test_plain_column_generation_unsticks_a_stalled_ascent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random instance 6: the stabilised ascent stops after its first point that does not improve, far below the
    optimum; the plain column generation after it reaches a bound 16 times higher (measured: 1.49e10 -> 2.41e11),
    still at most the proven optimum."""
    p = _random_instance(6)
    c = compile_problem(p)
    stabilised = _stalled_then(c, monkeypatch, plain=False)
    with_plain = _stalled_then(c, monkeypatch, plain=True)
    assert with_plain > 10 * stabilised
    assert with_plain <= _optimal(p).objective
    # above ``PLAIN_MAX_CLASSES`` classes (Asker-sized relaxations) the ascent stops at the stall as before
    monkeypatch.setattr(bound_lagrange, "PLAIN_MAX_CLASSES", 0)
    assert _stalled_then(c, monkeypatch, plain=True) == stabilised


def test_engine_bound_child_reports_the_larger() -> None:
    """``timed_shift_bound`` with a deadline reports the larger of the flow and the Lagrangian bound; without one,
    the flow alone."""
    p = problem([employee("a")], [need("e", 0, "evening"), need("d", 1, "day")])
    c = compile_problem(p)
    flow = shift_flow_bound(c)
    assert flow is not None
    assert timed_shift_bound(c)[0] == flow
    with_days = timed_shift_bound(c, deadline=time.perf_counter() + 30.0)[0]
    assert flow < with_days <= _optimal(p).objective


def test_no_needs() -> None:
    c = compile_problem(problem([employee("a", codes=(NURSE, HEALTH))], []))
    assert lagrangian_bound(c, deadline=time.perf_counter() + 1.0) == 0


def test_large_municipalities_leave_preferences_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond ``TASTES_UP_TO_EMPLOYEES`` everybody gets one taste that avoids nothing: the bound only falls."""
    import ressursbank.solver.bound_lagrange as lagrange_module

    p = _random_instance(3)
    c = compile_problem(p)
    with_tastes = _lagrangian(c)
    monkeypatch.setattr(lagrange_module, "TASTES_UP_TO_EMPLOYEES", 0)
    assert _lagrangian(c) <= with_tastes <= _optimal(p).objective
