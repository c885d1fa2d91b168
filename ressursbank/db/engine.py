"""Engines and sessions from the settings: SQLite by default (WAL, foreign keys on), PostgreSQL when configured.

The embedded default is ``var/ressursbank.sqlite`` under the working directory (or ``$RESSURSBANK_HOME``);
``RESSURSBANK_DATABASE_URL`` selects another database, e.g. ``postgresql+psycopg://user@host:5432/ressursbank``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ressursbank.settings import Settings, load_settings

try:
    import fcntl
except ImportError:  # not on POSIX: writers of other processes wait in SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

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


#: One in-process writer lock per SQLite engine (see :func:`write_transaction`).
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_SQLITE_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock:
    with _SQLITE_WRITERS_GUARD:
        lock = _SQLITE_WRITERS.get(engine)
        if lock is None:
            lock = _SQLITE_WRITERS[engine] = threading.RLock()
        return lock


def _bound_engine(factory: Callable[[], Session]) -> Engine | None:
    bind = getattr(factory, "kw", {}).get("bind")
    return bind if isinstance(bind, Engine) else None


@contextlib.contextmanager
def _file_lock(database: Path | None, deadline: float) -> Iterator[None]:
    """An advisory lock on ``<database>.write-lock`` shared by every process that writes through
    :func:`write_transaction` (uvicorn's worker processes): waiting on it costs no SQLite busy-handler sleeps.
    Past ``deadline`` the block runs without it (SQLite's own lock and timeout still decide)."""
    fd = None
    if database is not None and fcntl is not None:
        with contextlib.suppress(OSError):
            fd = os.open(f"{database}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        pause = 0.0002
        while fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(pause)
                pause = min(2 * pause, 0.002)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


@contextlib.contextmanager
def write_transaction(factory: Callable[[], Session]) -> Iterator[Session]:
    """A short write transaction that takes the database's write lock before its first statement.

    SQLite has one writer at a time. Writers queue first on a Python lock (threads of this process, woken the
    moment the previous writer finishes) and then on a lock file next to the database (other processes, polled
    every 2 ms at most) instead of polling SQLite's busy handler, which sleeps in growing steps of up to 100 ms;
    the transaction then starts with ``BEGIN IMMEDIATE``, so the file's write lock is held before anything is
    read and a writer that does not use this function makes it wait (``busy_timeout``) rather than fail on a lock
    upgrade. On PostgreSQL this is an ordinary transaction: row locks taken by the work do the serialising.
    Committed when the block ends, rolled back if it raises.
    """
    engine = _bound_engine(factory)
    if engine is None or engine.dialect.name != "sqlite":
        with factory() as session, session.begin():
            yield session
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    lock = _writer_lock(engine)
    # Past the busy timeout, go on without the Python lock and let SQLite's own timeout decide.
    locked = lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S)
    try:
        with _file_lock(sqlite_file(str(engine.url)), deadline), factory() as session, session.begin():
            # pysqlite opens its own (deferred) transaction only before DML; a first BEGIN IMMEDIATE replaces it.
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
    finally:
        if locked:
            lock.release()
