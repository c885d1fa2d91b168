"""`ressursbank benchmark timefold`: owned by the timefold benchmark work."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `timefold` command to the `benchmark` group."""
    _ = app
