"""The weekly flow of whole shifts (solver/bound_shifts.py): never above a proven optimum, and it sees what the flow
of minutes cannot: the last shift that does not fit in a part-timer's contract, travel and moves."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ressursbank.domain.people import Absence
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import ObjectiveWeights, PositionNorm, Severity
from ressursbank.result import Result
from ressursbank.solver.bound import bound_with_coverage, priced_bound
from ressursbank.solver.bound_shifts import shift_flow_bound
from ressursbank.solver.compile import compile_problem
from tests.helpers_engine import HEALTH, MONDAY, NURSE, employee, need, problem, rules, run


def _optimal(p: Problem, weights: ObjectiveWeights | None = None) -> Result:
    """The monolithic CP-SAT model solved to proven optimality (the test is void otherwise, so it fails)."""
    extra = {} if weights is None else {"weights": weights}
    result = run(p, seconds=30.0, monolithic=True, **extra)
    assert result.statistics["monolithic"] == "OPTIMAL"
    return result


def test_last_shift_beyond_contract_is_forced() -> None:
    """Three 60 % people (22.5 h) and seven 8 h day shifts: minutes suffice (67.5 h > 56 h), whole shifts do not
    (two shifts each fit, a third is 90 minutes beyond the contract), so one person works extra hours."""
    people = [employee(f"p{i}", position_pct=60) for i in range(3)]
    p = problem(people, [need(f"d{d}", d) for d in range(7)])
    c = compile_problem(p)
    priced = priced_bound(c)
    shifts = shift_flow_bound(c)
    assert shifts is not None and priced is not None
    # 90 minutes at the PositionNorm rate of 2 000 000 per minute, above the flow of minutes
    assert shifts - priced >= 90 * 2_000_000
    result = _optimal(p)
    assert result.terms["warnings"] >= 90 * 2_000_000
    assert shifts <= result.objective
    assert bound_with_coverage(c)[0] >= shifts


def test_away_shift_pays_travel_and_a_share_of_the_move() -> None:
    """Only people from the nursing home can fill a clinic shift a few km away: its travel and a share of the move
    are counted."""
    p = problem([employee("a"), employee("b")], [need("c", 0, unit="host")])
    c = compile_problem(p)
    shifts = shift_flow_bound(c)
    assert shifts is not None
    w = ObjectiveWeights()
    travel = w.travel_per_km * int(c.unit_km[c.unit_ids.index("home"), c.unit_ids.index("host")])
    result = _optimal(p)
    assert travel > 0
    assert result.terms["travel"] == travel
    assert shifts >= result.terms["cost"] + travel + w.moved_person // 7
    assert shifts <= result.objective


def test_unsocial_spread_is_counted() -> None:
    """Four evening shifts and two nurses: the best spread is two each (2 x 2 squared), and the bound counts it."""
    p = problem([employee("a"), employee("b")], [need(f"e{d}", d, "evening") for d in range(4)])
    c = compile_problem(p)
    shifts = shift_flow_bound(c)
    assert shifts is not None
    result = _optimal(p)
    assert result.terms["unsocial_spread"] == 8 * ObjectiveWeights().unsocial_squared
    assert result.terms["cost"] + result.terms["unsocial_spread"] <= shifts <= result.objective


def test_no_needs_no_bound() -> None:
    p = problem([employee("a")], [])
    assert shift_flow_bound(compile_problem(p)) == 0


def _random_instance(seed: int) -> Problem:
    """A few people at two units (part-timers, volunteers, an absence, a non-nurse) and day/evening/night needs at
    three units over a week; some nights and long shifts."""
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
                home=rng.choice(("home", "home", "host")),
                position_pct=rng.choice((40, 50, 60, 75, 80, 100)),
                norm=rng.choice((35.5, 37.5)),
                wants_more_hours=rng.random() < 0.3,
                codes=(NURSE, HEALTH) if rng.random() < 0.8 else (HEALTH,),
                absences=absences,
                wage=rng.choice((250, 300, 400)),
            )
        )
    needs = [
        need(
            f"n{k}",
            rng.randint(0, 6),
            rng.choice(("day", "evening", "night", "day", "twelve")),
            unit=rng.choice(("home", "host", "far")),
            critical=rng.random() < 0.5,
            count=rng.choice((1, 1, 1, 2)),
        )
        for k in range(rng.randint(6, 12))
    ]
    return problem(people, needs)


@pytest.mark.parametrize("seed", range(8))
def test_never_above_proven_optimum(seed: int) -> None:
    """On small random instances the shift bound is at most the proven optimum of the monolithic model."""
    p = _random_instance(seed)
    bound = shift_flow_bound(compile_problem(p))
    assert bound is not None
    assert bound <= _optimal(p).objective


def test_never_above_optimum_when_extra_hours_cost_more_than_overtime() -> None:
    """Weights where an extra hour costs more than an overtime hour (the weekly cost is then not convex): the
    bound lowers the extra-hours rate and stays valid."""
    dear = PositionNorm(
        id="position",
        label_nb="Stilling",
        label_en="Position",
        citation="AML § 14-3",
        severity=Severity.WARNING,
        cost=3_000_000_000,
    )
    people = [employee("a", position_pct=60), employee("b", position_pct=50)]
    p = problem(people, [need(f"d{d}", d) for d in range(6)], rule_list=rules(dear))
    weights = ObjectiveWeights(overtime_per_minute=1_000_000)
    c = compile_problem(p, weights)
    bound = shift_flow_bound(c)
    assert bound is not None
    result = _optimal(p, weights)
    assert 0 < bound <= result.objective


@pytest.mark.parametrize("days", [7, 10])
def test_tiny_demo_bound_below_engine_plan(tiny_org, days: int) -> None:  # type: ignore[no-untyped-def]
    """On the tiny demo municipality (one full and one short week) the bound stays below the engine's plan."""
    from ressursbank.demo import demo_scenarios
    from ressursbank.domain.problem import build_problem

    p = build_problem(tiny_org, demo_scenarios(tiny_org)["covid-2020-03"], days=days)
    c = compile_problem(p)
    bound = shift_flow_bound(c)
    assert bound is not None
    result = run(p, seconds=5.0)
    assert bound <= result.objective
    assert result.bound <= result.objective


