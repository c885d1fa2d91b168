"""The ``ressursbank`` command line: Typer + Rich, a thin face on the services."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ressursbank.cli import benchmark_curtois, benchmark_timefold, planning_extra

app = typer.Typer(help="ressursbank: redeployment and lawful rostering for a municipality.", no_args_is_help=True)
benchmark_app = typer.Typer(help="Solve external benchmark instances with the engine.", no_args_is_help=True)
scenario_app = typer.Typer(help="List and apply crisis scenarios.", no_args_is_help=True)
export_app = typer.Typer(help="Export entities and plans to files.", no_args_is_help=True)
app.add_typer(benchmark_app, name="benchmark")
app.add_typer(scenario_app, name="scenario")
app.add_typer(export_app, name="export")
benchmark_curtois.register(benchmark_app)
benchmark_timefold.register(benchmark_app)
planning_extra.register(app)

console = Console()
err = Console(stderr=True)


@app.callback()
def _configure(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def _database() -> tuple[str, Any]:
    """The configured database URL (migrated to the newest schema) and a session factory on it."""
    from ressursbank.db.engine import create_engine_for, session_factory
    from ressursbank.db.migrations import upgrade_to_head
    from ressursbank.settings import load_settings

    url = load_settings().database_url
    upgrade_to_head(url)
    return url, session_factory(create_engine_for(url))


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}")
    return typer.Exit(code=1)


def _table(title: str, rows: dict[str, Any], key: str = "", value: str = "") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key)
    table.add_column(value, justify="right")
    for k, v in rows.items():
        table.add_row(str(k), f"{v:,}".replace(",", " ") if isinstance(v, int) else str(v))
    return table


@app.command()
def init() -> None:
    """Create or upgrade the database schema (SQLite by default, or RESSURSBANK_DATABASE_URL)."""
    url, _ = _database()
    console.print(f"Database ready: [bold]{_redact(url)}[/]")


def _redact(url: str) -> str:
    from ressursbank.db.engine import sqlite_file

    path = sqlite_file(url)
    return str(path) if path else url.split("@")[-1]


@app.command()
def demo(
    preset: Annotated[str, typer.Option(help="tiny, small, asker or oslo")] = "asker",
    seed: Annotated[int, typer.Option(help="Random seed; same preset and seed give the same data")] = 2020,
    scenario: Annotated[str, typer.Option(help="Scenario to apply and summarise")] = "covid-2020-03",
    fresh: Annotated[bool, typer.Option(help="Replace an organisation already in the database")] = False,
    plan: Annotated[bool, typer.Option(help="Also plan the scenario (4 weeks)")] = False,
    time_limit: Annotated[float, typer.Option(help="Seconds for the plan")] = 60.0,
) -> None:
    """Build the demo municipality and its scenarios into the database and summarise a scenario."""
    from ressursbank.services.demo_setup import bind_demo_users, store_demo

    url, sessions = _database()
    with console.status(f"Generating and storing the {preset} municipality ..."):
        try:
            store_demo(sessions, preset=preset, seed=seed, fresh=fresh)
        except (RuntimeError, ValueError) as exc:
            raise _fail(str(exc)) from exc
    console.print(f"Stored the [bold]{preset}[/] demo municipality (seed {seed}) in {_redact(url)}")
    _summarise(sessions, scenario, weeks=4)
    if plan:
        _plan(sessions, scenario, weeks=4, time_limit=time_limit, preset="default")
    logins = bind_demo_users(sessions, scenario_id=scenario)
    table = Table(title="Demo logins", title_justify="left")
    for column in ("user", "password", "role"):
        table.add_column(column)
    for row in logins:
        table.add_row(*row)
    console.print(table)


def _summarise(sessions: Any, scenario_id: str, weeks: int) -> None:
    from ressursbank.exceptions import NotFound
    from ressursbank.services.planning import load_problem
    from ressursbank.services.summary import summarise_problem

    with sessions() as session:
        try:
            problem = load_problem(session, scenario_id=scenario_id, weeks=weeks)
        except NotFound as exc:
            raise _fail(str(exc)) from exc
    summary = summarise_problem(problem)
    console.print(f"\nScenario [bold]{summary.scenario_id}[/], {summary.horizon}")
    console.print(_table("Units by status", summary.units_by_status, "status (first day)", "units"))
    console.print(_table("Employees by sector", summary.employees_by_sector, "sector", "employees"))
    needs = {
        k: f"{summary.needs_by_criticality[k]} needs / {summary.person_shifts_by_criticality[k]} shifts"
        for k in summary.needs_by_criticality
    }
    console.print(_table("Needs by criticality", needs, "criticality", "needs / person-shifts"))
    console.print(
        f"Released for redeployment (home unit closed): [bold]{summary.released_employees}[/]; "
        f"absences in the scenario: {summary.absences}"
    )


@scenario_app.command("list")
def scenario_list() -> None:
    """List the stored scenarios."""
    from ressursbank.db import repository

    _, sessions = _database()
    with sessions() as session:
        scenarios = repository.list_scenarios(session=session)
    table = Table(title="Scenarios", title_justify="left")
    for column in ("id", "name", "start", "events"):
        table.add_column(column)
    for s in scenarios:
        table.add_row(s.id, s.name_nb, s.start.isoformat(), str(len(s.events)))
    console.print(table)


@scenario_app.command("apply")
def scenario_apply(
    name: Annotated[str, typer.Argument(help="Scenario id, e.g. covid-2020-03")],
    weeks: Annotated[int, typer.Option(min=1, max=8)] = 4,
) -> None:
    """Apply a scenario to the organisation and summarise units, staff and needs."""
    _, sessions = _database()
    _summarise(sessions, name, weeks)


@app.command()
def plan(
    scenario: Annotated[str, typer.Option(help="Scenario id")] = "covid-2020-03",
    weeks: Annotated[int, typer.Option(min=1, max=8, help="Horizon in weeks")] = 4,
    time_limit: Annotated[float, typer.Option(min=1.0, help="Seconds")] = 60.0,
    preset: Annotated[str, typer.Option(help="fast, default or thorough")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Plan a scenario with a live progress bar; the plan is stored in the database."""
    _, sessions = _database()
    _plan(sessions, scenario, weeks=weeks, time_limit=time_limit, preset=preset, as_json=as_json)


