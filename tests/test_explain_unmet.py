"""Explanations: every unmet need has a reason and ranked fixes, the top fix closes it; assignments say why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ressursbank.domain.people import Restriction, RestrictionFlag
from ressursbank.domain.plan import Plan
from ressursbank.domain.problem import Problem
from ressursbank.domain.rules import Cohort, OvertimeCaps
from ressursbank.explain import RosterIndex, apply_fix, explain_assignment, explain_plan, explain_unmet
from tests.helpers_engine import MONDAY, rules
from tests.helpers_replan import checked, clinic_week, employee, need, plan_of, problem, tracing_need


def _closes(p: Problem, plan: Plan, need_id: str, fix_index: int = 0) -> None:
    index = RosterIndex(p, plan)
    explanation = explain_unmet(index, p.need_by_id[need_id])
    fixed_problem, fixed_plan = apply_fix(p, plan, explanation.fixes[fix_index])
    report = checked(fixed_problem, fixed_plan)
    assert report.is_lawful, [str(v) for v in report.hard_violations]
    assert need_id not in {u.need_id for u in report.unmet}


def test_every_unmet_need_has_a_reason_and_the_top_fix_closes_it() -> None:
    """On clinic-week every open need is explained in both languages and applying its first fix closes it."""
    p, plan = clinic_week()
    _, unmet = explain_plan(p, plan)
    assert {u.need_id for u in unmet} == {u.need_id for u in checked(p, plan).unmet}
    for u in unmet:
        assert u.reason("nb") and u.reason("en") and u.text("nb") != u.text("en")
        assert u.fixes and u.fixes[0].closes == u.missing
        _closes(p, plan, u.need_id)


def test_a_course_is_the_cheapest_fix_when_nobody_holds_it() -> None:
    """Nobody holds contact tracing; two nurses are free: the fix is to train one (a one-day course before the
    shift), which is cheaper than hiring, and the trained person may then lawfully take it."""
    p = problem([employee("a"), employee("b")], [tracing_need("trace", 3)])
    plan = Plan()
    u = explain_unmet(RosterIndex(p, plan), p.need_by_id["trace"])
    assert u.reason_kind == "qualification"
    assert [f.kind for f in u.fixes] == ["train", "hire"]
    assert u.fixes[0].days[0] < MONDAY.replace(day=19)
    assert "course.smittesporing" in u.fixes[0].text("en")
    _closes(p, plan, "trace")


def test_overtime_and_hire_fixes_close_a_need_blocked_by_the_overtime_cap() -> None:
    """With a 2 h weekly overtime cap and four day shifts worked, a Saturday shift is blocked by overtime; both
    "allow overtime by agreement" and "hire" are offered, ranked by cost, and each closes the need."""
    caps = OvertimeCaps(
        id="overtime", label_nb="Overtid", label_en="Overtime", citation="AML § 10-6 (4)", per_week_hours=2.0
    )
    needs = [need(f"d{d}", d) for d in range(4)] + [need("sat", 5)]
    p = problem([employee("a")], needs, rule_list=rules(caps))
    plan = plan_of(p, *[("a", f"d{d}") for d in range(4)])
    u = explain_unmet(RosterIndex(p, plan), p.need_by_id["sat"])
    assert u.reason_kind == "overtime"
    assert "AML § 10-6 (4)" in u.reason("nb")
    kinds = [f.kind for f in u.fixes]
    assert set(kinds) == {"overtime", "hire"}
    assert [f.cost for f in u.fixes] == sorted(f.cost for f in u.fixes)
    for i in range(len(kinds)):
        _closes(p, plan, "sat", i)


def test_lifting_the_cohort_rule_is_offered_and_closes_the_need() -> None:
    """A nurse who worked at the nursing home on Monday may not go to the clinic that week under the cohort rule;
    lifting it for her is the cheapest fix."""
    cohort = Cohort(id="cohort", label_nb="Kohort", label_en="Cohort", citation="FHI", period_days=7)
    p = problem([employee("a")], [need("mon", 0), need("clinic", 2, unit="host")], rule_list=rules(cohort))
    plan = plan_of(p, ("a", "mon"))
    u = explain_unmet(RosterIndex(p, plan), p.need_by_id["clinic"])
    assert u.reason_kind == "cohort"
    assert u.fixes[0].kind == "lift-cohort"
    _closes(p, plan, "clinic")


def test_a_restriction_is_shown_without_its_reason() -> None:
    """A risk-group nurse is "not available for this task" for COVID contact; the flag itself is never named."""
    flagged = employee("a", restrictions=[Restriction(RestrictionFlag.NO_COVID_CONTACT, MONDAY)])
    p = problem([flagged], [need("swab", 1, unit="host", covid_contact=True)])
    u = explain_unmet(RosterIndex(p, Plan()), p.need_by_id["swab"])
    assert u.reason_kind == "restriction"
    assert "Not available for this task" in u.reason("en")
    assert "Ikke tilgjengelig for denne oppgaven" in u.text("nb")
    assert "covid" not in u.text("en").lower().replace("covid-19", "")
    _closes(p, Plan(), "swab")


def test_a_shortage_is_named_and_hiring_closes_it() -> None:
    """Nobody holds or can be taught the cook's qualification: a shortage, and hiring is the fix."""
    p = problem([employee("a")], [need("cook", 1, codes=("edu.kokk",))])
    u = explain_unmet(RosterIndex(p, Plan()), p.need_by_id["cook"])
    assert u.reason_kind == "shortage"
    assert u.reason("en") == "Shortage of qualified people"
    assert [f.kind for f in u.fixes] == ["hire"]
    _closes(p, Plan(), "cook")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_an_assignment_says_why_this_person(lang: str) -> None:
    """A part-timer who volunteered for the clinic, lent 5 km: qualification, volunteer, distance, more hours."""
    p = problem([employee("a", position_pct=60, wants_more_hours=True)], [need("clinic", 1, unit="host")])
    plan = plan_of(p, ("a", "clinic"))
    text = explain_assignment(p, plan.assignments[0]).text(lang)
    for word in {"nb": ("Sykepleier", "frivillig", "km", "AML § 14-3"), "en": ("nurse", "volunteered", "km", "14-3")}[
        lang
    ]:
        assert word in text


def test_a_training_fix_respects_the_course_capacity() -> None:
    """Two tracers are missing and the course takes one person a day: the fix teaches two nurses on two days."""
    p = problem([employee("a"), employee("b")], [tracing_need("trace", 3, count=2)])
    skills = tuple(
        replace(s, capacity_per_day=1) if s.code == "course.smittesporing" else s for s in p.organisation.trainable
    )
    p = replace(p, organisation=replace(p.organisation, trainable=skills))
    u = explain_unmet(RosterIndex(p, Plan()), p.need_by_id["trace"])
    train = next(f for f in u.fixes if f.kind == "train")
    assert train.closes == 2 and len(set(train.days)) == 2
    _closes(p, Plan(), "trace", [f.kind for f in u.fixes].index("train"))
