"""What one running app holds: settings, the database, caches of immutable snapshots, and the job runner.

Kept on ``app.state.ressursbank`` (no module-level singletons), so two apps in one process (tests) never share
state.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from ressursbank.db import engine as db_engine
from ressursbank.db.repo_app import DbSession, create_app_tables
from ressursbank.services import queries
from ressursbank.services.jobs import JobRunner
from ressursbank.services.queries import Snapshot, SnapshotCache
from ressursbank.settings import Settings

#: How long a request may reuse the answer to "which scenario and plan is current" (seconds).
RESOLVE_SECONDS = 2.0
#: Needs plus assignments from which a new snapshot is worth freezing out of the garbage collector's walks.
SETTLE_AT_SIZE = 10_000


@dataclass
class AppState:
    """Per-app state."""

    settings: Settings
    engine: Any
    session_factory: Callable[[], DbSession]
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)
    jobs: JobRunner | None = None
    _resolve_lock: threading.Lock = field(default_factory=threading.Lock)
    _resolved: dict[tuple[str | None, str | None], tuple[float, Snapshot]] = field(default_factory=dict)
    _choices: tuple[float, list[tuple[str, str, str]]] | None = None
    _settled: weakref.WeakSet[Snapshot] = field(default_factory=weakref.WeakSet)

    @classmethod
    def create(cls, settings: Settings) -> AppState:
        engine = db_engine.create_engine_for(settings.database_url)
        factory = db_engine.session_factory(engine)
        with contextlib.suppress(Exception):  # read-only or not yet migrated databases: the routes will say so
            create_app_tables(engine)  # no-op when Alembic made them; adds tables newer than an old migration
        state = cls(settings=settings, engine=engine, session_factory=factory)
        state.jobs = JobRunner(factory, database_url=settings.database_url)
        return state

    @contextmanager
    def read(self) -> Iterator[DbSession]:
        """A read-only session (rolled back at the end)."""
        with self.session_factory() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[DbSession]:
        """A session in one transaction, committed at the end unless an error escapes."""
        try:
            with self.session_factory() as session, session.begin():
                yield session
        finally:
            self.refresh()

    def snapshot(self, scenario_id: str | None = None, *, plan_id: str | None = None) -> Snapshot:
        """The snapshot of ``scenario_id`` (default: the first scenario) with its latest (or the given) plan.

        Which scenario and plan a request means is looked up at most every :data:`RESOLVE_SECONDS` (the
        snapshots themselves are immutable and cached); writes through this app and finished jobs refresh at once.
        """
        key = (scenario_id, plan_id)
        now = time.monotonic()
        with self._resolve_lock:
            hit = self._resolved.get(key)
        if hit is not None and now - hit[0] < RESOLVE_SECONDS:
            return hit[1]
        with self.read() as session:
            snap = queries.load_snapshot(session, self.snapshots, scenario_id=scenario_id, plan_id=plan_id)
        with self._resolve_lock:
            self._resolved[key] = (now, snap)
            fresh = snap not in self._settled
            if fresh:
                self._settled.add(snap)
        if fresh and len(snap.problem.needs) + len(snap.plan.assignments) >= SETTLE_AT_SIZE:
            settle_heap()
        return snap

    def scenario_choices(self) -> list[tuple[str, str, str]]:
        """(id, name nb, name en) of every stored scenario, for pickers; looked up like :meth:`snapshot`."""
        now = time.monotonic()
        with self._resolve_lock:
            hit = self._choices
        if hit is not None and now - hit[0] < RESOLVE_SECONDS:
            return list(hit[1])
        with self.read() as session:
            choices = [(s.id, s.name_nb, s.name_en) for s in queries.list_scenarios(session)]
        with self._resolve_lock:
            self._choices = (now, choices)
        return list(choices)

    def refresh(self) -> None:
        """Look up scenarios and latest plans again on the next request (after a write or a finished job)."""
        with self._resolve_lock:
            self._resolved.clear()
            self._choices = None

    def forget(self) -> None:
        """Drop every cached snapshot (after the organisation changed)."""
        self.refresh()
        self.snapshots.clear()


def settle_heap(*, collect: bool = True) -> None:
    """Move every object alive now out of the garbage collector's sight (``gc.freeze``).

    A snapshot of the Asker demo is some 300,000 long-lived objects; each full collection walked all of them
    (about 0.3 s of CPU, stalling every request of the process). Frozen objects are still freed by reference
    counting when a newer snapshot replaces them; only reference cycles among them would stay (snapshots hold
    none). Called once per new large snapshot, after a collection so no garbage is frozen (``collect``).
    """
    if collect:
        gc.collect()
    gc.freeze()


def app_state(request: Request) -> AppState:
    """The app's state from a request."""
    state: AppState = request.app.state.ressursbank
    return state
