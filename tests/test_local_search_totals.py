"""The local search prices a move from each person's totals (``LocalSearch.objective_after``): on random plans it
equals the full pass over the person's shifts (``person_objective``) for every added and removed shift."""

from __future__ import annotations

import random

import pytest

from ressursbank.solver.compile import compile_problem
from ressursbank.solver.local_search import LocalSearch
from ressursbank.solver.objective import evaluate
from tests.helpers_engine import problem, random_employee, random_need


@pytest.mark.parametrize("seed", range(4))
def test_objective_after_equals_the_full_pass(seed: int) -> None:
    rng = random.Random(seed)
    homes = ("home", "host", "far")
    people = [random_employee(rng, f"e{i}", home=homes[i % 3], absences=()) for i in range(9)]
    needs = [random_need(rng, f"n{d}_{k}", d, ("day", "evening", "night")) for d in range(14) for k in range(3)]
    p = problem(people, needs, days=14)
    c = compile_problem(p)
    by_need: list[list[int]] = [[] for _ in range(c.n_needs)]
    for n in range(c.n_needs):  # any assignment will do: the prices do not ask whether it is lawful
        eligible = [e for e in range(c.n_employees) if c.is_eligible(e, n)]
        by_need[n] = rng.sample(eligible, min(len(eligible), int(c.n_count[n])))
    search = LocalSearch(c, by_need, pins=set(), hint=None)
    terms = evaluate(c, by_need)
    assert int(search.objective.sum()) == sum(terms.values()) - terms["unmet_critical"] - terms["unmet_other"]
    assert terms["warnings"] > 0 and terms["moved"] > 0  # extra hours or Sunday pairs, and people away, are priced
    for e in range(c.n_employees):
        own = search.shifts[e]
        others = [n for n in range(c.n_needs) if n not in own]
        assert search.objective_after(e) == search.person_objective(e, own)
        for _ in range(20):
            remove = rng.sample(own, rng.randint(0, min(2, len(own))))
            add = rng.sample(others, rng.randint(0, 2))
            after = [n for n in own if n not in remove] + add
            assert search.objective_after(e, add=add, remove=remove) == search.person_objective(e, after)
