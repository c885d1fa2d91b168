"""``LocalSearch.lawful`` reads a per-person summary of the shifts (bisect for the neighbours, week totals, the
base's free stretches for the weekly rest); on random plans, lawful or not, it answers as the plain pass over the
shifts kept as ``lawful_reference``, with and without an explicit base, and after moves."""

from __future__ import annotations

import random

import pytest

from ressursbank.demo import demo_scenarios, generate_organisation
from ressursbank.domain.problem import build_problem
from ressursbank.solver.compile import compile_problem
from ressursbank.solver.greedy import construct
from ressursbank.solver.local_search import LocalSearch
from tests.helpers_engine import problem, random_employee, random_need


def _agree(search: LocalSearch, rng: random.Random, tries: int) -> int:
    """Random (person, need) pairs, a third with a base of the person's shifts less one; returns the lawful count."""
    c = search.c
    lawful = 0
    for i in range(tries):
        n = rng.randrange(c.n_needs)
        members = search.members[search.need_class[n]]
        if len(members) == 0:
            continue
        e = int(members[rng.randrange(len(members))])
        base = None
        if i % 3 == 0 and search.shifts[e]:
            base = search._without(e, rng.choice(search.shifts[e]))
        search.no_new_overtime = i % 4 == 0
        expected = search.lawful_reference(e, n, base)
        assert search.lawful(e, n, base) == expected, (e, n, base)
        lawful += expected
    search.no_new_overtime = False
    return lawful


@pytest.mark.parametrize("seed", range(4))
def test_lawful_equals_the_plain_pass_on_random_plans(seed: int) -> None:
    rng = random.Random(seed)
    homes = ("home", "host", "far")
    people = [random_employee(rng, f"e{i}", home=homes[i % 3], absences=()) for i in range(9)]
    needs = [random_need(rng, f"n{d}_{k}", d, ("day", "evening", "night")) for d in range(35) for k in range(3)]
    c = compile_problem(problem(people, needs, days=35))
    by_need: list[list[int]] = [[] for _ in range(c.n_needs)]
    for n in range(c.n_needs):  # any assignment will do, lawful or not
        eligible = [e for e in range(c.n_employees) if c.is_eligible(e, n)]
        by_need[n] = rng.sample(eligible, min(len(eligible), rng.randint(0, int(c.n_count[n]))))
    search = LocalSearch(c, by_need, pins=set(), hint=None)
    assert _agree(search, rng, 3000) > 0
    # after moves the summaries follow the shift lists
    for _ in range(200):
        n = rng.randrange(c.n_needs)
        if not search.by_need[n]:
            continue
        giver = rng.choice(search.by_need[n])
        takers = [e for e in range(c.n_employees) if search.lawful(e, n)]
        if takers:
            search._move(n, giver, rng.choice(takers))
    _agree(search, rng, 3000)


@pytest.mark.parametrize("days", [28, 56])
def test_lawful_equals_the_plain_pass_on_a_constructed_plan(days: int) -> None:
    org = generate_organisation("small")
    scenario = next(iter(demo_scenarios(org).values()))
    c = compile_problem(build_problem(org, scenario, days=days))
    search = LocalSearch(c, construct(c, pins=[], hint=None), pins=set(), hint=None)
    assert _agree(search, random.Random(days), 6000) > 0
