"""The local search's repair moves, each on a small named instance where it is the move that helps: the exact gain
equals the objective's fall, the independent checker finds no hard violation and the same objective."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ressursbank.checker import check_plan
from ressursbank.domain.problem import Problem
from ressursbank.solver.compile import Compiled, compile_problem
from ressursbank.solver.engine import to_plan
from ressursbank.solver.local_search import LocalSearch, _independent, _splits
from ressursbank.solver.objective import evaluate
from tests.helpers_engine import AIDE, HEALTH, employee, holders, local_search_of, need, problem


def _assert_exact(p: Problem, c: Compiled, search: LocalSearch, before: int, gain: int) -> dict[str, int]:
    terms = evaluate(c, search.by_need)
    report = check_plan(p, to_plan(c, search.by_need), weights=c.weights)
    assert not report.hard_violations
    assert report.objective == sum(terms.values()) == before - gain
    return terms


def test_replace_reaches_a_person_busy_that_day() -> None:
    """Nurse a works three day shifts on a 50 % position; nurse b has room but works the aide shift y on day 2.
    b takes a's nurse shift x in place of y, and aide c (who may not take x) takes y: a's extra hours are gone."""
    people = [
        employee("a", position_pct=50),
        employee("b", position_pct=50),
        employee("c", codes=(AIDE, HEALTH), position_pct=50),
    ]
    needs = [need("d0", 0), need("d1", 1), need("x", 2), need("y", 2, codes=(AIDE,))]
    p = problem(people, needs)
    c, search, before = local_search_of(p, {"d0": ["a"], "d1": ["a"], "x": ["a"], "y": ["b"]})
    a, x = c.employee_index["a"], c.need_index["x"]
    assert not search.lawful(c.employee_index["b"], x)  # busy that day: no plain transfer
    gain = search.try_replace(a, x, width=4)
    assert gain > 0
    assert (holders(c, search, "x"), holders(c, search, "y")) == (["b"], ["c"])
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["warnings"] == 0


def test_sunday_swap_breaks_a_pair() -> None:
    """a works two Sundays in a row; b, at the same unit with no room left, works weekdays. They exchange a's first
    Sunday for one of b's weekday shifts of that week, so nobody works two Sundays in a row."""
    people = [employee(e, position_pct=40, norm=40.0) for e in "ab"]  # 960 minutes a week: two day shifts
    needs = [need("sun1", 6), need("sun2", 13), need("w2", 2), need("w3", 3), need("w9", 9), need("w10", 10)]
    p = problem(people, needs, days=14)
    plan = {"sun1": ["a"], "sun2": ["a"], "w9": ["a"], "w2": ["b"], "w3": ["b"], "w10": ["b"]}
    c, search, before = local_search_of(p, plan)
    start = evaluate(c, search.by_need)
    assert start["warnings"] > 0  # the Sunday pair
    gain = search.try_swap(c.employee_index["a"], c.need_index["sun1"], width=4)
    assert gain > 0
    assert holders(c, search, "sun1") == ["b"]
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["warnings"] == 0


def test_bring_home_exchanges_with_a_colleague_lent_already() -> None:
    """a is lent to the clinic for one shift; colleague b is lent there anyway. Nobody has room for a plain
    transfer, so b takes a's clinic shift and a takes b's shift at home: one person fewer is moved."""
    people = [employee(e, position_pct=40, norm=40.0) for e in "ab"]
    needs = [need("h1", 1, unit="host"), need("h3", 3, unit="host"), need("m2", 2), need("m4", 4)]
    p = problem(people, needs)
    c, search, before = local_search_of(p, {"h1": ["a"], "m4": ["a"], "h3": ["b"], "m2": ["b"]})
    assert evaluate(c, search.by_need)["moved"] == 2 * c.weights.moved_person
    gain = search.try_bring_home(c.employee_index["a"], most=8)
    assert gain > 0
    assert (holders(c, search, "h1"), holders(c, search, "m2")) == (["b"], ["a"])
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["moved"] == c.weights.moved_person