def test_coarser_host_clusters_only_lower_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Host units grouped into fewer clusters price travel at the nearest unit of a cluster: never more."""
    import ressursbank.solver.bound_shifts as shifts_module

    p = problem(
        [employee("a"), employee("b", home="far"), employee("c", position_pct=50)],
        [need("h", 0, unit="host"), need("f", 1, unit="far"), need("m", 2), need("n", 3, unit="host")],
    )
    c = compile_problem(p)
    exact = shift_flow_bound(c)
    monkeypatch.setattr(shifts_module, "EXACT_HOSTS_UP_TO", 0)
    monkeypatch.setattr(shifts_module, "HOST_CLUSTERS", 1)
    coarse = shift_flow_bound(c)
    assert exact is not None and coarse is not None
    assert coarse <= exact <= _optimal(p).objective


def test_engine_uses_the_shift_bound_from_its_bound_process() -> None:
    """With two processes the whole-shift bound comes from the forked bound process and enters the result (at least
    the flow's value)."""
    from ressursbank.solve import SolveParams, solve

    people = [employee(f"p{i}", position_pct=60) for i in range(3)]
    p = problem(people, [need(f"d{d}", d) for d in range(7)])
    expected = shift_flow_bound(compile_problem(p))
    result = solve(p, SolveParams.preset("fast", time_limit_s=5.0, processes=2))
    # the child may also run the Lagrangian over day-level rosters and report the larger (never less than the flow)
    shift_bound = result.statistics["shift_bound"]
    assert expected is not None and isinstance(shift_bound, int) and shift_bound >= expected
    assert result.bound >= min(expected, result.objective)
    assert result.bound <= result.objective


def test_two_equal_weeks_share_one_flow_and_stay_valid() -> None:
    """Two weeks with the same needs (one flow for both, with each person's larger capacity), an absence in the
    second week: the bound stays at most the proven optimum and still prices the extra hours."""
    absent = dt.datetime.combine(MONDAY + dt.timedelta(days=9), dt.time(0, 0))
    people = [
        employee("a", position_pct=60),
        employee("b", position_pct=60, absences=(Absence(absent, absent + dt.timedelta(days=2)),)),
        employee("c", position_pct=50, home="host"),
    ]
    needs = [need(f"d{d}", d) for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
    needs += [need(f"e{d}", d, "evening") for d in (5, 6, 12, 13)]
    p = problem(people, needs, days=14)
    bound = shift_flow_bound(compile_problem(p))
    assert bound is not None
    result = _optimal(p)
    assert result.terms["warnings"] > 0
    assert 0 < bound <= result.objective


def test_rare_short_shift_does_not_thin_the_move_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty day places (8 h) and one evening place (7.5 h) at the host: counting the week's free shifts in the
    rare evening length would let a full-timer fit five, so the move would be spread over five shifts although the
    one moved person works at most four of the day shifts within full time. Counting in the common length charges
    a larger share per away shift; the bound rises and stays at most the proven optimum."""
    import ressursbank.solver.bound_shifts as shifts_module

    people = [employee(f"h{i}", home="host") for i in range(4)] + [employee("a")]
    needs = [need(f"d{d}", d, unit="host", count=4) for d in range(5)]
    needs.append(need("e", 5, "evening", unit="host"))
    p = problem(people, needs)
    c = compile_problem(p)
    counted_in_common_length = shift_flow_bound(c)
    monkeypatch.setattr(shifts_module, "RARE_LENGTH_SHARE", 10**9)  # no length is rare: the shortest counts
    counted_in_shortest = shift_flow_bound(c)
    assert counted_in_common_length is not None and counted_in_shortest is not None
    assert counted_in_common_length > counted_in_shortest
    result = _optimal(p)
    assert result.terms["moved"] == ObjectiveWeights().moved_person
    assert counted_in_common_length <= result.objective
