"""The dynamic-programming pricer of Curtois instances 1-3: the same optimal reduced cost as CP-SAT, lawful rows.

CP-SAT's pricing model is built from the same rule builders as the engine, so it is the reference: the dynamic
programme must find exactly its minimum, with and without branching fixings, and every row it returns must pass
the checker's per-employee rules and obey the fixings.
"""

from __future__ import annotations

import math
import random

import pytest

from ressursbank.checker.curtois import check_employee
from ressursbank.solver.curtois import colgen, pricing_dp
from ressursbank.solver.curtois.colgen import Fixing, Pricer
from ressursbank.solver.curtois.compile import OFF, Compiled
from ressursbank.solver.curtois.pricing_dp import DpPricer
from tests.helpers_curtois import compiled_instance


def _random_duals(compiled: Compiled, rng: random.Random) -> list[list[float]]:
    return [
        [
            rng.uniform(-compiled.cover_over[d][s], compiled.cover_under[d][s]) * rng.random()
            for s in range(compiled.shifts)
        ]
        for d in range(compiled.days)
    ]


def _random_fixings(compiled: Compiled, rng: random.Random, count: int) -> list[Fixing]:
    days = rng.sample(range(compiled.days), count)
    return [(d, rng.choice([OFF, *range(compiled.shifts)]), rng.random() < 0.5) for d in days]


def _cp_sat_minimum(compiled: Compiled, e: int, duals: list[list[float]], fixings: list[Fixing]) -> float:
    pricer = Pricer(compiled, e)
    assert pricer.dp is None
    if not pricer.fix(fixings):
        return math.inf
    priced = pricer.price(duals, time_limit=30)
    assert priced.optimal
    return math.inf if not priced.rows else priced.bound


@pytest.mark.parametrize("number", [1, 2, 3])
@pytest.mark.parametrize("with_fixings", [False, True])
def test_same_minimum_as_cp_sat_and_lawful_rows(
    number: int, with_fixings: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = compiled_instance(number)
    instance = compiled.instance
    shift_ids = [s.id for s in instance.shift_types]
    rng = random.Random(number * 10 + with_fixings)
    for _ in range(2):
        duals = _random_duals(compiled, rng)
        for e, employee in enumerate(instance.employees):
            fixings = _random_fixings(compiled, rng, 3) if with_fixings else []
            exact = DpPricer(compiled, e).price(duals, fixings, columns=3)
            assert exact is not None
            with monkeypatch.context() as patch:
                patch.setattr(colgen, "PRICING_DP", False)
                reference = _cp_sat_minimum(compiled, e, duals, fixings)
            if math.isinf(reference):
                assert math.isinf(exact.minimum) and not exact.rows
                continue
            # CP-SAT works on costs rounded to 1/PRICE_SCALE: equal up to that rounding
            assert exact.minimum == pytest.approx(reference, abs=compiled.days / colgen.PRICE_SCALE)
            assert exact.rows
            previous = -math.inf
            for row in exact.rows[::-1]:
                shifts = {d: shift_ids[s] for d, s in enumerate(row) if s != OFF}
                assert list(check_employee(instance, employee, shifts)) == []
                assert all((row[d] == s) == on for d, s, on in fixings)
                reduced = sum(
                    compiled.request_cost[e][d].get(s, 0) - duals[d][s] for d, s in enumerate(row) if s != OFF
                )
                assert reduced >= exact.minimum - 1e-9 and reduced >= previous - 1e-9  # best last
                previous = reduced
            best = exact.rows[-1]
            best_reduced = sum(
                compiled.request_cost[e][d].get(s, 0) - duals[d][s] for d, s in enumerate(best) if s != OFF
            )
            assert best_reduced == pytest.approx(exact.minimum, abs=1e-9)


def test_caps_become_axes_only_when_broken() -> None:
    # Instance 3 caps one shift type at 5 for some employees: prices that favour it make the programme track it.
    compiled = compiled_instance(3)
    e = next(e for e in range(compiled.employees) if 0 < min(compiled.caps[e]) < compiled.days)
    capped = min(range(compiled.shifts), key=lambda s: compiled.caps[e][s] or compiled.days)
    duals = [[100.0 if s == capped else 0.0 for s in range(compiled.shifts)] for _ in range(compiled.days)]
    pricer = DpPricer(compiled, e)
    exact = pricer.price(duals)
    assert exact is not None and exact.rows
    assert capped in pricer.tracked
    assert sum(s == capped for s in exact.rows[-1]) == compiled.caps[e][capped]


def test_pricer_falls_back_to_cp_sat_when_the_programme_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = compiled_instance(2)
    duals = _random_duals(compiled, random.Random(7))
    exact = Pricer(compiled, 0).price(duals, time_limit=30)
    monkeypatch.setattr(pricing_dp, "MAX_CELLS", 1)
    assert DpPricer(compiled, 0).price(duals) is None
    fallback = Pricer(compiled, 0).price(duals, time_limit=30)
    assert fallback.optimal
    assert fallback.bound == pytest.approx(exact.bound, abs=compiled.days / colgen.PRICE_SCALE)


def test_impossible_fixings_give_an_infinite_minimum() -> None:
    compiled = compiled_instance(1)
    duals = _random_duals(compiled, random.Random(3))
    # working every one of the first days breaks the maximum of consecutive shifts
    k = compiled.instance.employees[0].max_consecutive_shifts
    fixings: list[Fixing] = [(d, OFF, False) for d in range(k + 1)]
    exact = DpPricer(compiled, 0).price(duals, fixings)
    assert exact is not None and math.isinf(exact.minimum) and not exact.rows
    pricer = Pricer(compiled, 0)
    pricer.fix(fixings)
    assert math.isinf(pricer.price(duals, time_limit=10).bound)


def test_pool_of_processes_returns_what_each_programme_returns() -> None:
    """The worker processes price exactly as the programme in this process: same minima, same rows, in order."""
    compiled = compiled_instance(3)
    rng = random.Random(7)
    pool = pricing_dp.DpPool(compiled, 2)
    try:
        for _ in range(2):
            duals = _random_duals(compiled, rng)
            tasks = [(e, tuple(_random_fixings(compiled, rng, 2))) for e in range(compiled.employees)]
            remote = pool.price(duals, tasks, 3)
            for (e, fixings), found in zip(tasks, remote, strict=True):
                local = DpPricer(compiled, e).price(duals, fixings, 3)
                assert found is not None and local is not None
                assert found.minimum == pytest.approx(local.minimum, abs=1e-9)
                assert found.rows == local.rows
        # one process in use (a search beside needs the other core): the same answers
        duals = _random_duals(compiled, rng)
        tasks = [(e, ()) for e in range(compiled.employees)]
        alone = pool.price(duals, tasks, 2, processes=1)
        both = pool.price(duals, tasks, 2)
        for one, two in zip(alone, both, strict=True):
            assert one is not None and two is not None
            assert one.minimum == pytest.approx(two.minimum, abs=1e-9)
    finally:
        pool.close()