def test_bring_home_exchanges_with_a_visitor_at_home() -> None:
    """a is lent to the clinic for one shift; v, from the far unit, visits a's home that week (moved already).
    Nobody has room for a plain transfer and no colleague of a is lent out, so v takes a's clinic shift and a takes
    v's shift at home: a is no longer moved, v still is (once)."""
    far_reaching = employee("v", "far", position_pct=40, norm=40.0, max_travel_km=40.0)
    people = [employee("a", position_pct=40, norm=40.0), far_reaching]
    needs = [need("h1", 1, unit="host"), need("m4", 4), need("m2", 2), need("f5", 5, unit="far")]
    p = problem(people, needs)
    c, search, before = local_search_of(p, {"h1": ["a"], "m4": ["a"], "m2": ["v"], "f5": ["v"]})
    assert evaluate(c, search.by_need)["moved"] == 2 * c.weights.moved_person
    gain = search.try_bring_home(c.employee_index["a"], most=8)
    assert gain > 0
    assert (holders(c, search, "h1"), holders(c, search, "m2")) == (["v"], ["a"])
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["moved"] == c.weights.moved_person


def test_bring_home_exchanges_two_shifts_of_the_same_day() -> None:
    """a works the clinic's day shift on Tuesday while visitor v works a's home's day shift that Tuesday: busy that
    day, v is no taker for a's shift, yet the two exchange their Tuesday shifts and a is no longer moved."""
    far_reaching = employee("v", "far", position_pct=40, norm=40.0, max_travel_km=40.0)
    people = [employee("a", position_pct=40, norm=40.0), far_reaching]
    needs = [need("h1", 1, unit="host"), need("m4", 4), need("m1", 1), need("f5", 5, unit="far")]
    p = problem(people, needs)
    c, search, before = local_search_of(p, {"h1": ["a"], "m4": ["a"], "m1": ["v"], "f5": ["v"]})
    gain = search.try_bring_home(c.employee_index["a"], most=8)
    assert gain > 0
    assert (holders(c, search, "h1"), holders(c, search, "m1")) == (["v"], ["a"])
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["moved"] == c.weights.moved_person


def test_bring_home_undoes_what_does_not_pay() -> None:
    """Nobody else may take a's clinic shift (it needs a nurse, b is an aide): the move changes nothing."""
    p = problem([employee("a"), employee("b", codes=(AIDE, HEALTH))], [need("h1", 1, unit="host"), need("m2", 2)])
    c, search, before = local_search_of(p, {"h1": ["a"], "m2": ["b"]})
    assert search.try_bring_home(c.employee_index["a"], most=8) == 0
    assert (holders(c, search, "h1"), holders(c, search, "m2")) == (["a"], ["b"])
    assert sum(evaluate(c, search.by_need).values()) == before


