"""The fast local search: transfers, ejection chains and swaps keep the plan lawful and lower the exact objective."""

from __future__ import annotations

import datetime as dt
import random
import time

import numpy as np

from ressursbank.checker import check_plan
from ressursbank.demo import demo_scenarios
from ressursbank.domain.people import Absence
from ressursbank.domain.problem import Organisation, Problem, build_problem
from ressursbank.solver.compile import Compiled, compile_problem
from ressursbank.solver.engine import to_plan
from ressursbank.solver.greedy import construct
from ressursbank.solver.local_search import PARALLEL_MIN_SECONDS, LocalSearch, improve_locally, person_objective
from ressursbank.solver.objective import evaluate, per_employee
from tests.helpers_engine import MONDAY, employee, need, problem


def _plan(p: Problem, pairs: dict[str, list[str]]) -> tuple[Compiled, list[list[int]]]:
    """The compiled problem and a need -> employees plan from ``{need_id: [employee_id, ...]}``."""
    c = compile_problem(p)
    by_need: list[list[int]] = [[] for _ in range(c.n_needs)]
    for need_id, people in pairs.items():
        by_need[c.need_index[need_id]] = [c.employee_index[e] for e in people]
    return c, by_need


def _improve(p: Problem, pairs: dict[str, list[str]]) -> tuple[int, int, list[list[int]], Compiled]:
    c, by_need = _plan(p, pairs)
    before = sum(evaluate(c, by_need).values())
    after_plan, _ = improve_locally(c, by_need, pins=set(), hint=None, deadline=time.perf_counter() + 60)
    after = sum(evaluate(c, after_plan).values())
    return before, after, after_plan, c


def test_transfer_takes_away_unwanted_extra_hours() -> None:
    """Four day shifts on one 50 % nurse: two go to her 50 % colleague, so nobody works beyond the position."""
    p = problem([employee("a", position_pct=50), employee("b", position_pct=50)], [need(f"d{d}", d) for d in range(4)])
    before, after, plan, c = _improve(p, {f"d{d}": ["a"] for d in range(4)})
    report = check_plan(p, to_plan(c, plan))
    assert not report.hard_violations
    assert report.covered == 4
    assert after < before
    assert report.terms["warnings"] == 0
    assert report.objective == after


def test_chain_passes_the_overflow_on() -> None:
    """a has one shift too many; b has no room for it unless b hands a later shift to c (absent early in the week)."""
    absent = Absence(
        dt.datetime.combine(MONDAY, dt.time(0)), dt.datetime.combine(MONDAY + dt.timedelta(days=3), dt.time(0))
    )
    people = [
        employee("a", position_pct=50),
        employee("b", position_pct=50),
        employee("c", position_pct=50, absences=[absent]),
    ]
    p = problem(people, [need(f"d{d}", d) for d in range(5)])
    before, after, plan, c = _improve(p, {"d0": ["a"], "d1": ["a"], "d2": ["a"], "d3": ["b"], "d4": ["b"]})
    report = check_plan(p, to_plan(c, plan))
    assert not report.hard_violations
    assert report.covered == 5
    assert report.terms["warnings"] == 0 < before - after
    assert report.objective == after
    assert {a.employee_id for a in to_plan(c, plan).assignments} == {"a", "b", "c"}


def test_on_the_tiny_demo_lawful_exact_and_deterministic(tiny_covid: Problem) -> None:
    """From the construction: no hard violation, coverage kept, objective equal to the checker's, never worse,
    the same plan twice; the fast per-person objective equals ``objective.employee_terms``."""
    c = compile_problem(tiny_covid)
    start = construct(c)
    start_terms = evaluate(c, start)
    plans = []
    for _ in range(2):
        plan, _ = improve_locally(c, [list(p) for p in start], pins=set(), hint=None, deadline=time.perf_counter() + 60)
        plans.append(plan)
    assert [sorted(p) for p in plans[0]] == [sorted(p) for p in plans[1]]
    terms = evaluate(c, plans[0])
    report = check_plan(tiny_covid, to_plan(c, plans[0]), weights=c.weights)
    assert not report.hard_violations
    assert report.objective == sum(terms.values()) <= sum(start_terms.values())
    assert [len(p) for p in plans[0]] == [len(p) for p in start]
    search = LocalSearch(c, plans[0], pins=set(), hint=None)
    for e, needs in enumerate(per_employee(c, plans[0])):
        assert search.person_objective(e, needs) == person_objective(c, e, needs)


def test_pins_stay_and_hint_changes_are_priced() -> None:
    """A pinned assignment is never moved away, even when moving it would lower the objective."""
    p = problem([employee("a", position_pct=50), employee("b", position_pct=50)], [need(f"d{d}", d) for d in range(4)])
    c, by_need = _plan(p, {f"d{d}": ["a"] for d in range(4)})
    pins = {(c.employee_index["a"], c.need_index[f"d{d}"]) for d in range(4)}
    hint = {(e, n) for n, people in enumerate(by_need) for e in people}
    plan, stats = improve_locally(c, by_need, pins=pins, hint=hint, deadline=time.perf_counter() + 60)
    assert plan == by_need
    assert stats["local_moves"] == 0


def test_split_between_two_processes_stays_lawful(tiny_org: Organisation) -> None:
    """Two processes on the two halves of a two-week plan: no hard violation, objective exact and not worse."""
    p = build_problem(tiny_org, demo_scenarios(tiny_org)["covid-2020-03"], days=14)
    c = compile_problem(p)
    start = construct(c)
    deadline = time.perf_counter() + PARALLEL_MIN_SECONDS + 60  # the search stalls long before
    plan, stats = improve_locally(c, start, pins=set(), hint=None, deadline=deadline, processes=2)
    assert "local_parallel_gain" in stats
    report = check_plan(p, to_plan(c, plan), weights=c.weights)
    assert not report.hard_violations
    assert report.objective == sum(evaluate(c, plan).values()) <= sum(evaluate(c, start).values())
    assert [len(people) for people in plan] == [len(people) for people in start]


def test_lawful_insertions_pass_the_checker(tiny_covid: Problem) -> None:
    """Every extra shift ``LocalSearch.lawful`` allows on the construction's plan breaks no hard rule."""
    c = compile_problem(tiny_covid)
    start = construct(c)
    search = LocalSearch(c, start, pins=set(), hint=None)
    rng = random.Random(3)
    allowed = refused = 0
    for _ in range(400):
        n = rng.randrange(c.n_needs)
        candidates = np.flatnonzero(c.class_mask[c.n_class[n]]).tolist()
        if not candidates:
            continue
        e = rng.choice(candidates)
        if not search.lawful(e, n):
            refused += 1
            continue
        allowed += 1
        plan = [list(people) for people in start]
        plan[n].append(e)
        report = check_plan(tiny_covid, to_plan(c, plan), weights=c.weights)
        assert not [v for v in report.hard_violations if v.employee_id == c.employees[e].id], (e, n)
    assert allowed > 20 and refused > 20
