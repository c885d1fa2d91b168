"""Each CP-SAT rule builder of the Curtois engine: trivially feasible, forced violation infeasible, allowed feasible.

A property test then pins random rosters in the full model and asks it to agree with the independent checker
on lawfulness and, when lawful, on the objective to the unit.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from ressursbank.checker.curtois import check_curtois
from ressursbank.domain.curtois import CurtoisInstance
from ressursbank.formats.curtois import parse_curtois
from ressursbank.solver.curtois.compile import OFF, Assignment, compile_instance
from ressursbank.solver.curtois.model import CurtoisModel, Formulation
from ressursbank.solver.curtois.objective import add_objective
from ressursbank.solver.curtois.rules import RULES, Rule, post_rules, sequence_flow

FORMULATIONS: tuple[Formulation, ...] = ("engine", "plain")
FLOW = Rule("sequence_flow", sequence_flow)
ALL_RULES = (*RULES, FLOW)

#: Two shift types (L may not be followed by E), caps E=4 / L=3, 3 to 6 shifts, runs of 2 to 4 days on, at
#: least 2 days off, at most 1 working weekend; B is off on day 9.
TEXT = """SECTION_HORIZON
14
SECTION_SHIFTS
E,480,
L,480,E
SECTION_STAFF
A,E=4|L=3,2880,1440,4,2,2,1
B,E=4|L=3,2880,1440,4,2,2,1
SECTION_DAYS_OFF
A
B,9
SECTION_SHIFT_ON_REQUESTS
A,2,E,3
B,3,L,2
SECTION_SHIFT_OFF_REQUESTS
A,4,E,1
B,5,L,4
SECTION_COVER
1,E,1,100,1
2,E,2,100,1
3,L,1,50,2
4,E,1,100,1
8,L,1,30,1
"""
INSTANCE = parse_curtois(TEXT)


def roster(**rows: str) -> dict[str, dict[int, str]]:
    """Return a roster from strings with one character per day ('.' = off), e.g. A='..EE..'."""
    return {eid: {d: ch for d, ch in enumerate(row) if ch != "."} for eid, row in rows.items()}


def solve_pinned(
    instance: CurtoisInstance,
    rules: tuple[Rule, ...],
    pinned: dict[str, dict[int, str]] | None,
    formulation: Formulation,
    *,
    objective: bool = False,
) -> tuple[str, float | None]:
    """Post ``rules`` (and optionally the objective), pin every cell to ``pinned``, return status and value."""
    compiled = compile_instance(instance)
    m = CurtoisModel(compiled, formulation=formulation)
    post_rules(m, rules)
    if objective:
        add_objective(m)
    if pinned is not None:
        assignment: Assignment = compiled.from_roster(pinned)
        for e, row in enumerate(assignment):
            for d, s in enumerate(row):
                if s != OFF and (e, d, s) not in m.x:
                    m.model.add_bool_or([])  # a shift on a cell the variables do not allow
                if (e, d) in m.w:
                    m.model.add(m.w[e, d] == int(s != OFF))
            for (ee, d, s), var in m.x.items():
                if ee == e:
                    m.model.add(var == int(row[d] == s))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(m.model)
    value = solver.objective_value if objective and status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    return solver.status_name(status), value


def only(label: str) -> tuple[Rule, ...]:
    """Return the rule builder with ``label``."""
    return tuple(rule for rule in ALL_RULES if rule.label == label)


#: rule label -> (a roster that breaks only this rule, a lawful roster that tests its edge).
TRIADS: dict[str, tuple[dict[str, dict[int, str]], dict[str, dict[int, str]]]] = {
    "shift_type_cap": (roster(A="EEEEE"), roster(A="EEEE.LLL")),
    "forbidden_succession": (roster(A="..LE"), roster(A="..EL.LL")),
    "total_minutes": (roster(A="EE", B="EEE"), roster(A="EEE", B="EEE")),
    "max_consecutive_shifts": (roster(A="..EEEEE"), roster(A="..EEEE")),
    "min_consecutive_shifts": (roster(A="..E..EE"), roster(A="E....EE......E")),
    "min_consecutive_days_off": (roster(A="EE.EE"), roster(A=".EE..EE......")),
    "max_working_weekends": (roster(A=".....E......E"), roster(A=".....EE")),
    "sequence_flow": (roster(A="..E.EEEEE"), roster(A="E...EEEE....EE")),
}


@pytest.mark.parametrize("formulation", FORMULATIONS)
@pytest.mark.parametrize("label", sorted(TRIADS))
def test_rule_is_trivially_feasible(label: str, formulation: Formulation) -> None:
    """With nothing pinned, the rule alone admits a roster."""
    status, _ = solve_pinned(INSTANCE, only(label), None, formulation)
    assert status in ("OPTIMAL", "FEASIBLE")


@pytest.mark.parametrize("formulation", FORMULATIONS)
@pytest.mark.parametrize("label", sorted(TRIADS))
def test_forced_violation_is_infeasible(label: str, formulation: Formulation) -> None:
    """Pinning a roster that breaks the rule makes the model infeasible."""
    status, _ = solve_pinned(INSTANCE, only(label), TRIADS[label][0], formulation)
    assert status == "INFEASIBLE"


@pytest.mark.parametrize("formulation", FORMULATIONS)
@pytest.mark.parametrize("label", sorted(TRIADS))
def test_allowed_assignment_is_feasible(label: str, formulation: Formulation) -> None:
    """Pinning a roster that keeps the rule (at its edge) stays feasible."""
    status, _ = solve_pinned(INSTANCE, only(label), TRIADS[label][1], formulation)
    assert status in ("OPTIMAL", "FEASIBLE")


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_day_off_is_excluded_by_the_variables(formulation: Formulation) -> None:
    """A fixed day off has no shift variable: working it is infeasible, working the day before is not."""
    assert solve_pinned(INSTANCE, (), roster(B=".........E"), formulation)[0] == "INFEASIBLE"
    assert solve_pinned(INSTANCE, (), roster(B="........E"), formulation)[0] in ("OPTIMAL", "FEASIBLE")


def test_triads_break_only_their_own_rule() -> None:
    """The checker agrees: each forced-violation roster breaks its rule family (sanity of the triad data)."""
    checker_rules = {
        "shift_type_cap": {"shift_type_cap"},
        "forbidden_succession": {"forbidden_succession"},
        "total_minutes": {"min_total_minutes"},
        "max_consecutive_shifts": {"max_consecutive_shifts"},
        "min_consecutive_shifts": {"min_consecutive_shifts"},
        "min_consecutive_days_off": {"min_consecutive_days_off"},
        "max_working_weekends": {"max_working_weekends"},
        "sequence_flow": {"min_consecutive_shifts", "max_consecutive_shifts"},
    }
    for label, (bad, good) in TRIADS.items():
        broken = {v.rule for v in check_curtois(INSTANCE, bad).violations if v.employee == "A"}
        assert broken & checker_rules[label], label
        assert not {v.rule for v in check_curtois(INSTANCE, good).violations} & checker_rules[label], label


_cell = st.sampled_from(".EL")
_row = st.lists(_cell, min_size=14, max_size=14).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=_row, b=_row, formulation=st.sampled_from(FORMULATIONS), flow=st.booleans())
def test_model_agrees_with_checker(a: str, b: str, formulation: Formulation, flow: bool) -> None:
    """For any pinned roster the full model is feasible iff the checker finds no violation, with equal objective."""
    pinned = roster(A=a, B=b)
    rules = (*RULES, FLOW) if flow else RULES
    status, value = solve_pinned(INSTANCE, rules, pinned, formulation, objective=True)
    report = check_curtois(INSTANCE, pinned)
    assert (status != "INFEASIBLE") == report.feasible, report.verdict
    if report.feasible:
        assert value == report.objective
