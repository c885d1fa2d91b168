"""LNS from the root LP (:mod:`ressursbank.solver.curtois.lp_guided`) on instances 1-3: the LP's roster is lawful,
the result is checker-verified, never worse than the start, and its bound is valid. No test asserts wall time."""

from __future__ import annotations

import time

import pytest

from ressursbank.checker.curtois import check_curtois
from ressursbank.solver.curtois.colgen import _lawful, column_generation
from ressursbank.solver.curtois.construct import construct
from ressursbank.solver.curtois.lp_guided import lp_guided_search
from tests.helpers_curtois import OPTIMUM, compiled_instance


@pytest.mark.parametrize("number", [2, 3])
def test_lp_roster_is_one_lawful_column_per_employee(number: int) -> None:
    compiled = compiled_instance(number)
    result = column_generation(compiled, deadline=time.monotonic() + 60, master_ip_seconds=0, dive_seconds=0)
    assert result.converged and result.lp_roster is not None
    assert len(result.lp_roster) == compiled.employees
    assert all(_lawful(compiled, e, row) for e, row in enumerate(result.lp_roster))


@pytest.mark.parametrize(("number", "workers"), [(2, 1), (3, 2)])
def test_search_is_lawful_never_worse_and_bounded(number: int, workers: int) -> None:
    compiled = compiled_instance(number)
    start = construct(compiled, deadline=time.monotonic() + 5, seed=0)
    assert start is not None
    result = lp_guided_search(compiled, start, deadline=time.monotonic() + 4, workers=workers, seed=0)
    report = check_curtois(compiled.instance, compiled.to_roster(result.assignment))
    assert report.feasible, report.verdict
    assert report.objective == result.objective
    assert result.objective <= compiled.objective(start)
    assert result.lower_bound is not None and result.lower_bound <= OPTIMUM[number] <= result.objective
    assert result.converged
