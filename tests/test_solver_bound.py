"""The proven bound: valid (never above a plan's objective) and tight where headcount is the only limit."""

from __future__ import annotations

from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.solver.bound import bound_with_coverage, coverage_upper_bounds
from ressursbank.solver.compile import compile_problem
from tests.helpers_engine import employee, need, problem, run


def test_two_places_one_nurse_one_unmet() -> None:
    """Two nurses needed at once, one nurse employed: at most one place filled, so one critical place unmet."""
    p = problem([employee("a")], [need("n", count=2)])
    c = compile_problem(p)
    assert coverage_upper_bounds(c) == (1, 1)
    bound, _, _ = bound_with_coverage(c)
    assert bound >= ObjectiveWeights().unmet_critical
    result = run(p)
    assert result.bound <= result.objective
    assert result.terms["unmet_critical"] == ObjectiveWeights().unmet_critical


def test_same_day_shifts_share_one_person() -> None:
    """Day and night on one day cannot both be worked by one person under 11 h rest: the per-day bound sees it."""
    p = problem([employee("a")], [need("d", 0, "day"), need("n", 0, "night")])
    assert coverage_upper_bounds(compile_problem(p)) == (1, 1)
