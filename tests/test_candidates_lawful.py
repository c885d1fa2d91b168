"""Candidates for one open shift: lawful by construction, priced exactly like the checker, and complete."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from ressursbank.domain.people import Absence, Restriction, RestrictionFlag
from ressursbank.domain.plan import Pin, Plan
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import Cohort, ObjectiveWeights
from ressursbank.explain import RosterIndex, blocking_rule
from ressursbank.solver.candidates import CandidateFinder, employee_terms, find_need
from tests.helpers_engine import MONDAY, NURSE, rules
from tests.helpers_replan import add, checked, clinic_week, employee, need, problem

HFA = "aut.helsefagarbeider"


def _hard(p: Problem, plan: Plan) -> list[str]:
    return [str(v) for v in checked(p, plan).hard_violations if v.rule_id != "plan"]


def _random_instance(seed: int) -> tuple[Problem, Plan]:
    """Eight people (nurses, health workers, one part-timer who wants more, one restricted, one absent) and a
    random week of needs at the nursing home, the clinic and the far unit; a random lawful plan."""
    rng = random.Random(seed)
    people = [
        employee("n1"),
        employee("n2", position_pct=60, wants_more_hours=True),
        employee("n3", restrictions=[Restriction(RestrictionFlag.NO_NIGHTS, MONDAY)]),
        employee("n4", absences=[Absence(dt.datetime(2020, 3, 18), dt.datetime(2020, 3, 20))]),
        employee("h1", codes=(HFA, "pa.helse")),
        employee("h2", codes=(HFA, "pa.helse"), max_travel_km=10),
        employee("f1", home="far"),
        employee("n5", position_pct=50, norm=35.5),
    ]
    needs = []
    for i in range(22):
        shift = rng.choice(("day", "evening", "night", "long", "twelve"))
        unit = rng.choice(("home", "home", "host", "far"))
        codes = rng.choice(((NURSE,), (HFA,)))
        needs.append(
            need(
                f"n{i}",
                rng.randrange(7),
                shift,
                unit=unit,
                count=rng.choice((1, 2)),
                critical=rng.random() < 0.5,
                codes=codes,
                covid_contact=unit == "host",
            )
        )
    extra = (Cohort(id="cohort", label_nb="Kohort", label_en="Cohort", citation="FHI", period_days=7),)
    p = problem(people, needs, rule_list=rules(*extra) if seed % 2 else None)
    plan = Plan()
    pairs = [(e.id, n.id) for e in people for n in needs]
    rng.shuffle(pairs)
    for e_id, n_id in pairs[:60]:
        trial = add(p, plan, e_id, n_id)
        if sum(1 for a in trial.assignments if a.need_id == n_id) <= p.need_by_id[n_id].count and not _hard(p, trial):
            plan = trial
    return p, plan


@pytest.mark.parametrize("seed", range(6))
def test_blocking_rule_agrees_with_the_checker(seed: int) -> None:
    """For every person and open need, the incremental test says "lawful" exactly when the checker finds no
    hard violation after adding the shift."""
    p, plan = _random_instance(seed)
    index = RosterIndex(p, plan)
    assert not _hard(p, plan)
    compared = 0
    for n in p.needs:
        if index.missing(n) == 0:
            continue
        for e in p.employees:
            if e.id in index.assigned.get(n.id, ()):
                continue
            lawful = not _hard(p, add(p, plan, e.id, n.id))
            block = blocking_rule(index, e, n)
            assert (block is None) == lawful, (e.id, n.id, block, _hard(p, add(p, plan, e.id, n.id)))
            compared += 1
    assert compared > 20


@pytest.mark.parametrize("seed", range(6))
def test_every_candidate_is_lawful_and_priced_like_the_checker(seed: int) -> None:
    """Applying any candidate (and dropping what it displaces) leaves a lawful plan whose objective changes by
    exactly the candidate's ``objective_delta``."""
    p, plan = _random_instance(seed)
    finder = CandidateFinder(p, plan)
    before = checked(p, plan, hint=plan).objective
    seen = 0
    for n in p.needs:
        if finder.index.missing(n) == 0:
            continue
        for c in finder.find(n, limit=50):
            after_plan = add(p, plan, c.employee_id, n.id, c.displaces)
            report = checked(p, after_plan, hint=plan)
            assert report.is_lawful, [str(v) for v in report.hard_violations]
            assert report.objective - before == c.objective_delta
            seen += 1
    assert seen > 0


def test_candidates_are_ranked_and_exclude_blocked_people() -> None:
    """On clinic-week the Monday evening goes to c or d (free), never to a or b (their day shift overlaps)."""
    p, plan = clinic_week()
    finder = CandidateFinder(p, plan)
    found = finder.find(p.need_by_id["eve0"], displace=False)
    assert {c.employee_id for c in found} == {"c", "d"}
    assert [c.objective_delta for c in found] == sorted(c.objective_delta for c in found)
    assert all(c.cost_ore > 0 and c.reason.text("en") for c in found)


def test_displacement_is_offered_but_never_of_a_pinned_shift() -> None:
    """Nobody is free on Wednesday evening (c and d need rest before Thursday); a could take it by leaving
    Wednesday's day shift, but not when that shift is pinned."""
    p, plan = clinic_week()
    wednesday = p.need_by_id["eve2"]
    free = CandidateFinder(p, plan).find(wednesday, limit=10)
    assert any(c.employee_id == "a" and c.displaces == ("day2",) for c in free)
    pinned = CandidateFinder(p, plan, pins=[Pin("a", "day2")]).find(wednesday, limit=10)
    assert not any(c.employee_id == "a" for c in pinned)


def test_find_need_matches_unit_time_and_qualification() -> None:
    """A shift given as unit, start, end and qualification finds its need; an unknown one is an error."""
    p, _ = clinic_week()
    n = p.need_by_id["clinic3"]
    assert find_need(p, "host", n.start, n.end, NURSE).id == "clinic3"
    with pytest.raises(LookupError):
        find_need(p, "host", n.start, n.end, "edu.kokk")


def test_employee_terms_match_the_checker_for_one_person() -> None:
    """One person's share of the objective equals the checker's objective of a plan with only them."""
    p, plan = _random_instance(3)
    w = ObjectiveWeights()
    for e in p.employees:
        mine = Plan.of(a for a in plan.assignments if a.employee_id == e.id)
        report = checked(p, mine, weights=w)
        expected = report.objective - report.terms["unmet_critical"] - report.terms["unmet_other"]
        needs = [p.need_by_id[a.need_id] for a in mine.assignments]
        assert employee_terms(p, e, needs, w) == expected


@pytest.mark.parametrize("seed", range(6))
def test_pruned_ranking_equals_pricing_everyone(seed: int) -> None:
    """The bound-pruned search returns exactly the best people that pricing every lawful person would."""
    p, plan = _random_instance(seed)
    finder = CandidateFinder(p, plan)
    for n in p.needs:
        if finder.index.missing(n) == 0:
            continue
        lawful = [e for e in p.employees if blocking_rule(finder.index, e, n) is None]
        everyone = sorted((finder.delta(e, n), e.id) for e in lawful)[:2]
        found = finder.find(n, limit=2, displace=False)
        assert [(c.objective_delta, c.employee_id) for c in found] == everyone
