"""The whole-shift flow bound split by objective term (solver/bound_shifts.py, ``shift_flow_terms``): the parts sum
to the bound exactly, use the plan's term names, and put each forced cost under its own term."""

from __future__ import annotations

import random

import pytest

from ressursbank.checker.roster import OBJECTIVE_TERMS
from ressursbank.domain.problem import Organisation
from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.solver.bound_shifts import shift_flow_bound, shift_flow_terms
from ressursbank.solver.compile import compile_problem
from tests.helpers_engine import HEALTH, employee, need, problem, random_employee, random_need


@pytest.mark.parametrize("seed", range(6))
def test_terms_sum_to_the_bound(seed: int) -> None:
    """Random people at two units and needs at three over a week: the terms add up to the bound, every name is
    one of the objective's terms."""
    rng = random.Random(seed)
    people = [random_employee(rng, f"e{i}", home=rng.choice(("home", "host")), absences=()) for i in range(4)]
    needs = [random_need(rng, f"n{k}", rng.randint(0, 6), ("day", "evening", "night")) for k in range(10)]
    c = compile_problem(problem(people, needs))
    terms = shift_flow_terms(c)
    assert terms is not None
    assert set(terms) <= set(OBJECTIVE_TERMS)
    assert sum(terms.values()) == shift_flow_bound(c)


def test_away_shift_is_split_into_travel_move_and_wages() -> None:
    """Only people from the nursing home can fill a clinic shift a few km away: its travel, the move and its wage
    appear under their own terms, and nothing else is charged. Only one day has a need, so a person has one free
    slot and its share is the whole move."""
    p = problem([employee("a"), employee("b")], [need("c", 0, unit="host")])
    c = compile_problem(p)
    terms = shift_flow_terms(c)
    assert terms is not None
    w = ObjectiveWeights()
    travel = w.travel_per_km * int(c.unit_km[c.unit_ids.index("home"), c.unit_ids.index("host")])
    assert terms["travel"] == travel > 0
    assert terms["moved"] == w.moved_person
    assert terms["cost"] > 0
    assert set(terms) <= {"travel", "moved", "cost", "unsocial_spread"}


def test_extra_hours_are_warnings() -> None:
    """Three 60 % people and seven 8 h day shifts: a third shift for one of them is 90 minutes beyond the contract,
    charged as PositionNorm (a warning) and not as overtime."""
    people = [employee(f"p{i}", position_pct=60) for i in range(3)]
    c = compile_problem(problem(people, [need(f"d{d}", d) for d in range(7)]))
    terms = shift_flow_terms(c)
    assert terms is not None
    assert terms["warnings"] >= 90 * 2_000_000
    assert "overtime" not in terms


def test_unmet_place_is_its_own_term() -> None:
    """A critical night shift for a nurse and only a health worker who is not one: the place is unmet."""
    c = compile_problem(problem([employee("a", codes=(HEALTH,))], [need("n", 0, "night", critical=True)]))
    terms = shift_flow_terms(c)
    assert terms is not None
    assert terms["unmet_critical"] > 0
    assert sum(terms.values()) == shift_flow_bound(c)


def test_tiny_demo_terms_sum_to_the_bound(tiny_org: Organisation) -> None:
    """The tiny demo municipality's first week: the terms add up to the bound."""
    from ressursbank.demo import demo_scenarios
    from ressursbank.domain.problem import build_problem

    c = compile_problem(build_problem(tiny_org, demo_scenarios(tiny_org)["covid-2020-03"], days=7))
    terms = shift_flow_terms(c)
    assert terms is not None
    assert sum(terms.values()) == shift_flow_bound(c)
    assert terms["cost"] > 0


def test_terms_without_tastes_and_with_host_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on the Oslo-like preset: preferences not priced, hosts in clusters; the terms still sum to the bound."""
    from ressursbank.solver import bound_shifts

    monkeypatch.setattr(bound_shifts, "TASTES_UP_TO_EMPLOYEES", 0)
    monkeypatch.setattr(bound_shifts, "EXACT_HOSTS_UP_TO", 1)
    monkeypatch.setattr(bound_shifts, "HOST_CLUSTERS", 2)
    rng = random.Random(7)
    people = [random_employee(rng, f"e{i}", home=rng.choice(("home", "host")), absences=()) for i in range(4)]
    needs = [random_need(rng, f"n{k}", rng.randint(0, 6), ("day", "evening", "night")) for k in range(10)]
    c = compile_problem(problem(people, needs))
    terms = shift_flow_terms(c)
    assert terms is not None
    assert "preferences" not in terms
    assert sum(terms.values()) == shift_flow_bound(c)
