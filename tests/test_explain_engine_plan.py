"""Explanations of an engine plan of the tiny demo municipality: every unmet need has a reason and a fix."""

from __future__ import annotations

import pytest

from ressursbank.checker.roster import check_plan
from ressursbank.domain import Problem
from ressursbank.explain import apply_fix, explain_plan
from ressursbank.solve import SolveParams, solve


@pytest.mark.slow
def test_every_unmet_need_of_an_engine_plan_is_explained_and_its_top_fix_closes_it(tiny_covid: Problem) -> None:
    """covid-2020-03 on the tiny municipality, one week: each open need gets a reason in both languages and ranked
    fixes; the top fix of each (up to ten) closes it lawfully by the independent checker; every assignment has
    a reason."""
    result = solve(tiny_covid, SolveParams.preset("fast", time_limit_s=3.0, processes=1))
    assignments, unmet = explain_plan(tiny_covid, result.plan)
    report = check_plan(tiny_covid, result.plan)
    assert unmet and {u.need_id for u in unmet} == {u.need_id for u in report.unmet}
    assert len(assignments) == len(result.plan.assignments)
    assert all(a.reasons for a in assignments)
    for u in unmet:
        assert u.reason("nb") and u.reason("en") and u.fixes
        assert u.fixes[0].closes == u.missing
    for u in unmet[:10]:
        fixed_problem, fixed_plan = apply_fix(tiny_covid, result.plan, u.fixes[0])
        after = check_plan(fixed_problem, fixed_plan)
        assert after.is_lawful, [str(v) for v in after.hard_violations]
        assert u.need_id not in {x.need_id for x in after.unmet}
