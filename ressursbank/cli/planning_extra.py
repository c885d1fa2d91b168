"""`ressursbank replan`, `candidates` and `whatif`: owned by the re-planning work (issue 4)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the re-planning commands to the main app."""
    _ = app
