"""The Lagrangian programme of :mod:`ressursbank.solver.curtois.pricing_dp` (``price(..., relaxed=True)``).

Where the exact programme would be too large (year-long caps), best responses still need a lawful row fast: the
binding caps (and, when its axis is too large, the weekend limit) are priced by multipliers instead. CP-SAT's
pricer is the reference on made-up instances with binding caps and weekend limits (the exact programme's limits
lowered so the caps cannot be tracked): the minimum returned is a lower bound on CP-SAT's, every row is lawful by
the checker and true to the fixings, no row is cheaper than that minimum, and a row flagged exact is optimal.
"""

from __future__ import annotations

import math
import random

import pytest

from ressursbank.checker.curtois import check_employee
from ressursbank.exceptions import DomainError
from ressursbank.formats.curtois import parse_curtois
from ressursbank.solver.curtois import colgen, pricing_dp
from ressursbank.solver.curtois.colgen import Pricer
from ressursbank.solver.curtois.compile import OFF, Compiled, compile_instance
from ressursbank.solver.curtois.pricing_dp import DpPricer
from tests.helpers_curtois import SHIFTS, made_up_instance_text, random_duals_and_fixings, reduced_cost


def _no_room_for_caps(monkeypatch: pytest.MonkeyPatch, compiled: Compiled) -> None:
    """Let the exact programme hold the minutes and weekends but no cap's counter."""
    largest = max(
        pricer._states() * pricer.minute_cells * (pricer.weekend_limit + 1)
        for pricer in (DpPricer(compiled, e) for e in range(compiled.employees))
    )
    monkeypatch.setattr(pricing_dp, "MAX_CELLS", largest)


@pytest.mark.parametrize(
    ("seed", "priced"),
    [(1, "caps"), (2, "caps"), (3, "minutes"), (5, "minutes"), (3, "weekends"), (6, "weekends"), (7, "both")],
)
def test_lower_bound_and_lawful_rows_against_cp_sat(seed: int, priced: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``priced``: what the multipliers price besides the caps (the minutes or weekends axis left out; "both":
    one answer each way, merged)."""
    rng = random.Random(seed)
    instance = parse_curtois(made_up_instance_text(rng, 28, 5), name=f"made-up relaxed {seed}")
    compiled = compile_instance(instance)
    shift_ids = [s.id for s in instance.shift_types]
    monkeypatch.setattr(colgen, "PRICING_DP", False)
    _no_room_for_caps(monkeypatch, compiled)
    if priced != "caps":
        monkeypatch.setattr(pricing_dp, "RELAXED_MAX_TOTAL_CELLS", 0)
        monkeypatch.setattr(pricing_dp, "PRICE_MINUTES", priced != "weekends")
        if priced == "both":  # every call prices the minutes, then the weekends, and merges the answers
            monkeypatch.setattr(pricing_dp, "HYBRID_AFTER", 0)
            monkeypatch.setattr(pricing_dp, "HYBRID_GAP", -1.0)
    relaxed_calls = relaxed_rows = with_rows = 0
    for e, employee in enumerate(instance.employees):
        pricer = DpPricer(compiled, e)
        for with_fixings in (False, True, False):
            # duals that favour some shift types strongly, so caps, weekends and the minutes' maximum bind
            duals, fixings = random_duals_and_fixings(rng, compiled, with_fixings=with_fixings)
            answer = pricer.price(duals, fixings, columns=3, relaxed=True)
            assert answer is not None
            reference = Pricer(compiled, e)
            if not reference.fix(fixings):
                assert math.isinf(answer.minimum)
                continue
            try:
                solved = reference.price(duals, time_limit=30)
            except DomainError:  # the made-up employee has no lawful roster at all
                assert not answer.rows
                continue
            assert solved.optimal
            tolerance = compiled.days / colgen.PRICE_SCALE
            if not solved.rows:
                assert not answer.rows
                continue
            relaxed_calls += not answer.exact
            relaxed_rows += not answer.exact and bool(answer.rows)
            # weak duality: never above the true minimum
            assert answer.minimum <= solved.bound + tolerance
            if answer.exact:
                assert answer.rows
                assert reduced_cost(compiled, e, duals, answer.rows[-1]) == pytest.approx(solved.bound, abs=tolerance)
            with_rows += bool(answer.rows)
            previous = -math.inf
            for row in answer.rows[::-1]:
                shifts = {d: shift_ids[s] for d, s in enumerate(row) if s != OFF}
                assert list(check_employee(instance, employee, shifts)) == []
                assert all((row[d] == s) == on for d, s, on in fixings)
                reduced = reduced_cost(compiled, e, duals, row)
                assert reduced >= solved.bound - tolerance and reduced >= previous - 1e-9  # best last
                previous = reduced
    print(f"relaxed {relaxed_calls}, with rows {relaxed_rows}; rows in {with_rows} of {3 * compiled.employees}")
    assert relaxed_rows > 0  # the caps did bind: some rows came from the multipliers
    assert with_rows >= 2 * compiled.employees  # most calls found a lawful row


def test_without_relaxed_a_too_large_programme_still_gives_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Column generation's calls stay exact: without ``relaxed`` the caller prices by CP-SAT as before."""
    rng = random.Random(1)
    compiled = compile_instance(parse_curtois(made_up_instance_text(rng, 28, 5), name="made-up exact"))
    monkeypatch.setattr(pricing_dp, "MAX_CELLS", 1)
    duals = [[rng.uniform(-20, 60) for _ in SHIFTS] for _ in range(compiled.days)]
    assert DpPricer(compiled, 0).price(duals) is None
    assert DpPricer(compiled, 0).price(duals, relaxed=True) is None  # too large even without the caps


def test_unbinding_caps_give_the_exact_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the cheapest row under no multipliers obeys every cap, the Lagrangian programme proves it optimal."""
    rng = random.Random(4)
    compiled = compile_instance(parse_curtois(made_up_instance_text(rng, 28, 4), name="made-up loose"))
    checked = 0
    for e in range(compiled.employees):
        # capped shift types cost dearly, the others pay: the best row keeps clear of every cap
        uncapped = [compiled.caps[e][s] >= compiled.days for s in range(compiled.shifts)]
        duals = [[30.0 if free else -30.0 for free in uncapped] for _ in range(compiled.days)]
        exact = DpPricer(compiled, e).price(duals)
        with monkeypatch.context() as patch:
            _no_room_for_caps(patch, compiled)
            relaxed = DpPricer(compiled, e).price(duals, relaxed=True)
        assert exact is not None and relaxed is not None
        if not any(uncapped) or not exact.rows:
            continue
        assert relaxed.exact
        assert relaxed.minimum == pytest.approx(exact.minimum, abs=1e-9)
        assert reduced_cost(compiled, e, duals, relaxed.rows[-1]) == pytest.approx(exact.minimum, abs=1e-9)
        checked += 1
    assert checked > 0