def _plan(sessions: Any, scenario: str, *, weeks: int, time_limit: float, preset: str, as_json: bool = False) -> None:
    from ressursbank.exceptions import NotFound
    from ressursbank.services.planning import ProgressEvent, plan_scenario

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=as_json) as bar:
        task = bar.add_task(f"Planning {scenario}", total=1.0, figures="")

        def on_progress(event: ProgressEvent) -> None:
            figures = event.phase
            if event.objective is not None:
                figures += f"  best {event.objective:,}  bound {event.bound or 0:,}  gap {100 * (event.gap or 0):.1f} %"
            bar.update(task, completed=event.fraction, figures=figures.replace(",", " "))

        try:
            summary = plan_scenario(
                sessions, scenario_id=scenario, weeks=weeks, time_limit=time_limit, preset=preset, progress=on_progress
            )
        except (NotFound, ValueError) as exc:
            raise _fail(str(exc)) from exc
        bar.update(task, completed=1.0)
    if as_json:
        console.print_json(json.dumps(_as_dict(summary)))
        return
    rows = {
        "plan id": summary.plan_id,
        "status": summary.status,
        "objective": summary.objective,
        "bound": summary.bound,
        "gap": f"{100 * summary.gap:.2f} %",
        "runtime": f"{summary.runtime_s:.1f} s",
        "assignments": summary.assignments,
        "people moved": summary.people_moved,
        "overtime": f"{summary.overtime_hours} h",
        "coverage": f"{100 * summary.coverage:.2f} %",
        "critical coverage": f"{100 * summary.critical_coverage:.2f} %",
        "unmet person-shifts (critical)": f"{summary.unmet} ({summary.unmet_critical})",
        "checker: hard violations": summary.hard_violations,
    }
    console.print(_table(f"Plan for {scenario}", rows, "", ""))
    console.print(_table("Objective by term", summary.terms, "term", "value"))


