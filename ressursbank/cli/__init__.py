"""The ``ressursbank`` command line: Typer + Rich, a thin face on the services."""

from __future__ import annotations

import logging

import typer

from ressursbank.cli import benchmark_curtois, benchmark_timefold

app = typer.Typer(help="ressursbank: redeployment and lawful rostering for a municipality.", no_args_is_help=True)
benchmark_app = typer.Typer(help="Solve external benchmark instances with the engine.", no_args_is_help=True)
app.add_typer(benchmark_app, name="benchmark")
benchmark_curtois.register(benchmark_app)
benchmark_timefold.register(benchmark_app)


@app.callback()
def _configure(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def main() -> None:
    """Console-script entry point."""
    app()
