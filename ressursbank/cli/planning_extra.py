"""``ressursbank replan``, ``candidates`` and ``whatif``: re-planning, open-shift candidates and what-if sweeps."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

ScenarioOption = Annotated[str, typer.Option("--scenario", help="Scenario id / scenario-id")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]


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


def _when(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"not a date-time (YYYY-MM-DDTHH:MM): {text!r}") from exc


def register(app: typer.Typer) -> None:
    """Add the re-planning commands to the main app."""
    app.command("replan")(replan_command)
    app.command("candidates")(candidates_command)
    app.command("whatif")(whatif_command)


def replan_command(
    absence: Annotated[str | None, typer.Option("--absence", help="Employee id who is absent")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Absence start, e.g. 2020-03-18T00:00")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Absence end (exclusive)")] = None,
    declined: Annotated[str | None, typer.Option("--declined", help="Employee id who declined an offer")] = None,
    need: Annotated[list[str] | None, typer.Option("--need", help="Need id declined (repeat)")] = None,
    reopen: Annotated[str | None, typer.Option("--reopen", help="Unit id that opens again")] = None,
    day: Annotated[str | None, typer.Option("--day", help="Day the unit opens, YYYY-MM-DD")] = None,
    scenario: ScenarioOption = "covid-2020-03",
    weeks: Annotated[int, typer.Option(help="Horizon of the plan in weeks")] = 4,
    max_changes: Annotated[int | None, typer.Option("--max-changes", help="Cap on changed assignments")] = None,
    engine: Annotated[bool, typer.Option("--engine", help="Let the optimizer improve the repair")] = False,
    time_limit: Annotated[float, typer.Option(help="Seconds for the optimizer with --engine")] = 10.0,
    as_json: JsonOption = False,
) -> None:
    """Re-plan the newest plan after an absence, a declined offer or a unit reopening, and print the diff."""
    from ressursbank.services import replanning

    event: replanning.Event
    if absence:
        if not start or not end:
            raise _fail("--absence needs --from and --to")
        event = replanning.NewAbsence(absence, _when(start), _when(end))
    elif declined:
        if not need:
            raise _fail("--declined needs at least one --need")
        event = replanning.DeclinedOffer(declined, tuple(need))
    elif reopen:
        if not day:
            raise _fail("--reopen needs --day")
        event = replanning.UnitReopening(reopen, _when(day).date())
    else:
        raise _fail("give --absence, --declined or --reopen")
    _, sessions = _database()
    try:
        result = replanning.replan(
            sessions,
            scenario_id=scenario,
            event=event,
            weeks=weeks,
            max_changes=max_changes,
            use_engine=engine,
            time_limit=time_limit,
        )
    except (LookupError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Endringer / changes ({result.method})", title_justify="left")
    for column in ("", "employee", "unit", "start", "end", "hvorfor / why"):
        table.add_column(column)
    for c in result.changes:
        sign = "[red]-[/]" if c.action == "removed" else "[green]+[/]"
        table.add_row(
            sign,
            c.employee_id,
            c.unit_id,
            f"{c.start:%a %d.%m %H:%M}",
            f"{c.end:%H:%M}",
            f"{c.why_nb} / {c.why_en}",
        )
    console.print(table)
    console.print(
        f"Endrede vakter / changed assignments: [bold]{result.changed_assignments}[/] "
        f"(minimum {result.minimum_changes}); udekket / unmet {result.unmet_before} -> {result.unmet_after}; "
        f"{result.runtime_s:.2f} s; plan {result.plan_id}"
    )


def candidates_command(
    unit: Annotated[str, typer.Option("--unit", help="Unit id")],
    start: Annotated[str, typer.Option("--start", help="Shift start, e.g. 2020-03-18T07:00")],
    end: Annotated[str, typer.Option("--end", help="Shift end")],
    qualification: Annotated[str, typer.Option("--qualification", help="Qualification code, e.g. aut.sykepleier")] = "",
    scenario: ScenarioOption = "covid-2020-03",
    weeks: Annotated[int, typer.Option(help="Horizon of the plan in weeks")] = 4,
    limit: Annotated[int, typer.Option(help="At most this many")] = 20,
    as_json: JsonOption = False,
) -> None:
    """List the people who can lawfully take one open shift now, best first, with reason, cost and displacement."""
    from ressursbank.services import replanning

    _, sessions = _database()
    with sessions() as session:
        try:
            need, found = replanning.candidates(
                session,
                scenario_id=scenario,
                unit_id=unit,
                start=_when(start),
                end=_when(end),
                qualification=qualification,
                weeks=weeks,
                limit=limit,
            )
        except (LookupError, ValueError) as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        print(
            json.dumps({"need_id": need.id, "candidates": [c.to_dict() for c in found]}, ensure_ascii=False, indent=2)
        )
        return
    table = Table(title=f"Kandidater / candidates: {need.id}", title_justify="left")
    for column in ("#", "employee", "name", "kost / cost NOK", "overtid / OT min", "fortrenger / displaces", "why"):
        table.add_column(column)
    for i, c in enumerate(found, 1):
        table.add_row(
            str(i),
            c.employee_id,
            c.name,
            f"{c.cost_ore / 100:,.0f}".replace(",", " "),
            str(c.overtime_minutes),
            ", ".join(c.displaces) or "-",
            f"{c.reason.text('nb')} / {c.reason.text('en')}",
        )
    console.print(table)
    if not found:
        console.print("Ingen kan ta vakten lovlig nå / nobody can lawfully take the shift now")


def whatif_command(
    scenario: ScenarioOption = "covid-2020-03",
    absence_rate: Annotated[
        list[int] | None, typer.Option("--absence-rate", help="Variant: absence waves hit this % (repeat)")
    ] = None,
    surge: Annotated[list[int] | None, typer.Option("--surge", help="Variant: surges scale needs by this %")] = None,
    keep_open: Annotated[
        list[str] | None, typer.Option("--keep-open", help="Variant: do not close units of this kind")
    ] = None,
    weeks: Annotated[int, typer.Option(help="Horizon in weeks")] = 1,
    time_limit: Annotated[float, typer.Option(help="Seconds per variant")] = 10.0,
    processes: Annotated[int, typer.Option(help="Worker processes")] = 2,
    as_json: JsonOption = False,
) -> None:
    """Plan the scenario and changed copies of it side by side: coverage, cost, people moved."""
    from ressursbank.services import replanning
    from ressursbank.solve import SolveParams

    changes: list[tuple[str, Any]] = []
    for rate in absence_rate or []:
        changes.append((f"absence {rate} %", lambda s, r=rate: replanning.with_absence_rate(s, r)))
    for factor in surge or []:
        changes.append((f"surge {factor} %", lambda s, f=factor: replanning.with_surge(s, f)))
    for kind in keep_open or []:
        changes.append((f"keep {kind} open", lambda s, k=kind: replanning.with_open_kinds(s, [k])))
    _, sessions = _database()
    params = SolveParams.preset("fast", time_limit_s=time_limit, processes=1)
    with sessions() as session:
        try:
            comparison = replanning.whatif(
                session,
                scenario_id=scenario,
                changes=changes,
                weeks=weeks,
                params=params,
                runner=replanning.LocalProcessPoolRunner(processes=processes),
            )
        except (LookupError, ValueError) as exc:
            raise _fail(str(exc)) from exc
    if as_json:
        print(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Hva om / what if: {scenario}", title_justify="left")
    columns = ("variant", "dekning", "kritisk", "udekket", "kost NOK", "flyttet", "overtid t", "brudd", "s")
    for column in columns:
        table.add_column(column, justify="left" if column == "variant" else "right")
    for row in comparison.rows():
        table.add_row(
            row.name,
            f"{row.coverage:.1%}",
            f"{row.critical_coverage:.1%}",
            str(row.unmet),
            f"{row.cost_nok:,.0f}".replace(",", " "),
            str(row.people_moved),
            f"{row.overtime_hours:.1f}",
            str(row.hard_violations),
            f"{row.runtime_s:.1f}",
        )
    console.print(table)