def test_split_phases_are_independent_and_cover_every_day() -> None:
    """Four weeks from a Monday: two split phases, every day searched in one of them, the sets of each phase at
    least two days apart with no week and no pair of consecutive Sundays shared; from a Wednesday both would put
    two consecutive Sundays in different processes, so they are left out."""
    monday = problem([employee("a")], [need("d0", 0), need("d27", 27)], days=28)
    c = compile_problem(monday)
    phases = _splits(c)
    assert len(phases) == 2
    assert set().union(*(first | second for first, second in phases)) == set(range(28))
    for first, second in phases:
        assert min(abs(x - y) for x in first for y in second) >= 3
        assert not {d // 7 for d in first} & {d // 7 for d in second}
    later = problem([employee("a")], [need("d2", 2), need("d29", 29)], days=30)
    wednesday = replace(later, horizon_start=later.horizon_start + dt.timedelta(days=2), horizon_days=28)
    c = compile_problem(wednesday)
    assert c.sundays == (4, 11, 18, 25)
    halves = (set(range(13)), set(range(15, 28)))
    assert not _independent(c, *halves)  # Sundays 11 and 18 in different processes
    assert _splits(c) == []  # so the search runs in one process


def test_cross_exchange_brings_two_lent_people_home() -> None:
    """a (from the nursing home) works h1 at the clinic while b (from the clinic) works m2 at the nursing home; both
    have no room for more. They exchange the two shifts: each works at home and nobody is moved or travels."""
    people = [employee("a", position_pct=40, norm=40.0), employee("b", "host", position_pct=40, norm=40.0)]
    needs = [need("h1", 1, unit="host"), need("h4", 4, unit="host"), need("m2", 2), need("m3", 3)]
    p = problem(people, needs)
    c, search, before = local_search_of(p, {"h1": ["a"], "m3": ["a"], "m2": ["b"], "h4": ["b"]})
    assert evaluate(c, search.by_need)["moved"] == 2 * c.weights.moved_person
    a, b = c.employee_index["a"], c.employee_index["b"]
    assert search.away_shifts() == [(a, c.need_index["h1"]), (b, c.need_index["m2"])]
    gain = search.try_cross(a, c.need_index["h1"])
    km = int(c.unit_km[c.e_home[a], c.e_home[b]])
    assert km > 0
    assert gain == 2 * c.weights.moved_person + 2 * km * c.weights.travel_per_km
    assert (holders(c, search, "h1"), holders(c, search, "m2")) == (["b"], ["a"])
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["moved"] == terms["travel"] == 0


def test_cross_exchange_needs_a_lent_colleague_of_the_host() -> None:
    """b belongs to the clinic but works at home there: there is nothing to exchange, the plan stays."""
    people = [employee("a", position_pct=40, norm=40.0), employee("b", "host", position_pct=40, norm=40.0)]
    needs = [need("h1", 1, unit="host"), need("h4", 4, unit="host"), need("m3", 3), need("h2", 2, unit="host")]
    p = problem(people, needs)
    c, search, before = local_search_of(p, {"h1": ["a"], "m3": ["a"], "h2": ["b"], "h4": ["b"]})
    assert search.try_cross(c.employee_index["a"], c.need_index["h1"]) == 0
    assert holders(c, search, "h1") == ["a"]
    assert sum(evaluate(c, search.by_need).values()) == before


def test_cross_exchange_through_a_third_person() -> None:
    """Aide x (nursing home) works the clinic's aide shift n; nurse y (clinic) works the nursing home's nurse shift
    m, which x may not take; nurse z works the nursing home's aide shift k that day. y takes n, z takes m and x
    takes k: all three work at home. Nobody has room for more, so no plain transfer or exchange does it."""
    people = [
        employee("x", codes=(AIDE, HEALTH), position_pct=40, norm=40.0),
        employee("y", "host", position_pct=40, norm=40.0),
        employee("z", position_pct=40, norm=40.0),
    ]
    needs = [
        need("n", 1, unit="host", codes=(AIDE,)),
        need("m", 2),
        need("k", 2, codes=(AIDE,)),
        need("x3", 3, codes=(AIDE,)),
        need("y4", 4, unit="host"),
        need("z5", 5),
    ]
    p = problem(people, needs)
    plan = {"n": ["x"], "x3": ["x"], "m": ["y"], "y4": ["y"], "k": ["z"], "z5": ["z"]}
    c, search, before = local_search_of(p, plan)
    x, y, n = c.employee_index["x"], c.employee_index["y"], c.need_index["n"]
    search.cross_depth = 2
    assert search.try_cross(x, n) == 0  # x may not work the nurse shift m
    search.cross_depth = 3
    gain = search.try_cross(x, n)
    km = int(c.unit_km[c.e_home[x], c.e_home[y]])
    assert gain == 2 * c.weights.moved_person + 2 * km * c.weights.travel_per_km
    assert (holders(c, search, "n"), holders(c, search, "m"), holders(c, search, "k")) == (["y"], ["z"], ["x"])
    terms = _assert_exact(p, c, search, before, gain)
    assert terms["moved"] == terms["travel"] == 0
