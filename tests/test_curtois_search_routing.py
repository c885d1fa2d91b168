"""Routing of :func:`solve_curtois` on instance 2, forced through the LP-guided path (the route of 12, 15, 18 at 60 s).

The instance is small; the size thresholds are set so that it takes the route of a wide instance. The roster must
be lawful, the bound valid (never above the optimum), and "OPTIMAL" only with the roster at the optimum.
"""

from __future__ import annotations

from ressursbank.checker.curtois import check_curtois
from ressursbank.domain.curtois import CurtoisInstance
from ressursbank.formats.curtois import read_curtois
from ressursbank.solver.curtois.search import CurtoisParams, CurtoisSolution, solve_curtois
from tests.helpers_curtois import DATA, OPTIMUM


def assert_honest(instance: CurtoisInstance, solution: CurtoisSolution) -> None:
    """The roster is lawful and scored as the checker scores it, the bound valid, "OPTIMAL" only at the optimum."""
    report = check_curtois(instance, solution.roster)
    assert report.feasible, report.verdict
    assert report.objective == solution.objective and solution.objective >= OPTIMUM[2]
    assert solution.bound is not None and solution.bound <= OPTIMUM[2]
    if solution.status == "OPTIMAL":
        assert solution.objective == OPTIMUM[2]


def test_a_wide_instance_goes_through_the_lp_guided_search() -> None:
    instance = read_curtois(DATA / "Instance2.txt")
    params = CurtoisParams(time_limit=8, branch_max_vars=0, lp_guided_var_days_per_second=10**6, lp_guided_max_days=28)
    solution = solve_curtois(instance, params)
    assert "lp-guided" in solution.phases and "branch" not in solution.phases
    assert_honest(instance, solution)


def test_without_lp_guided_a_wide_instance_goes_through_the_tree() -> None:
    instance = read_curtois(DATA / "Instance2.txt")
    params = CurtoisParams(
        time_limit=8, branch_max_vars=0, branch_wide_max_vars=10**6, branch_wide_max_days=28, lp_guided=False
    )
    solution = solve_curtois(instance, params)
    assert "branch" in solution.phases and "lp-guided" not in solution.phases
    assert_honest(instance, solution)


def test_above_the_lp_guided_size_a_wide_instance_goes_through_the_tree() -> None:
    """The LP-guided route is chosen by variables times days per second of budget; above it, the older route."""
    instance = read_curtois(DATA / "Instance2.txt")
    params = CurtoisParams(
        time_limit=8,
        branch_max_vars=0,
        branch_wide_max_vars=10**6,
        branch_wide_max_days=28,
        lp_guided_var_days_per_second=0,
    )
    solution = solve_curtois(instance, params)
    assert "branch" in solution.phases and "lp-guided" not in solution.phases
    assert_honest(instance, solution)
