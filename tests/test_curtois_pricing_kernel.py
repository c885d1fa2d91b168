"""The compiled pricing programme on made-up instances that stress what the shipped 1-3 do not.

Five shift types of three lengths where three share their forbidden successors (so a run remembers a class, and
the trace-back must find the shift again), minimum runs and days off of 1-3, binding caps, weekend limits,
days off and requests. CP-SAT's pricer (built from the engine's own rule builders) is the reference: the same
minimum, and every row lawful by the checker and true to the fixings.
"""

from __future__ import annotations

import math
import random

import pytest

from ressursbank.checker.curtois import check_employee
from ressursbank.exceptions import DomainError
from ressursbank.formats.curtois import parse_curtois
from ressursbank.solver.curtois import colgen
from ressursbank.solver.curtois.colgen import Pricer
from ressursbank.solver.curtois.compile import OFF, compile_instance
from ressursbank.solver.curtois.pricing_dp import DpPricer
from tests.helpers_curtois import SHIFTS, made_up_instance_text, random_duals_and_fixings, reduced_cost


@pytest.mark.parametrize(("seed", "days", "staff"), [(1, 21, 5), (2, 21, 5), (3, 21, 5), (4, 56, 3)])
def test_same_minimum_as_cp_sat_on_made_up_instances(
    seed: int, days: int, staff: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    instance = parse_curtois(made_up_instance_text(rng, days, staff), name=f"made-up {seed}")
    compiled = compile_instance(instance)
    shift_ids = [s.id for s in instance.shift_types]
    monkeypatch.setattr(colgen, "PRICING_DP", False)
    compared = 0
    for e, employee in enumerate(instance.employees):
        for with_fixings in (False, True):
            # duals that favour some shift types strongly, so caps and the minutes' maximum bind
            duals, fixings = random_duals_and_fixings(rng, compiled, with_fixings=with_fixings)
            exact = DpPricer(compiled, e).price(duals, fixings, columns=3)
            if exact is None:  # several small caps bind at once: too large, the caller prices by CP-SAT
                continue
            reference = Pricer(compiled, e)
            if not reference.fix(fixings):
                assert math.isinf(exact.minimum)
                continue
            try:
                priced = reference.price(duals, time_limit=30)
            except DomainError:  # the made-up employee has no lawful roster at all
                assert math.isinf(exact.minimum) and not exact.rows
                continue
            assert priced.optimal
            if not priced.rows:
                assert math.isinf(exact.minimum) and not exact.rows
                continue
            assert exact.minimum == pytest.approx(priced.bound, abs=compiled.days / colgen.PRICE_SCALE)
            assert exact.rows
            compared += 1
            assert reduced_cost(compiled, e, duals, exact.rows[-1]) == pytest.approx(exact.minimum, abs=1e-9)
            for row in exact.rows:
                shifts = {d: shift_ids[s] for d, s in enumerate(row) if s != OFF}
                assert list(check_employee(instance, employee, shifts)) == []
                assert all((row[d] == s) == on for d, s, on in fixings)
                assert reduced_cost(compiled, e, duals, row) >= exact.minimum - 1e-9
    assert compared >= staff  # most made-up employees have lawful rows: the comparison is not empty


def test_the_same_pricer_answers_alike_when_called_again() -> None:
    """Tracked caps and the reused value arrays carry no answer over from one call to the next."""
    rng = random.Random(11)
    compiled = compile_instance(parse_curtois(made_up_instance_text(rng, 21, 4), name="made-up again"))
    pricers = [DpPricer(compiled, e) for e in range(compiled.employees)]
    first_duals = [[rng.uniform(-20, 60) for _ in SHIFTS] for _ in range(compiled.days)]
    second_duals = [[rng.uniform(-20, 60) for _ in SHIFTS] for _ in range(compiled.days)]
    for pricer in pricers:
        pricer.price(first_duals, (), 2)
    for e, pricer in enumerate(pricers):
        again = pricer.price(second_duals, (), 2)
        fresh = DpPricer(compiled, e).price(second_duals, (), 2)
        assert again is not None and fresh is not None
        assert again.minimum == pytest.approx(fresh.minimum, abs=1e-9)
