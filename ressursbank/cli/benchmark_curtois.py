"""`ressursbank benchmark curtois`: owned by the curtois benchmark work."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `curtois` command to the `benchmark` group."""
    _ = app
