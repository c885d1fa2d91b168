"""The command line on a real database: demo, scenarios, plan and export behave as the README says."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ressursbank.cli import app
from tests.helpers_db import fresh_postgres_database


@pytest.fixture
def sqlite_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh embedded database under a temporary RESSURSBANK_HOME."""
    monkeypatch.setenv("RESSURSBANK_HOME", str(tmp_path))
    monkeypatch.delenv("RESSURSBANK_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def postgres_db(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL database selected through RESSURSBANK_DATABASE_URL."""
    with fresh_postgres_database(postgres_url) as url:
        monkeypatch.setenv("RESSURSBANK_DATABASE_URL", url)
        yield url


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_stores_the_municipality_and_prints_the_summary(sqlite_home: Path) -> None:
    """`demo` builds the database at the documented path and prints units, sectors and needs."""
    out = run("demo", "--preset", "tiny", "--scenario", "covid-2020-03")
    assert (sqlite_home / "ressursbank.sqlite").exists()
    for text in ("Units by status", "closed", "Employees by sector", "Helse og velferd", "Needs by criticality"):
        assert text in out
    assert "hr" in out and "revisor" in out  # demo logins are printed


def test_demo_refuses_to_overwrite_without_fresh(sqlite_home: Path) -> None:
    """A second `demo` without --fresh stops with a clear message and keeps the data."""
    run("demo", "--preset", "tiny")
    result = CliRunner().invoke(app, ["demo", "--preset", "tiny"])
    assert result.exit_code == 1
    assert "--fresh" in result.output
    assert "covid-2020-03" in run("scenario", "list")


def test_scenario_list_and_apply(sqlite_home: Path) -> None:
    """All three demo scenarios are stored; applying one summarises it, an unknown one is a clear error."""
    run("demo", "--preset", "tiny")
    listed = run("scenario", "list")
    for name in ("covid-2020-03", "vaccination-2021", "winter-sickleave"):
        assert name in listed
    assert "vaccination-2021" in run("scenario", "apply", "vaccination-2021", "--weeks", "1")
    bad = CliRunner().invoke(app, ["scenario", "apply", "no-such-scenario"])
    assert bad.exit_code == 1 and "no-such-scenario" in bad.output


def test_plan_stores_a_lawful_plan(sqlite_home: Path) -> None:
    """`plan --json` solves, stores the plan and reports 0 checker violations and coverage figures."""
    run("demo", "--preset", "tiny")
    out = run("plan", "--scenario", "covid-2020-03", "--weeks", "1", "--time-limit", "5", "--json")
    summary = json.loads(out[out.index("{") :])
    assert summary["hard_violations"] == 0
    assert summary["assignments"] > 0
    assert 0.0 < summary["coverage"] <= 1.0
    assert summary["bound"] <= summary["objective"]
    assert sum(summary["terms"].values()) == summary["objective"]


@pytest.mark.postgres
def test_demo_and_plan_on_postgresql(postgres_db: str) -> None:
    """The same commands work on PostgreSQL selected by RESSURSBANK_DATABASE_URL."""
    assert os.environ["RESSURSBANK_DATABASE_URL"] == postgres_db
    run("demo", "--preset", "tiny", "--scenario", "covid-2020-03")
    out = run("plan", "--scenario", "covid-2020-03", "--weeks", "1", "--time-limit", "5", "--json")
    assert json.loads(out[out.index("{") :])["hard_violations"] == 0


DATA = Path(__file__).parent / "data" / "import"


def test_import_of_a_broken_file_stores_nothing_and_names_every_row(sqlite_home: Path) -> None:
    """`import` with broken rows exits 1, lists each problem with file and row, and stores nothing."""
    result = CliRunner().invoke(app, ["import", str(DATA / "enheter.csv"), str(DATA / "ansatte_med_feil.csv")])
    assert result.exit_code == 1
    assert "nothing was stored" in result.output
    assert result.output.count("ansatte_med_feil.csv, row") >= 2
    assert "units: 0" not in run("import", str(DATA / "enheter.csv"), "--dry-run")


def test_export_then_import_round_trips(sqlite_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entities exported in Norwegian format import unchanged into a new database (counts match)."""
    run("demo", "--preset", "tiny")
    out = run("export", "entities", str(tmp_path / "export"), "--language", "nb")
    assert "ansatte.csv" in out
    monkeypatch.setenv("RESSURSBANK_HOME", str(tmp_path / "second"))
    files = sorted(str(p) for p in (tmp_path / "export").glob("*.csv"))
    imported = run("import", *files)
    assert "employees: 120 ny/new" in imported
    again = run("import", *files)
    assert "0 ny/new, 0 endret/updated" in again


def test_export_plan_writes_the_audit_files(sqlite_home: Path, tmp_path: Path) -> None:
    """`export plan` writes roster, employees, needs, unmet and rule sets; the roster has the documented header."""
    run("demo", "--preset", "tiny")
    missing = CliRunner().invoke(app, ["export", "plan", str(tmp_path / "none"), "--weeks", "1"])
    assert missing.exit_code == 1 and "no plan" in missing.output
    run("plan", "--weeks", "1", "--time-limit", "3")
    run("export", "plan", str(tmp_path / "out"), "--weeks", "1")
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names >= {"roster.csv", "employees.csv", "needs.csv", "unmet.csv", "rule_sets.json"}
    header = (tmp_path / "out" / "roster.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("employee_id,unit_id,start,end")
