"""Re-planning stores its plan in one transaction on PostgreSQL too (tiny demo, one week)."""

from __future__ import annotations

import datetime as dt

import pytest

from ressursbank.checker.roster import check_plan
from ressursbank.db import repository
from ressursbank.db.engine import create_engine_for, session_factory
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.services import replanning
from ressursbank.services.demo_setup import store_demo
from ressursbank.services.planning import plan_scenario
from tests.helpers_db import fresh_postgres_database

SCENARIO = "covid-2020-03"


@pytest.mark.postgres
@pytest.mark.slow
def test_replan_an_absence_on_postgres(postgres_url: str) -> None:
    """An absence re-plan on PostgreSQL stores a new lawful plan whose hint is the previous one."""
    with fresh_postgres_database(postgres_url) as url:
        upgrade_to_head(url)
        engine = create_engine_for(url)
        try:
            sessions = session_factory(engine)
            store_demo(sessions, preset="tiny", seed=2020, fresh=False)
            plan_scenario(sessions, scenario_id=SCENARIO, weeks=1, time_limit=3.0, preset="fast")
            with sessions() as session:
                latest = repository.latest_plan(session=session, scenario_id=SCENARIO)
            assert latest is not None
            busy = latest.plan.by_employee()
            employee_id = max(busy, key=lambda e: len(busy[e]))
            start = busy[employee_id][0].start.replace(hour=0, minute=0)
            event = replanning.NewAbsence(employee_id, start, start + dt.timedelta(days=2))
            result = replanning.replan(sessions, scenario_id=SCENARIO, event=event, weeks=1)
            with sessions() as session:
                stored = repository.latest_plan(session=session, scenario_id=SCENARIO)
                problem = replanning._load(session, SCENARIO, 1)[0]
            assert stored is not None and stored.run.id == result.plan_id
            assert stored.run.params["hint"] == latest.run.id
            assert stored.run.params["event"]["employee_id"] == employee_id
            assert result.changed_assignments <= result.minimum_changes + 1
            assert check_plan(problem, stored.plan).is_lawful
        finally:
            engine.dispose()
