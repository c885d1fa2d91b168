"""Re-planning with minimal disruption on small named instances (no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ressursbank.domain.plan import Pin
from ressursbank.services.replanning import (
    DeclinedOffer,
    NeedChange,
    NewAbsence,
    changed_assignments,
    replan_plan,
)
from ressursbank.solve import SolveParams
from tests.helpers_replan import checked, clinic_week


def _keys(plan: object) -> set[tuple[str, str]]:
    return {a.key for a in plan.assignments}  # type: ignore[attr-defined]


def test_an_absence_moves_only_the_absent_persons_shifts() -> None:
    """a falls ill Tuesday-Wednesday on clinic-week: exactly a's two shifts change hands, lawfully, and no need
    is left more open than before."""
    p, plan = clinic_week()
    event = NewAbsence("a", dt.datetime(2020, 3, 17), dt.datetime(2020, 3, 19))
    out = replan_plan(p, plan, event)
    assert out.minimum_changes == 2
    assert out.changed_assignments == out.minimum_changes
    assert not {("a", "day1"), ("a", "day2")} & _keys(out.plan)
    assert out.unmet_after == out.unmet_before
    assert checked(out.problem, out.plan).is_lawful
    assert {c.action for c in out.changes} == {"removed", "added"}
    assert all(c.why_nb and c.why_en for c in out.changes)
    assert any(c.why_en.startswith("replaces a") for c in out.changes if c.action == "added")


def test_pinned_assignments_never_move_even_when_the_engine_improves() -> None:
    """With b's and c's shifts pinned, a re-plan with the engine keeps every pinned assignment in place."""
    p, plan = clinic_week()
    pins = [Pin(a.employee_id, a.need_id) for a in plan.assignments if a.employee_id in ("b", "c")]
    event = NewAbsence("a", dt.datetime(2020, 3, 16), dt.datetime(2020, 3, 17))
    for use_engine in (False, True):
        out = replan_plan(
            p,
            plan,
            event,
            pins=pins,
            use_engine=use_engine,
            params=SolveParams.preset("fast", time_limit_s=2.0, processes=1),
        )
        assert {(x.employee_id, x.need_id) for x in pins} <= _keys(out.plan)
        assert checked(out.problem, out.plan).is_lawful


def test_a_declined_offer_is_refilled_lawfully_by_someone_else() -> None:
    """d declines Thursday's day shift: it is given to another person who may lawfully work it, never to d."""
    p, plan = clinic_week()
    out = replan_plan(p, plan, DeclinedOffer("d", ("day3",)))
    holders = {e for e, n in _keys(out.plan) if n == "day3"}
    assert "d" not in holders and len(holders) == 2
    assert checked(out.problem, out.plan).is_lawful
    assert out.changed_assignments == 1


def test_a_new_need_is_filled_unless_the_change_cap_forbids_it() -> None:
    """Monday needs a third nurse: filled by c or d; with a cap of 0 changed assignments it stays open."""
    p, plan = clinic_week()
    event = NeedChange(replace(p.need_by_id["day0"], count=3))
    out = replan_plan(p, plan, event)
    assert len({e for e, n in _keys(out.plan) if n == "day0"}) == 3
    assert checked(out.problem, out.plan).is_lawful
    capped = replan_plan(p, plan, event, max_changes=0)
    assert changed_assignments(plan, capped.plan) == 0
    assert _keys(capped.plan) == _keys(plan)


def test_fewer_people_needed_releases_one() -> None:
    """Monday needs one nurse instead of two: one of a and b leaves, nothing else changes."""
    p, plan = clinic_week()
    out = replan_plan(p, plan, NeedChange(replace(p.need_by_id["day0"], count=1)))
    assert len({e for e, n in _keys(out.plan) if n == "day0"}) == 1
    assert out.changed_assignments == 1
    assert checked(out.problem, out.plan).is_lawful
