"""The day matching: a whole day's shifts re-assigned at once by a min-cost assignment, exact and lawful."""

from __future__ import annotations

import copy

from ressursbank.checker import check_plan
from ressursbank.domain.problem import Problem
from ressursbank.solver.compile import compile_problem
from ressursbank.solver.day_matching import match_day, match_days, seeds_of_day
from ressursbank.solver.engine import to_plan
from ressursbank.solver.local_search import LocalSearch
from ressursbank.solver.objective import evaluate
from tests.helpers_engine import AIDE, HEALTH, employee, holders, local_search_of, need, problem


def _chain_problem() -> tuple[Problem, dict[str, list[str]]]:
    """Nurse a works three day shifts on a 50 % position; nurse b has room but works the aide shift y on day 2; aide
    c has room but works z (no authorisation) that day; d, with no authorisation, is free. Relieving a takes the
    chain x: a -> b, y: b -> c, z: c -> d."""
    people = [
        employee("a", position_pct=50),
        employee("b", position_pct=50),
        employee("c", codes=(AIDE, HEALTH), position_pct=50),
        employee("d", codes=(HEALTH,), position_pct=50),
    ]
    needs = [
        need("d0", 0),
        need("d1", 1),
        need("x", 2),
        need("y", 2, codes=(AIDE,)),
        need("z", 2, codes=(HEALTH,)),
    ]
    return problem(people, needs), {"d0": ["a"], "d1": ["a"], "x": ["a"], "y": ["b"], "z": ["c"]}


def test_day_matching_finds_a_chain_of_three_that_single_moves_miss() -> None:
    p, pairs = _chain_problem()
    c, search, before = local_search_of(p, pairs)
    a, x = c.employee_index["a"], c.need_index["x"]
    # the one- and two-step moves of the local search find nothing
    probe = copy.deepcopy(search)
    assert probe.try_transfer(a, x, chains=True) == 0
    assert probe.try_swap(a, x, width=10) == 0
    assert probe.try_replace(a, x, width=10) == 0
    seeds = seeds_of_day(search, 2)
    assert seeds == [x]
    gain = match_day(search, 2, seeds)
    assert gain > 0
    assert (holders(c, search, "x"), holders(c, search, "y"), holders(c, search, "z")) == (["b"], ["c"], ["d"])
    terms = evaluate(c, search.by_need)
    report = check_plan(p, to_plan(c, search.by_need), weights=c.weights)
    assert not report.hard_violations
    assert report.objective == sum(terms.values()) == before - gain
    assert terms["warnings"] == 0
    # the search's state is kept in step: the totals equal a fresh search of the new plan
    fresh = LocalSearch(c, search.by_need, pins=set(), hint=None)
    assert fresh.objective.tolist() == search.objective.tolist()
    assert match_days(search, float("inf")) == (0, 0)  # nothing left to gain


def test_day_matching_keeps_pinned_shifts() -> None:
    p, pairs = _chain_problem()
    c = compile_problem(p)
    by_need: list[list[int]] = [[] for _ in range(c.n_needs)]
    for need_id, people in pairs.items():
        by_need[c.need_index[need_id]] = [c.employee_index[e] for e in people]
    pinned = {(c.employee_index["a"], c.need_index["x"])}
    before = sum(evaluate(c, by_need).values())
    search = LocalSearch(c, by_need, pins=pinned, hint=None)
    assert match_day(search, 2, seeds_of_day(search, 2)) == 0  # x may not move, so nothing on day 2 can help
    gain, _ = match_days(search, float("inf"))  # a's shift of another day may go to b
    assert holders(c, search, "x") == ["a"]
    report = check_plan(p, to_plan(c, search.by_need), weights=c.weights)
    assert not report.hard_violations
    assert report.objective == before - gain
