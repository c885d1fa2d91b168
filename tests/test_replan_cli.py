"""Re-planning, candidates and what-if through the database and the command line (tiny demo, one week)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ressursbank.checker.roster import check_plan
from ressursbank.cli import app
from ressursbank.db import repository
from ressursbank.services import replanning
from ressursbank.services.planning import load_problem

SCENARIO = "covid-2020-03"


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """The tiny demo in a fresh SQLite file with a one-week plan of covid-2020-03; returns a session factory."""
    monkeypatch.setenv("RESSURSBANK_HOME", str(tmp_path))
    monkeypatch.delenv("RESSURSBANK_DATABASE_URL", raising=False)
    run("demo", "--preset", "tiny")
    run("plan", "--scenario", SCENARIO, "--weeks", "1", "--time-limit", "4", "--preset", "fast")
    from ressursbank.cli.planning_extra import _database

    return _database()[1]


@pytest.mark.slow
def test_replan_an_absence_from_the_command_line(planned: object) -> None:
    """`replan --absence` stores a new plan whose changes are the absent person's shifts (at most one more)."""
    with planned() as session:  # type: ignore[operator]
        latest = repository.latest_plan(session=session, scenario_id=SCENARIO)
        assert latest is not None
        busy = latest.plan.by_employee()
        employee_id = max(busy, key=lambda e: len(busy[e]))
        first = busy[employee_id][0].start
    start, end = first.replace(hour=0, minute=0), first.replace(hour=0, minute=0) + dt.timedelta(days=3)
    out = json.loads(
        run(
            "replan",
            "--absence",
            employee_id,
            "--from",
            start.isoformat(),
            "--to",
            end.isoformat(),
            "--scenario",
            SCENARIO,
            "--weeks",
            "1",
            "--json",
        )
    )
    assert out["minimum_changes"] >= 1
    assert out["changed_assignments"] <= out["minimum_changes"] + 1
    assert out["previous_plan_id"] == latest.run.id
    with planned() as session:  # type: ignore[operator]
        stored = repository.latest_plan(session=session, scenario_id=SCENARIO)
        assert stored is not None and stored.run.id == out["plan_id"]
        problem = replanning._load(session, SCENARIO, 1)[0]
    assert not [a for a in stored.plan.assignments if a.employee_id == employee_id and start <= a.start < end]
    assert check_plan(problem, stored.plan).is_lawful
    table = run(
        "replan",
        "--absence",
        employee_id,
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--scenario",
        SCENARIO,
        "--weeks",
        "1",
    )
    assert "changed assignments" in table


@pytest.mark.slow
def test_candidates_and_whatif_from_the_command_line(planned: object) -> None:
    """`candidates` lists lawful people for an open shift; `whatif` prints the base and a variant side by side."""
    with planned() as session:  # type: ignore[operator]
        problem = load_problem(session, scenario_id=SCENARIO, weeks=1)
        latest = repository.latest_plan(session=session, scenario_id=SCENARIO)
        assert latest is not None
    report = check_plan(problem, latest.plan)
    target = problem.need_by_id[report.unmet[0].need_id] if report.unmet else problem.needs[0]
    code = target.requirement.codes[0] if target.requirement.codes else ""
    out = json.loads(
        run(
            "candidates",
            "--unit",
            target.unit_id,
            "--start",
            target.start.isoformat(),
            "--end",
            target.end.isoformat(),
            "--qualification",
            code,
            "--scenario",
            SCENARIO,
            "--weeks",
            "1",
            "--json",
        )
    )
    assert out["need_id"] == target.id or target.unit_id in out["need_id"]
    for c in out["candidates"]:
        assert c["employee_id"] in problem.employee_by_id and c["reason_en"]
    comparison = json.loads(
        run(
            "whatif",
            "--scenario",
            SCENARIO,
            "--absence-rate",
            "30",
            "--weeks",
            "1",
            "--time-limit",
            "3",
            "--processes",
            "2",
            "--json",
        )
    )
    assert comparison["base"]["name"] == SCENARIO
    assert [v["name"] for v in comparison["variants"]] == ["absence 30 %"]
    assert comparison["base"]["hard_violations"] == 0


@pytest.mark.slow
def test_a_reopened_unit_brings_its_people_home(planned: object) -> None:
    """A closed school opens again on Thursday: none of its people work elsewhere from then on, the plan is
    lawful, and the stored scenario keeps the school open from that day."""
    with planned() as session:  # type: ignore[operator]
        problem = load_problem(session, scenario_id=SCENARIO, weeks=1)
    schools = [u for u in problem.units if u.kind.value == "school"]
    assert schools
    school = schools[0]
    thursday = problem.horizon_start + dt.timedelta(days=3)
    result = replanning.replan(
        planned,
        scenario_id=SCENARIO,
        event=replanning.UnitReopening(school.id, thursday),  # type: ignore[arg-type]
        weeks=1,
    )
    with planned() as session:  # type: ignore[operator]
        stored = repository.latest_plan(session=session, scenario_id=SCENARIO)
        reloaded = load_problem(session, scenario_id=SCENARIO, weeks=1)
    assert stored is not None and stored.run.id == result.plan_id
    home = reloaded.home_unit_of
    first = dt.datetime.combine(thursday, dt.time())
    assert not [
        a
        for a in stored.plan.assignments
        if home[a.employee_id] == school.id and a.unit_id != school.id and a.start >= first
    ]
    assert reloaded.unit_by_id[school.id].capacity_on(thursday) == 100
    assert any(n.unit_id == school.id for n in reloaded.needs)
    assert check_plan(reloaded, stored.plan).is_lawful
