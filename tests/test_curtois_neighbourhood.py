"""A neighbourhood model (some cells free, the rest fixed to a lawful roster) agrees with the checker.

The rule builders fold fixed cells into constants and skip constraints that touch no free cell; this pins
random values on random, scattered free cells (as the LNS's random-cell neighbourhood frees them) and asks the
model to be feasible exactly when the checker finds the combined roster lawful, with the same objective.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from ressursbank.checker.curtois import check_curtois
from ressursbank.solver.curtois.compile import OFF, compile_instance
from ressursbank.solver.curtois.construct import construct
from ressursbank.solver.curtois.model import CurtoisModel, Formulation
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.rules import post_rules
from tests.test_curtois_rules import INSTANCE

COMPILED = compile_instance(INSTANCE)
#: A lawful roster for the fixed cells, built once.
BASE = construct(COMPILED, deadline=time.monotonic() + 5, seed=0)

_row = st.lists(st.sampled_from((OFF, 0, 1)), min_size=COMPILED.days, max_size=COMPILED.days)
#: About one cell in four free: few enough that a random pin is often lawful, so both verdicts occur.
_mask = st.lists(st.integers(0, 3).map(lambda draw: draw == 3), min_size=COMPILED.days, max_size=COMPILED.days)


@example(
    # Employee A's first block (days 2-3) loses day 2 while day 6 is also free (a scattered span): day 3 alone
    # is then a one-day block, which the minimum-block clauses starting on day 3 must still forbid.
    rows=[[OFF] * COMPILED.days] * 2,
    masks=[[d in (2, 6) for d in range(COMPILED.days)], [False] * COMPILED.days],
    formulation="engine",
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(_row, min_size=2, max_size=2),
    masks=st.lists(_mask, min_size=2, max_size=2),
    formulation=st.sampled_from(("engine", "plain")),
)
def test_neighbourhood_model_agrees_with_checker(
    rows: list[list[int]], masks: list[list[bool]], formulation: Formulation
) -> None:
    """Pinning random shifts on random free cells: feasible iff the combined roster is lawful, same objective."""
    assert BASE is not None
    free = [[d for d, chosen in enumerate(mask) if chosen] for mask in masks]
    combined = [row[:] for row in BASE]
    for e, days in enumerate(free):
        for d in days:
            # A fixed day off has no variables (tested in test_curtois_rules): pin only what the model can hold.
            combined[e][d] = rows[e][d] if rows[e][d] in COMPILED.allowed[e][d] else OFF
    m = CurtoisModel(COMPILED, fixed=BASE, free=free, formulation=formulation)
    post_rules(m)
    add_objective(m)
    for e, days in enumerate(free):
        for d in days:
            for t in COMPILED.allowed[e][d]:
                m.model.add(m.x[e, d, t] == int(combined[e][d] == t))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(m.model)
    report = check_curtois(INSTANCE, COMPILED.to_roster(combined))
    feasible = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert feasible == report.feasible, report.verdict
    if feasible:
        assert round(solver.objective_value) == report.objective == COMPILED.objective(combined)
        assert m.extract(solver) == combined
