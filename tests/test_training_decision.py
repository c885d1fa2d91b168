"""Training as a decision: a course is scheduled exactly when it costs less than the unmet need it closes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ressursbank.domain.plan import Plan
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import ObjectiveWeights
from ressursbank.services.replanning import plan_with_training
from ressursbank.solve import SolveParams
from ressursbank.solver.training import plan_training
from tests.helpers_replan import TRACING, checked, employee, need, plan_of, problem, tracing_need

COURSE_ORE = 3000 * 100  # the standard one-day contact-tracing course, 3 000 NOK


def _one_nurse() -> Problem:
    """``one-nurse``: nurse a at the nursing home, free all week; a contact-tracing day at the clinic on Thursday."""
    return problem([employee("a")], [tracing_need("trace", 3)])


def _assignment_cost(p: Problem, weights: ObjectiveWeights) -> int:
    """What a working the tracing shift adds to the objective, besides the unmet term (by the checker)."""
    trained = plan_training(p, Plan(), weights=ObjectiveWeights()).problem
    with_a = plan_of(trained, ("a", "trace"))
    zero = ObjectiveWeights(**{**_fields(weights), "unmet_other": 0, "unmet_critical": 0})
    return (
        checked(trained, with_a, weights=zero, hint=Plan()).objective - checked(trained, Plan(), weights=zero).objective
    )


def _fields(w: ObjectiveWeights) -> dict[str, int]:
    return {name: getattr(w, name) for name in w.__dataclass_fields__}


def test_a_course_is_chosen_when_it_beats_the_unmet_need() -> None:
    """With the default weights a is taught on Wednesday, works the clinic on Thursday, and the plan is lawful
    in the derived problem (course day blocked, skill held from the next day)."""
    p = _one_nurse()
    outcome = plan_training(p, Plan())
    assert [(t.employee_id, t.skill_code, t.day) for t in outcome.plan.trainings] == [
        ("a", TRACING, dt.date(2020, 3, 18))
    ]
    assert [(a.employee_id, a.need_id) for a in outcome.plan.assignments] == [("a", "trace")]
    report = checked(outcome.problem, outcome.plan)
    assert report.is_lawful and not report.unmet
    assert outcome.decisions[0].net < 0


def test_a_course_is_chosen_exactly_when_cheaper_than_the_unmet_need() -> None:
    """Unmet weight one point above course plus assignment: taught; equal to it: not taught, need left open."""
    p = _one_nurse()
    base = ObjectiveWeights()
    cost = COURSE_ORE + _assignment_cost(p, base)
    above = ObjectiveWeights(**{**_fields(base), "unmet_other": cost + 1})
    equal = ObjectiveWeights(**{**_fields(base), "unmet_other": cost})
    assert len(plan_training(p, Plan(), weights=above).decisions) == 1
    outcome = plan_training(p, Plan(), weights=equal)
    assert not outcome.decisions and not outcome.plan.trainings and not outcome.plan.assignments


def test_no_course_without_a_free_day_before_the_need() -> None:
    """a works every day from Monday to Wednesday: there is no day for the course, so nothing is taught."""
    p = problem([employee("a")], [tracing_need("trace", 3), *(need(f"d{d}", d) for d in range(3))])
    plan = plan_of(p, *[("a", f"d{d}") for d in range(3)])
    outcome = plan_training(p, plan)
    assert not outcome.decisions
    assert "trace" in {u.need_id for u in checked(outcome.problem, outcome.plan).unmet}


def test_prerequisites_and_capacity_are_respected() -> None:
    """The vaccination course needs a nurse: the teacher is not taught; with one place a day, two nurses for two
    Thursday vaccination shifts are taught on two different days."""
    teacher = employee("t", codes=("edu.grunnskolelaerer", "pa.helse"))
    people = [teacher, employee("a"), employee("b")]
    vacc = [need(f"v{i}", 3, unit="host", critical=False, codes=("course.vaksinasjon",)) for i in range(2)]
    p = problem(people, vacc)
    skills = tuple(
        replace(s, capacity_per_day=1) if s.code == "course.vaksinasjon" else s for s in p.organisation.trainable
    )
    p = replace(p, organisation=replace(p.organisation, trainable=skills))
    outcome = plan_training(p, Plan())
    taught = {t.employee_id: t.day for t in outcome.plan.trainings}
    assert set(taught) == {"a", "b"}
    assert len(set(taught.values())) == 2
    assert checked(outcome.problem, outcome.plan).is_lawful


def test_the_engine_plan_is_completed_by_courses() -> None:
    """Solving one-nurse with the engine leaves the tracing shift open (nobody qualified); the training pass
    teaches a and fills it, and the plan is lawful in the trained problem."""
    p = _one_nurse()
    outcome = plan_with_training(p, SolveParams.preset("fast", time_limit_s=1.0, processes=1), resolve=True)
    assert [t.employee_id for t in outcome.plan.trainings] == ["a"]
    report = checked(outcome.problem, outcome.plan)
    assert report.is_lawful and not report.unmet
