"""`ressursbank benchmark curtois`: solve one Curtois & Qu instance file and write the roster as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ressursbank.exceptions import FormatError
from ressursbank.services.benchmark_curtois import solve_instance_file


def curtois(
    instance_file: Annotated[
        Path, typer.Argument(help="A Curtois & Qu instance file (schedulingbenchmarks.org format).")
    ],
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Wall-time budget in seconds.")],
    workers: Annotated[int, typer.Option("--workers", min=1, help="CP-SAT workers.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the roster here as CSV employee,day,shift.")] = None,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Use the plain monolithic CP-SAT model instead.")
    ] = False,
) -> None:
    """Solve INSTANCE_FILE and print objective, bound and status."""
    console = Console()
    try:
        result = solve_instance_file(
            instance_file,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            out=out,
            method="baseline" if baseline else "engine",
        )
    except FormatError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    table = Table(title=f"Curtois & Qu {result.instance.name} ({result.instance.size})")
    for column in ("status", "objective", "bound", "checker", "time (s)"):
        table.add_column(column)
    table.add_row(
        result.status,
        "-" if result.objective is None else str(result.objective),
        "-" if result.bound is None else f"{result.bound:.0f}",
        result.verdict,
        f"{result.runtime:.1f}",
    )
    console.print(table)
    if out is not None and result.objective is not None:
        console.print(f"roster written to {out}")
    if result.objective is None:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `curtois` command to the `benchmark` group."""
    app.command("curtois")(curtois)
