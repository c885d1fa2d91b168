"""Who goes where (``loans.plan_loans``): whole people lent for whole weeks, and the construction that honours them."""

from __future__ import annotations

import numpy as np

from ressursbank.checker import check_plan
from ressursbank.domain.needs import Need
from ressursbank.domain.people import Employee
from ressursbank.solver.compile import compile_problem
from ressursbank.solver.engine import to_plan
from ressursbank.solver.greedy import construct
from ressursbank.solver.loans import plan_loans
from tests.helpers_engine import employee, need, problem, run


def _clinic_week() -> tuple[list[Employee], list[Need]]:
    """The clinic needs a nurse on four weekdays and has no staff; the nursing home has two nurses and one shift."""
    people = [employee("a"), employee("b")]
    needs = [need("m0", 0), *(need(f"h{d}", d, unit="host") for d in range(4))]
    return people, needs


def test_the_clinic_week_is_lent_as_one_whole_person() -> None:
    people, needs = _clinic_week()
    p = problem(people, needs)
    c = compile_problem(p)
    loans = plan_loans(c, construct(c))
    host = c.unit_ids.index("host")
    lent = np.flatnonzero(loans[:, 0] == host).tolist()
    assert len(lent) == 1  # four shifts (1,920 minutes) fit one contract (2,250)
    assert (loans[loans[:, 0] != host] == -1).all()


def test_the_construction_gives_the_host_its_lent_person_and_leaves_them_out_at_home() -> None:
    people, needs = _clinic_week()
    p = problem(people, needs)
    c = compile_problem(p)
    a, b = c.employee_index["a"], c.employee_index["b"]
    loans = np.full((c.n_employees, c.weeks), -1, dtype=np.int64)
    loans[a, 0] = c.unit_ids.index("host")
    by_need = construct(c, loans=loans)
    assert by_need[c.need_index["m0"]] == [b]  # a is at the clinic this week
    for d in range(4):
        assert by_need[c.need_index[f"h{d}"]] == [a]
    report = check_plan(p, to_plan(c, by_need), weights=c.weights)
    assert not report.hard_violations


def test_the_engine_with_loans_is_lawful_exact_and_deterministic() -> None:
    people, needs = _clinic_week()
    p = problem([*people, employee("c", "far")], needs)
    first, second = run(p, loan_planning=True), run(p, loan_planning=True)
    assert first.plan == second.plan and first.objective == second.objective
    report = check_plan(p, first.plan)
    assert not report.hard_violations
    assert report.objective == first.objective
    assert report.people_moved == 1
