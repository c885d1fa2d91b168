"""Each quickstart rule in the CP-SAT model: trivially feasible, forced violation infeasible, allowed case feasible."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from ortools.sat.python import cp_model

from ressursbank.checker.timefold import check_timefold
from ressursbank.domain.timefold import Employee, Shift, TimefoldDataset
from ressursbank.solver.timefold.compile import compile_dataset
from ressursbank.solver.timefold.model import build_submodel, solve_submodel
from ressursbank.solver.timefold.rules import RULES, Weights

MONDAY = dt.date(2027, 1, 4)
WEIGHTS = Weights(minute=10, square=1, unassigned=10**6)
Spec = tuple[tuple[int, int, int], tuple[int, int, int]]  # ((day, hour, minute) start, (day, hour, minute) end)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Return the date-time ``day`` days after Monday 2027-01-04 at ``hour:minute``."""
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(hour, minute))


def make(shifts: list[Spec], skills: tuple[str, ...] = ("Nurse",), **dates: tuple[int, ...]) -> TimefoldDataset:
    """One employee ``A`` with ``skills`` and date lists (day offsets); every shift needs Nurse."""
    lists = {key: frozenset(MONDAY + dt.timedelta(days=d) for d in value) for key, value in dates.items()}
    a = Employee(
        "A",
        frozenset(skills),
        unavailable_dates=lists.get("unavailable", frozenset()),
        undesired_dates=lists.get("undesired", frozenset()),
        desired_dates=lists.get("desired", frozenset()),
    )
    return TimefoldDataset(
        "rule",
        MONDAY,
        7,
        (a,),
        tuple(Shift(str(i), at(*s), at(*e), "L", "Nurse") for i, (s, e) in enumerate(shifts)),
    )


def feasible(data: TimefoldDataset) -> bool:
    """Whether the full model (every rule, every shift taken) has a solution; its roster must pass the checker."""
    compiled = compile_dataset(data)
    assign = np.full(compiled.n_shifts, -1, dtype=np.int64)
    sub = build_submodel(
        compiled, range(compiled.n_shifts), range(compiled.n_employees), assign, WEIGHTS, allow_unassigned=False
    )
    status, result = solve_submodel(sub, time_limit=5, workers=1, seed=0)
    if result is None:
        assert status == "INFEASIBLE"
        return False
    roster = {data.shifts[s].id: data.employees[e].name for s, e in result.items()}
    assert check_timefold(data, roster).feasible
    return True


DAY: Spec = ((0, 6, 0), (0, 14, 0))

# rule -> (trivially feasible, forced violation, allowed borderline case)
CASES: dict[str, tuple[TimefoldDataset, TimefoldDataset, TimefoldDataset]] = {
    "required_skill": (make([DAY]), make([DAY], skills=("Doctor",)), make([DAY], skills=("Doctor", "Nurse"))),
    "no_overlap": (
        make([DAY]),
        make([((0, 20, 0), (1, 8, 0)), ((1, 7, 0), (1, 15, 0))]),
        make([((0, 20, 0), (1, 8, 0)), ((1, 18, 0), (2, 2, 0))]),
    ),
    "min_rest_between_shifts": (
        make([DAY]),
        make([((0, 14, 0), (0, 22, 0)), ((1, 7, 59), (1, 15, 0))]),
        make([((0, 14, 0), (0, 22, 0)), ((1, 8, 0), (1, 16, 0))]),
    ),
    "one_shift_per_day": (
        make([DAY]),
        make([((0, 0, 0), (0, 2, 0)), ((0, 20, 0), (0, 22, 0))]),
        make([((0, 12, 0), (0, 14, 0)), ((1, 0, 30), (1, 1, 0))]),
    ),
    "unavailable_dates": (
        make([DAY]),
        make([((0, 22, 0), (1, 6, 0))], unavailable=(1,)),
        make([((0, 14, 0), (1, 0, 0))], unavailable=(1,)),
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_trivially_feasible(rule: str) -> None:
    """One qualified employee, one shift the rule cannot object to: feasible."""
    assert feasible(CASES[rule][0])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_forced_violation_is_infeasible(rule: str) -> None:
    """When the only roster breaks the rule, the model has no solution."""
    assert not feasible(CASES[rule][1])


@pytest.mark.parametrize("rule", sorted(CASES))
def test_allowed_case_is_feasible(rule: str) -> None:
    """The borderline case the rule allows (10 h rest exactly, a shift ending at midnight, ...) stays feasible."""
    assert feasible(CASES[rule][2])


def test_every_rule_is_labelled_once() -> None:
    """The model has one labelled rule per README rule, in score order."""
    assert [r.code for r in RULES] == ["H1", "H2", "H3", "H4", "H5", "S1", "S2", "S3"]
    assert {r.label for r in RULES} >= set(CASES) | {"undesired_dates", "desired_dates", "shift_balance"}


def soft_terms(data: TimefoldDataset, weights: Weights = WEIGHTS) -> dict[str, int]:
    """Solve the full model and return each soft label's weighted value in the optimum."""
    compiled = compile_dataset(data)
    assign = np.full(compiled.n_shifts, -1, dtype=np.int64)
    sub = build_submodel(
        compiled, range(compiled.n_shifts), range(compiled.n_employees), assign, weights, allow_unassigned=False
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(sub.model) == cp_model.OPTIMAL
    totals: dict[str, int] = {}
    for label, coef, var in sub.terms:
        totals[label] = totals.get(label, 0) + coef * solver.value(var)
    return totals


def test_undesired_penalty_is_day_minutes() -> None:
    """S1 costs exactly 360 minutes for a night ending on an undesired date (and nothing on its start date)."""
    terms = soft_terms(make([((0, 22, 0), (1, 6, 0))], undesired=(1,)))
    assert terms["undesired_dates"] == 360 * WEIGHTS.minute


def test_desired_reward_is_day_minutes() -> None:
    """S2 rewards exactly 119 + 360 minutes for a night whose start and end dates are both desired."""
    terms = soft_terms(make([((0, 22, 0), (1, 6, 0))], desired=(0, 1)))
    assert terms["desired_dates"] == -(119 + 360) * WEIGHTS.minute


def test_balance_square_is_exact() -> None:
    """S3's linearisation gives exactly the square of the count: three shifts on one employee cost 9."""
    terms = soft_terms(make([DAY, ((1, 6, 0), (1, 14, 0)), ((2, 6, 0), (2, 14, 0))]))
    assert terms["shift_balance"] == 9 * WEIGHTS.square
