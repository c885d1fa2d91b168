"""Column generation for Curtois instances 1-3: valid bounds, lawful pricing rosters, a checker-verified roster.

Validity is the first promise: a lower bound above the known optimum is a defect. No test asserts wall time;
deadlines only bound how long a test may take.
"""

from __future__ import annotations

import random
import time

import pytest

from ressursbank.checker.curtois import check_curtois, check_employee
from ressursbank.solver.curtois.colgen import Pricer, _Master, column_generation, lagrangian_bound
from ressursbank.solver.curtois.compile import OFF
from ressursbank.solver.curtois.construct import construct
from tests.helpers_curtois import OPTIMUM, compiled_instance

#: The converged LP bound (ceil) of the roster-per-employee master; instance 1 has an integrality gap.
LP_BOUND = {1: 558, 2: 828, 3: 1001}


@pytest.mark.parametrize("number", [1, 2, 3])
def test_bound_is_valid_and_converges(number: int) -> None:
    compiled = compiled_instance(number)
    result = column_generation(compiled, deadline=time.monotonic() + 120, master_ip_seconds=2)
    assert result.lower_bound is not None and result.bound is not None
    assert result.lower_bound <= OPTIMUM[number]
    assert result.converged
    assert result.lower_bound == LP_BOUND[number]
    assert result.lp_value is not None and result.bound <= result.lp_value + 1e-6
    # The roster of the restricted master IP is lawful and its objective is the checker's.
    assert result.assignment is not None and result.objective is not None
    report = check_curtois(compiled.instance, compiled.to_roster(result.assignment))
    assert report.feasible, report.verdict
    assert report.objective == result.objective
    assert result.objective >= OPTIMUM[number]


@pytest.mark.parametrize("number", [2, 3])
def test_pricing_rosters_obey_every_employee_rule(number: int) -> None:
    compiled = compiled_instance(number)
    instance = compiled.instance
    shift_ids = [s.id for s in instance.shift_types]
    rng = random.Random(number)
    duals = [
        [rng.uniform(-compiled.cover_over[d][s], compiled.cover_under[d][s]) for s in range(compiled.shifts)]
        for d in range(compiled.days)
    ]
    for e, employee in enumerate(instance.employees):
        priced = Pricer(compiled, e).price(duals, time_limit=20)
        assert priced.rows
        for row in priced.rows:
            shifts = {d: shift_ids[s] for d, s in enumerate(row) if s != OFF}
            assert list(check_employee(instance, employee, shifts)) == []
        best = priced.rows[-1]
        reduced = sum(compiled.request_cost[e][d].get(s, 0) - duals[d][s] for d, s in enumerate(best) if s != OFF)
        # The proven bound never exceeds what a lawful roster achieves, and is tight when optimal.
        assert priced.bound <= reduced + 1e-9
        if priced.optimal:
            assert reduced - priced.bound < 1e-2


@pytest.mark.parametrize("number", [1, 2])
def test_lagrangian_bound_is_valid_for_any_duals(number: int) -> None:
    compiled = compiled_instance(number)
    rng = random.Random(7)
    for _ in range(3):
        # Duals outside the box are clipped into it, so any numbers give a valid bound.
        duals = [[rng.uniform(-150, 150) for _ in range(compiled.shifts)] for _ in range(compiled.days)]
        assert lagrangian_bound(compiled, duals) <= OPTIMUM[number]


def test_initial_roster_seeds_the_master() -> None:
    compiled = compiled_instance(2)
    seed = construct(compiled, deadline=time.monotonic() + 30, seed=0)
    assert seed is not None
    result = column_generation(compiled, deadline=time.monotonic() + 120, initial_rosters=seed, master_ip_seconds=2)
    assert result.objective is not None and result.objective <= compiled.objective(seed)
    assert result.lower_bound is not None and result.lower_bound <= OPTIMUM[2]


def test_past_deadline_returns_without_bound() -> None:
    compiled = compiled_instance(1)
    result = column_generation(compiled, deadline=time.monotonic() - 1, master_ip_seconds=0)
    assert result.lower_bound is None and result.assignment is None


def test_a_rebuilt_master_solves_to_the_same_value_with_its_bounds() -> None:
    """The fallback after a numerical failure: a fresh LP over the same columns, bounds kept, same optimum."""
    compiled = compiled_instance(2)
    master = _Master(compiled)
    rng = random.Random(3)
    zero = [[0.0] * compiled.shifts for _ in range(compiled.days)]
    for e in range(compiled.employees):
        for row in Pricer(compiled, e).price(zero, time_limit=20).rows:
            master.add(e, row)
    pricer = Pricer(compiled, 0)
    duals = [[rng.uniform(0, compiled.cover_under[d][s]) for s in range(compiled.shifts)] for d in range(compiled.days)]
    for row in pricer.price(duals, time_limit=20).rows:
        master.add(0, row)
    master.columns[0][0][2].SetUb(0.0)  # as a branching node does
    value, _, _ = master.solve()
    master.rebuild()
    assert master.columns[0][0][2].ub() == 0.0
    again, _, _ = master.solve()
    assert again == pytest.approx(value, abs=1e-6)


def test_the_cp_sat_pricing_model_is_built_only_when_used() -> None:
    """Where the dynamic programme prices, no CP-SAT model is built (its building dominated large roots); fixings
    and the CP-SAT fallback build it on demand, with the same rosters' lawfulness."""
    compiled = compiled_instance(2)
    duals = [[float(compiled.cover_under[d][s]) for s in range(compiled.shifts)] for d in range(compiled.days)]
    pricer = Pricer(compiled, 0)
    assert pricer.fix([])
    priced = pricer.price(duals, time_limit=20)
    assert priced.rows and priced.optimal
    assert pricer._model is None
    day, shift = next((d, cell[0]) for d, cell in enumerate(compiled.allowed[0]) if cell)
    assert pricer.fix([(day, shift, True)])
    assert pricer._model is not None
    assert all(row[day] == shift for row in pricer.price(duals, time_limit=20).rows)
