"""`ressursbank benchmark timefold`: solve one Timefold employee-scheduling data set and write the roster as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ressursbank.exceptions import FormatError
from ressursbank.services.benchmark_timefold import solve_dataset_file


def timefold(
    dataset_file: Annotated[
        Path, typer.Argument(help="A data set in the timefold-employee-scheduling-v1 JSON format.")
    ],
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Wall-time budget in seconds.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="CP-SAT workers.")] = 2,
    out: Annotated[Path | None, typer.Option("--out", help="Write the roster here as CSV shift_id,employee.")] = None,
) -> None:
    """Solve DATASET_FILE and print the score as hard/soft (higher is better), checked independently."""
    console = Console()
    try:
        result = solve_dataset_file(dataset_file, time_limit=time_limit, seed=seed, workers=workers, out=out)
    except FormatError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    data = result.dataset
    table = Table(title=f"Timefold {data.name} ({len(data.employees)} employees, {len(data.shifts)} shifts)")
    for column in ("score", "unassigned", "feasible", "first legal (s)", "time (s)"):
        table.add_column(column)
    table.add_row(
        result.score,
        str(result.unassigned),
        "yes" if result.feasible else "no",
        "-" if result.first_legal is None else f"{result.first_legal:.2f}",
        f"{result.runtime:.1f}",
    )
    console.print(table)
    console.print(f"score {result.score}")
    if out is not None:
        console.print(f"roster written to {out}")
    if not result.feasible:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `timefold` command to the `benchmark` group."""
    app.command("timefold")(timefold)
