"""Domain -> database -> domain gives equal records, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from ressursbank.db import repository as repo
from ressursbank.db.engine import transaction
from ressursbank.demo import demo_scenarios
from ressursbank.domain import (
    Assignment,
    Criticality,
    Need,
    Organisation,
    Plan,
    Problem,
    QualificationRequirement,
    Training,
)
from ressursbank.exceptions import NotFound
from tests.helpers_db import (
    db_url,
    engine,
    migrated_postgres_template,
    migrated_sqlite_template,
    rich_organisation,
)

__all__ = ["db_url", "engine", "migrated_postgres_template", "migrated_sqlite_template"]


def test_rich_organisation_round_trips(engine: sa.Engine) -> None:
    """Every part of an organisation (periods, absences, restrictions, preferences, templates, rule sets) survives."""
    org = rich_organisation()
    with transaction(engine) as session:
        repo.save_organisation(session=session, organisation=org)
    with transaction(engine) as session:
        assert repo.load_organisation(session=session) == org


def test_demo_organisation_in_scenario_round_trips(engine: sa.Engine, tiny_covid: Problem) -> None:
    """The tiny demo after covid-2020-03 (closed units, opened clinic, sick-leave wave) loads back equal."""
    org = tiny_covid.organisation
    with transaction(engine) as session:
        repo.save_organisation(session=session, organisation=org)
    with transaction(engine) as session:
        loaded = repo.load_organisation(session=session)
    assert loaded == org
    assert any(u.status_periods for u in loaded.units) and any(e.absences for e in loaded.employees)


def test_saving_again_replaces_the_organisation(engine: sa.Engine, tiny_org: Organisation) -> None:
    """A second save replaces the first: removed employees are gone, nothing is duplicated."""
    with transaction(engine) as session:
        repo.save_organisation(session=session, organisation=tiny_org)
    smaller = replace(tiny_org, employees=tiny_org.employees[:10])
    with transaction(engine) as session:
        repo.save_organisation(session=session, organisation=smaller)
    with transaction(engine) as session:
        assert repo.load_organisation(session=session) == smaller
        assert repo.count_employees(session=session) == 10


def test_a_failed_transaction_stores_nothing(engine: sa.Engine, tiny_org: Organisation) -> None:
    """An exception inside the transaction rolls the whole save back."""
    with pytest.raises(RuntimeError), transaction(engine) as session:
        repo.save_organisation(session=session, organisation=tiny_org)
        raise RuntimeError("boom")
    with transaction(engine) as session:
        assert not repo.has_organisation(session=session)


def test_empty_database_has_no_organisation(engine: sa.Engine) -> None:
    """Loading before anything is stored raises NotFound with a message in both languages."""
    with transaction(engine) as session, pytest.raises(NotFound, match="ingen organisasjon"):
        repo.load_organisation(session=session)


def test_one_employee_loads_with_its_parts(engine: sa.Engine) -> None:
    """load_employee returns the same record as the whole organisation holds."""
    org = rich_organisation()
    with transaction(engine) as session:
        repo.save_organisation(session=session, organisation=org)
    with transaction(engine) as session:
        assert repo.load_employee(session=session, employee_id="e1") == org.employees[0]
        with pytest.raises(NotFound):
            repo.load_employee(session=session, employee_id="nobody")


def test_scenarios_round_trip_with_every_event_type(engine: sa.Engine, tiny_org: Organisation) -> None:
    """The demo scenarios (close, reduce, open, surge, absence wave) load back equal and are listed by start."""
    scenarios = demo_scenarios(tiny_org)
    with transaction(engine) as session:
        for scenario in scenarios.values():
            repo.save_scenario(session=session, scenario=scenario)
        repo.save_scenario(session=session, scenario=scenarios["covid-2020-03"])  # saving again replaces
    with transaction(engine) as session:
        listed = repo.list_scenarios(session=session)
        assert {s.id: s for s in listed} == scenarios
        assert [s.start for s in listed] == sorted(s.start for s in listed)
        assert repo.load_scenario(session=session, scenario_id="covid-2020-03") == scenarios["covid-2020-03"]
        assert repo.delete_scenario(session=session, scenario_id="covid-2020-03")
        with pytest.raises(NotFound):
            repo.load_scenario(session=session, scenario_id="covid-2020-03")


def _plan() -> Plan:
    start = dt.datetime(2020, 3, 16, 7)
    return Plan.of(
        [
            Assignment("e1", "sh-1:2020-03-16:day:0", "sh-1", start, start + dt.timedelta(hours=8), "aut.sykepleier"),
            Assignment("e2", "sh-1:2020-03-16:day:0", "sh-1", start, start + dt.timedelta(hours=8), "-"),
        ],
        [Training("e2", "course.prove", dt.date(2020, 3, 15))],
    )


def test_plans_round_trip_and_latest_is_the_newest(engine: sa.Engine) -> None:
    """save_plan stores run facts, assignments and trainings; latest_plan picks the newest of the scenario."""
    plan = _plan()
    with transaction(engine) as session:
        first = repo.save_plan(
            session=session,
            scenario_id="covid-2020-03",
            plan=Plan(),
            status="feasible",
            created_at=dt.datetime(2026, 1, 1, 12),
        )
        second = repo.save_plan(
            session=session,
            scenario_id="covid-2020-03",
            plan=plan,
            status="optimal",
            objective=1234.0,
            bound=1200.5,
            gap=0.027,
            params={"time_limit_s": 30, "preset": "fast"},
            statistics={"assignments": 2, "unmet": {"critical": 0}},
            created_at=dt.datetime(2026, 1, 2, 12),
        )
        repo.save_plan(session=session, scenario_id="other", plan=plan, status="optimal")
    with transaction(engine) as session:
        latest = repo.latest_plan(session=session, scenario_id="covid-2020-03")
        assert latest is not None
        assert latest.run == second and latest.plan == plan
        assert repo.load_plan(session=session, plan_id=first.id).plan == Plan()
        assert [r.id for r in repo.list_plans(session=session, scenario_id="covid-2020-03")] == [second.id, first.id]
        assert repo.latest_plan(session=session, scenario_id="none") is None
        assert repo.delete_plan(session=session, plan_id=second.id)
        with pytest.raises(NotFound):
            repo.load_plan(session=session, plan_id=second.id)


def test_needs_upsert_by_id(engine: sa.Engine) -> None:
    """Saving needs twice keeps one row per id and the newer values win; filters by unit and date work."""
    day = dt.date(2020, 3, 16)
    need = Need(
        "n1",
        "sh-1",
        day,
        "day",
        dt.datetime(2020, 3, 16, 7),
        dt.datetime(2020, 3, 16, 15),
        QualificationRequirement(("aut.sykepleier", "aut.lege"), ("pa.helse",)),
        2,
        Criticality.CRITICAL,
        True,
        "prøvetaking",
    )
    other = replace(need, id="n2", unit_id="bhg-1", day=day + dt.timedelta(days=1))
    with transaction(engine) as session:
        repo.save_needs(session=session, needs=[need, other])
        repo.save_needs(session=session, needs=[replace(need, count=3)])
    with transaction(engine) as session:
        assert repo.load_needs(session=session) == [replace(need, count=3), other]
        assert repo.load_needs(session=session, unit_ids=["bhg-1"]) == [other]
        assert repo.load_needs(session=session, end=day) == [replace(need, count=3)]
