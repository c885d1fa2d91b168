"""Branch-and-price on Curtois instances 1-3: valid bounds, fixings obeyed by pricing, proofs only when true.

A bound above the known optimum, or "proven" on a roster that is not optimal, is a defect. No test asserts wall
time; deadlines only bound how long a test may take.
"""

from __future__ import annotations

import math
import random
import time

import pytest

from ressursbank.checker.curtois import check_curtois
from ressursbank.solver.curtois import branch
from ressursbank.solver.curtois.branch import _Tree, branch_and_price, cell_bans
from ressursbank.solver.curtois.colgen import Pricer
from ressursbank.solver.curtois.compile import OFF, Compiled
from ressursbank.solver.curtois.construct import construct
from tests.helpers_curtois import OPTIMUM, compiled_instance


@pytest.mark.parametrize("number", [1, 2, 3])
def test_tree_proves_the_optimum_with_a_valid_bound(number: int) -> None:
    """Instance 1 has an integrality gap (LP 558, optimum 607): only the tree closes it."""
    compiled = compiled_instance(number)
    result = branch_and_price(compiled, deadline=time.monotonic() + 300, workers=1, root_ip_seconds=1)
    assert result.lower_bound is not None and result.lower_bound <= OPTIMUM[number]
    assert result.root_bound is not None and result.root_bound <= result.lower_bound
    assert result.assignment is not None and result.objective is not None
    report = check_curtois(compiled.instance, compiled.to_roster(result.assignment))
    assert report.feasible, report.verdict
    assert report.objective == result.objective >= OPTIMUM[number]
    if result.proven:
        assert result.objective == result.lower_bound == OPTIMUM[number]
    assert result.proven  # generous deadline: these trees are small


def test_an_optimal_incumbent_is_proven_at_once() -> None:
    """Handed the optimum of instance 2 (LP bound = optimum), the root prunes it: proven, one node."""
    compiled = compiled_instance(2)
    found = branch_and_price(compiled, deadline=time.monotonic() + 300, root_ip_seconds=1)
    assert found.proven and found.assignment is not None
    again = branch_and_price(compiled, deadline=time.monotonic() + 300, initial_rosters=[found.assignment])
    assert again.proven and again.objective == OPTIMUM[2] and again.nodes == 1


def test_a_bad_incumbent_from_outside_is_not_called_optimal() -> None:
    """Past its deadline the search reports the open bound, never ``proven``, for a roster above the optimum."""
    compiled = compiled_instance(1)
    seed = construct(compiled, deadline=time.monotonic() + 10, seed=0)
    assert seed is not None
    result = branch_and_price(compiled, deadline=time.monotonic() - 1, initial_rosters=[seed])
    assert not result.proven and result.lower_bound is None
    assert result.objective == compiled.objective(seed)


@pytest.mark.parametrize("number", [2, 3])
def test_pricing_obeys_branching_fixings(number: int) -> None:
    """Fixings pushed into the pricing model hold in every roster it returns, and can be lifted again."""
    compiled = compiled_instance(number)
    rng = random.Random(number)
    duals = [
        [rng.uniform(-compiled.cover_over[d][s], compiled.cover_under[d][s]) for s in range(compiled.shifts)]
        for d in range(compiled.days)
    ]
    pricer = Pricer(compiled, 0)
    free = pricer.price(duals, time_limit=20)
    assert free.rows and free.optimal
    best = free.rows[-1]
    # Force the opposite of what the unconstrained optimum does on two days.
    day_off = next(d for d in range(compiled.days) if compiled.allowed[0][d])
    fixings = [(day_off, OFF, best[day_off] != OFF), (compiled.days - 1, best[-1], False)]
    assert pricer.fix(fixings)
    fixed = pricer.price(duals, time_limit=20)
    for row in fixed.rows:
        assert all((row[d] == s) == on for d, s, on in fixings)
    if fixed.optimal and not math.isinf(fixed.bound):
        assert fixed.bound >= free.bound - 1e-6  # a restriction never lowers the minimum
    assert pricer.fix([])
    assert pricer.price(duals, time_limit=20).bound == pytest.approx(free.bound, abs=1e-6)


