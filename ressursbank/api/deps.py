"""Shared dependencies: the app state, the scenario a request is about, and its snapshot."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from ressursbank.api.state import AppState, app_state
from ressursbank.services.queries import Snapshot

StateDep = Annotated[AppState, Depends(app_state)]

ScenarioQuery = Annotated[
    str | None,
    Query(
        max_length=120,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$",
        description="Scenario id (default: the first stored scenario).",
        examples=["covid-2020-03"],
    ),
]


def snapshot_for(request: Request, scenario: ScenarioQuery = None) -> Snapshot:
    """The snapshot of the requested scenario (404 problem if it does not exist)."""
    return app_state(request).snapshot(scenario)


SnapshotDep = Annotated[Snapshot, Depends(snapshot_for)]
