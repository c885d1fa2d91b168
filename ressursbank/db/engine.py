"""Engines and sessions from the settings: SQLite by default (WAL, foreign keys on), PostgreSQL when configured.

The embedded default is ``var/ressursbank.sqlite`` under the working directory (or ``$RESSURSBANK_HOME``);
``RESSURSBANK_DATABASE_URL`` selects another database, e.g. ``postgresql+psycopg://user@host:5432/ressursbank``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ressursbank.settings import Settings, load_settings

#: How long a SQLite writer waits for another writer's lock before giving up (seconds).
SQLITE_BUSY_TIMEOUT_S = 30


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writer writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; on SQLite with foreign keys, WAL and a busy timeout, creating the directory first."""
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def create_engine_from_settings(settings: Settings | None = None) -> Engine:
    """The engine of the configured database (:func:`ressursbank.settings.load_settings` when not given)."""
    return create_engine_for((settings or load_settings()).database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (records are read after the transaction ends)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back if it raises."""
    with session_factory(engine)() as session, session.begin():
        yield session