def test_impossible_fixings_are_reported() -> None:
    """A shift on a fixed day off is impossible on its face; contradictory fixings make pricing infeasible."""
    compiled = compiled_instance(1)
    pricer = Pricer(compiled, 0)
    blocked = [d for d in range(compiled.days) if not compiled.allowed[0][d]]
    if blocked:
        assert not pricer.fix([(blocked[0], 0, True)])
    day, shift = next((d, cell[0]) for d, cell in enumerate(compiled.allowed[0]) if cell)
    assert pricer.fix([(day, OFF, True), (day, shift, True)])
    duals = [[0.0] * compiled.shifts for _ in range(compiled.days)]
    result = pricer.price(duals, time_limit=20)
    assert not result.rows and math.isinf(result.bound)


def _solved_root(compiled: Compiled) -> tuple[_Tree, float]:
    """A one-thread tree whose master holds every employee's best roster at zero duals, its root LP solved."""
    tree = _Tree(compiled, workers=1, incumbent=None, on_roster=None)
    zero: list[list[float]] = [[0.0] * compiled.shifts for _ in range(compiled.days)]
    for e, priced in enumerate(tree.price(zero, range(compiled.employees), time.monotonic() + 60) or []):
        for row in priced.rows:
            tree.add_column(e, row)
    bound, exact = tree.solve_node(-math.inf, time.monotonic() + 120, prune=False)
    assert exact and tree.dual_point is not None
    return tree, bound


def test_child_lagrangian_bounds_stay_below_the_child_lp() -> None:
    """A child's bound from one exact re-pricing at the node's Lagrangian point is valid: its ceiling never exceeds
    the ceiling of the child's own LP bound (instance 1, whose root LP is fractional)."""
    compiled = compiled_instance(1)
    tree, root_bound = _solved_root(compiled)
    root_point = tree.dual_point
    assert root_point is not None
    _, weights = tree.lp_rosters()
    choice = tree.branching(weights)
    assert choice is not None
    for e, d, s, _ in [choice]:
        for on in (True, False):
            tree.dual_point = root_point
            fixings = ((e, d, s, on),)
            estimate = tree.child_bound(root_bound, fixings, e)
            assert estimate >= root_bound
            assert tree.restrict(fixings)
            child, child_exact = tree.solve_node(-math.inf, time.monotonic() + 120, prune=False)
            assert child_exact
            # the child's solve may stop once ceil(its bound) meets ceil(its LP): compare what a proof uses
            assert math.ceil(estimate - 1e-6) <= math.ceil(child - 1e-6)
            tree.restrict(())


def test_pricing_processes_prove_the_optimum() -> None:
    """With two workers the programmes run in worker processes; the proof and its bound are the same."""
    compiled = compiled_instance(3)
    result = branch_and_price(compiled, deadline=time.monotonic() + 300, workers=2, root_ip_seconds=1)
    assert result.proven and result.objective == result.lower_bound == OPTIMUM[3]
    assert result.assignment is not None
    assert check_curtois(compiled.instance, compiled.to_roster(result.assignment)).objective == OPTIMUM[3]


