"""``LocalSearch.lawful`` reads a per-person summary of the shifts (bisect for the neighbours, week totals, the
base's free stretches for the weekly rest); on random plans, lawful or not, it answers as the plain pass over the
shifts kept as ``lawful_reference``, with and without an explicit base, and after moves."""

from __future__ import annotations

import random

import numpy as np
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


def _takers_reference(
    search: LocalSearch, n: int, exclude: tuple[int, ...], room_only: bool
) -> tuple[list[int], list[int]]:
    """``LocalSearch.takers`` as numpy vector filters (before session 18)."""
    c = search.c
    idx = search.members[int(c.n_class[n])]
    if room_only:
        b = int(c.n_week[n])
        idx = idx[search.g.week_minutes[idx, b] + int(c.n_minutes[n]) <= search.limit[idx, b]]
    if len(idx) == 0:
        return [], []
    people = idx[search._prefilter(n, idx)]
    skip = {*search.by_need[n], *exclude}
    people = np.array([e for e in people.tolist() if e not in skip], dtype=np.int64)
    if len(people) == 0:
        return [], []
    cost = search.g.marginal(n, people)
    order = np.argsort(cost, kind="stable")
    return people[order].tolist(), cost[order].tolist()


@pytest.mark.parametrize("days", [28, 56])
def test_takers_equal_the_vector_filters(days: int) -> None:
    org = generate_organisation("small")
    scenario = next(iter(demo_scenarios(org).values()))
    c = compile_problem(build_problem(org, scenario, days=days))
    search = LocalSearch(c, construct(c, pins=[], hint=None), pins=set(), hint=None)
    rng = random.Random(days)
    found = 0
    for i in range(400):
        n = rng.randrange(c.n_needs)
        exclude = tuple(rng.sample(range(c.n_employees), 2))
        people, cost = search.takers(n, exclude, room_only=i % 2 == 0)
        assert (people.tolist(), cost.tolist()) == _takers_reference(search, n, exclude, i % 2 == 0)
        found += len(people)
    assert found > 0
