"""The exact best responses of the construction (:class:`~ressursbank.solver.curtois.construct.BestResponse`)."""

from __future__ import annotations

import random
import time

import pytest

from ressursbank.checker.curtois import check_curtois
from ressursbank.formats.curtois import read_curtois
from ressursbank.solver.curtois.compile import OFF
from ressursbank.solver.curtois.construct import BestResponse, construct, roster_one
from tests.helpers_curtois import DATA, compiled_instance, pattern_start


@pytest.mark.parametrize("number", [1, 2, 3])
def test_construction_with_best_responses_is_lawful_and_a_local_optimum(number: int) -> None:
    """Every row is lawful (checker), and after the sweeps no single employee can lower the objective alone."""
    compiled = compiled_instance(number)
    roster = construct(compiled, deadline=time.monotonic() + 30, seed=0)
    assert roster is not None
    report = check_curtois(read_curtois(DATA / f"Instance{number}.txt"), compiled.to_roster(roster))
    assert report.feasible, report.verdict
    assert report.objective == compiled.objective(roster)
    value = compiled.objective(roster)
    responder = BestResponse(compiled, roster)
    for e in range(compiled.employees):
        assert responder.respond(e)
        assert compiled.objective(roster) == value  # already each employee's best response


def test_a_best_response_costs_what_the_exact_cp_sat_model_finds() -> None:
    """The programme's best row for one employee against the others has the same objective as the single-employee
    CP-SAT model at the exact marginal cost, from a start where the employee's row is far from its best."""
    compiled = compiled_instance(3)
    roster = construct(compiled, deadline=time.monotonic() + 30, seed=0)
    assert roster is not None
    rng = random.Random(1)
    for e in rng.sample(range(compiled.employees), 3):
        others = [row[:] for row in roster]
        others[e] = [OFF] * compiled.days
        exact = roster_one(compiled, others, e, time_limit=20.0, seed=0)
        assert exact is not None
        responded = [row[:] for row in others]
        assert BestResponse(compiled, responded).respond(e, force=True)
        report = check_curtois(read_curtois(DATA / "Instance3.txt"), compiled.to_roster(responded))
        assert report.feasible, report.verdict
        assert compiled.objective(responded) == compiled.objective(exact)


def test_a_sweep_never_raises_the_objective() -> None:
    """From a lawful but poor roster (the pattern constructor's rows), sweeps only lower it."""
    compiled = compiled_instance(2)
    rng = random.Random(0)
    roster = pattern_start(compiled, rng)
    before = compiled.objective(roster)
    changed = BestResponse(compiled, roster).sweep(rng=random.Random(0), deadline=time.monotonic() + 30)
    after = compiled.objective(roster)
    assert after <= before
    assert (changed > 0) == (after < before)  # every change is a strict improvement
    assert after < before


def test_the_cover_counts_follow_every_response() -> None:
    """The responder's cover counts (a numpy array) equal a recount of the roster after forced responses and sweeps."""
    compiled = compiled_instance(2)
    roster = compiled.empty()
    responder = BestResponse(compiled, roster)
    for e in range(compiled.employees):
        assert responder.respond(e, force=True)
    responder.sweep(rng=random.Random(0), deadline=time.monotonic() + 30)
    recount = [[0] * compiled.shifts for _ in range(compiled.days)]
    for row in roster:
        for d, s in enumerate(row):
            if s != OFF:
                recount[d][s] += 1
    assert responder.staffed.tolist() == recount