def test_reduced_cost_bans_keep_every_better_roster() -> None:
    """Against an incumbent one above the optimum, the cells banned by reduced cost are never used by the optimal
    roster (which is better), and a worse incumbent never bans more (instance 3, whose LP bound is the optimum)."""
    number = 3
    compiled = compiled_instance(number)
    proof = branch_and_price(compiled, deadline=time.monotonic() + 300, root_ip_seconds=1)
    assert proof.proven and proof.assignment is not None
    optimal = proof.assignment
    tree, _ = _solved_root(compiled)
    assert tree.dual_point is not None
    tree.price_cells(tree.dual_point, time.monotonic() + 120)
    counts = []
    for incumbent in (OPTIMUM[number] + 40, OPTIMUM[number] + 1):
        tree.best_value = incumbent  # only the value matters to the bans
        counts.append(tree.apply_bans())
        for e, row in enumerate(optimal):
            assert all(row[d] != s for d, s, _ in tree.bans[e]), (incumbent, e)
    assert counts[1] > 0 and counts[0] <= counts[1]
    assert tree.restrict(())  # the bans reach the pricers: every new column obeys them
    _, exact = tree.solve_node(-math.inf, time.monotonic() + 120, prune=False)
    assert exact
    for e, columns in enumerate(tree.master.columns):
        assert all(all(row[d] != s for d, s, _ in tree.bans[e]) for row, _, _ in columns)


def test_without_heuristics_in_the_tree_the_proof_is_the_same() -> None:
    """With RINS and the restricted master IP kept out of the tree (an unreachable gap), instance 1's LP gap is
    still closed by the tree itself, with the same optimum."""
    compiled = compiled_instance(1)
    result = branch_and_price(
        compiled, deadline=time.monotonic() + 300, workers=1, root_ip_seconds=1, heuristic_gap=10**6
    )
    assert result.proven and result.objective == result.lower_bound == OPTIMUM[1]


def test_a_root_out_of_time_before_its_first_lp_reports_its_first_bound() -> None:
    """When the root's deadline passes before its first LP, the call returns the first Lagrangian bound (valid,
    not proven) and the roster handed in, rather than failing."""
    compiled = compiled_instance(1)
    seed = construct(compiled, deadline=time.monotonic() + 10, seed=0)
    assert seed is not None
    result = branch_and_price(
        compiled, deadline=time.monotonic() + 60, initial_rosters=[seed], root_deadline=time.monotonic() - 1
    )
    assert not result.proven and not result.root_converged and result.nodes == 1
    assert result.lower_bound is not None and result.lower_bound <= OPTIMUM[1]
    assert result.objective == compiled.objective(seed)


def test_cell_bans_keep_every_cell_that_a_better_roster_may_use() -> None:
    """Made-up minima at a point of bound 100: a cell is banned only when forcing it lifts the bound to the
    incumbent or more (the objective is integral), so a tie with ``incumbent - 1`` stays allowed."""
    per = [{(0, 1): 5.0, (1, OFF): 7.0, (2, 0): 8.5}, {(0, 0): 2.0}]
    minima = [3.0, 2.0]
    # forced: (0, 1) -> 102, (1, OFF) -> 104, (2, 0) -> 105.5; (0, 0) of employee 1 -> 100
    assert cell_bans((100.0, minima, per), 105) == [[(2, 0, False)], []]
    assert cell_bans((100.0, minima, per), 104) == [[(1, OFF, False), (2, 0, False)], []]
    assert cell_bans((100.0, minima, per), 103) == [[(1, OFF, False), (2, 0, False)], []]  # 102 < 103 may use (0, 1)
    assert cell_bans((100.0, minima, per), 102) == [[(0, 1, False), (1, OFF, False), (2, 0, False)], []]
    assert cell_bans((100.0, minima, per), 200) == [[], []]


@pytest.mark.parametrize("candidates", [1, 10])
def test_strong_branching_proves_the_same_optimum(candidates: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Branching on the cell whose weaker child's Lagrangian bound rises most (or on the most fractional one)
    closes instance 1's LP gap (LP 558, optimum 607) with the same, checked optimum."""
    monkeypatch.setattr(branch, "BRANCH_CANDIDATES", candidates)
    compiled = compiled_instance(1)
    result = branch_and_price(compiled, deadline=time.monotonic() + 300, workers=1, root_ip_seconds=1)
    assert result.proven and result.assignment is not None
    assert result.objective == result.lower_bound == OPTIMUM[1]
    assert check_curtois(compiled.instance, compiled.to_roster(result.assignment)).objective == OPTIMUM[1]
    assert result.nodes > 1  # the tree was needed