def _as_dict(summary: Any) -> dict[str, Any]:
    out = {k: getattr(summary, k) for k in summary.__dataclass_fields__ if k != "statistics"}
    plain: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return plain


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (one per core is typical)")] = 1,
) -> None:
    """Serve the web app and the REST API (OpenAPI at /docs)."""
    import uvicorn

    url, _ = _database()
    today = os.environ.get("RESSURSBANK_TODAY")
    console.print(f"ressursbank on [bold]http://{host}:{port}/[/]  (API docs: http://{host}:{port}/docs)")
    if today:
        console.print(f"Replaying the date {today} (RESSURSBANK_TODAY) for offers and deadlines.")
    console.print(f"Database: {_redact(url)}. Stop with Ctrl+C.")
    uvicorn.run(
        "ressursbank.api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning"
    )


@app.command("import")
def import_(
    files: Annotated[
        list[Path], typer.Argument(help="CSV or XLSX files from the HR system (see docs/import-format.md)")
    ],
    dry_run: Annotated[bool, typer.Option(help="Check and count, store nothing")] = False,
) -> None:
    """Import units, employees, qualifications and needs: all files land whole, or nothing does."""
    from ressursbank.db.engine import create_engine_for
    from ressursbank.exceptions import ImportRejected
    from ressursbank.services.org_io import import_paths

    url, _ = _database()
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise _fail(f"no such file: {', '.join(missing)}")
    try:
        report = import_paths(engine=create_engine_for(url), paths=files, dry_run=dry_run)
    except ImportRejected as exc:
        err.print(f"[bold red]Import rejected, nothing was stored[/] ({len(exc.problems)} problem(s)):")
        for problem in exc.problems:
            err.print(f"  - {problem}")
        raise typer.Exit(code=1) from exc
    for line in report.lines():
        console.print(line)
    console.print("Dry run: nothing stored." if dry_run else "Stored in one transaction.")


@export_app.command("entities")
def export_entities(
    target: Annotated[Path, typer.Argument(help="Directory for CSV files, or a .xlsx file")],
    file_format: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "csv",
    language: Annotated[str, typer.Option(help="nb (Norwegian headers, ';', decimal commas) or en")] = "en",
) -> None:
    """Export units, employees, qualifications and needs to CSV or XLSX (they import back unchanged)."""
    from ressursbank.db.engine import create_engine_for
    from ressursbank.services.org_io import export_to

    if file_format not in ("csv", "xlsx") or language not in ("nb", "en"):
        raise _fail("--format must be csv or xlsx and --language nb or en")
    url, _ = _database()
    for path in export_to(engine=create_engine_for(url), target=target, file_format=file_format, language=language):
        console.print(f"wrote {path}", soft_wrap=True)


@export_app.command("plan")
def export_plan(
    directory: Annotated[Path, typer.Argument(help="Directory to write roster.csv, employees.csv, needs.csv, ...")],
    scenario: Annotated[str, typer.Option(help="Scenario whose latest plan to export")] = "covid-2020-03",
    weeks: Annotated[int, typer.Option(min=1, max=8)] = 4,
) -> None:
    """Export the latest plan of a scenario for audit and payroll (columns: docs/exports.md)."""
    from ressursbank.formats import plan_export
    from ressursbank.services.planning import latest_plan, load_problem

    _, sessions = _database()
    with sessions() as session:
        stored = latest_plan(session, scenario_id=scenario)
        if stored is None:
            raise _fail(f"no plan for scenario {scenario!r}; run `ressursbank plan --scenario {scenario}` first")
        problem = load_problem(session, scenario_id=scenario, weeks=weeks)
    written = plan_export.write_plan(directory, problem, stored[1])
    for path in written:
        console.print(f"wrote {path}", soft_wrap=True)


@app.command()
def backup(destination: Annotated[Path, typer.Argument(help="File to write the backup to")]) -> None:
    """Online backup of the SQLite database (for PostgreSQL use pg_dump; see docs/security.md)."""
    from ressursbank.services.backup import backup_database
    from ressursbank.settings import load_settings

    backup_database(load_settings().database_url, destination)
    console.print(f"Backup written to {destination}")


@app.command()
def restore(source: Annotated[Path, typer.Argument(help="Backup file to restore from")]) -> None:
    """Restore the SQLite database from a backup made by `ressursbank backup`."""
    from ressursbank.services.backup import restore_database
    from ressursbank.settings import load_settings

    restore_database(load_settings().database_url, source)
    console.print(f"Restored from {source}")


def main() -> None:
    """Console-script entry point."""
    app()
