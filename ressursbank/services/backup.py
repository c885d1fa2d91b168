"""Backup and restore of the whole database.

SQLite uses the online backup API (:meth:`sqlite3.Connection.backup`): a consistent copy taken page by page while
the app keeps running, checked with ``PRAGMA integrity_check`` before it is reported done. Restore copies a checked
backup back into the live file the same way, in one step, so readers see the old or the new database, never a mix.

PostgreSQL is backed up with ``pg_dump --format=custom`` and restored with ``pg_restore --clean --if-exists``
(the client programs must be installed); see docs/security.md.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ressursbank.db.engine import sqlite_file
from ressursbank.exceptions import RessursbankError

logger = logging.getLogger(__name__)

#: Pages copied per step of the online backup; between steps other connections may write.
PAGES_PER_STEP = 1024


class BackupError(RessursbankError):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What was copied where."""

    kind: str
    path: Path
    size_bytes: int
    tables: int


def _check(connection: sqlite3.Connection, where: str) -> int:
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if result is None or result[0] != "ok":
        raise BackupError(f"{where} failed the integrity check: {result[0] if result else 'no answer'}")
    tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return int(tables[0]) if tables else 0


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql://...`` (what pg_dump understands)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client programs (see docs/security.md)")
    return found


def backup_database(url: str, dest_path: Path | str) -> BackupReport:
    """Write a consistent backup of the database at ``url`` to ``dest_path`` (overwritten if it exists).

    Raises
    ------
    BackupError
        The database is not a file (in-memory SQLite), the copy is damaged, or ``pg_dump`` failed or is missing.
    """
    dest = Path(dest_path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source_file = sqlite_file(url)
        if source_file is None or not source_file.exists():
            raise BackupError(f"there is no SQLite database file behind {url}")
        partial = dest.with_name(dest.name + ".partial")
        partial.unlink(missing_ok=True)
        with sqlite3.connect(source_file) as source, sqlite3.connect(partial) as target:
            source.backup(target, pages=PAGES_PER_STEP)
            tables = _check(target, "the backup")
        source.close()
        target.close()
        partial.replace(dest)  # the finished file appears whole or not at all
        logger.info("backed up %s to %s (%d tables)", source_file, dest, tables)
        return BackupReport("sqlite", dest, dest.stat().st_size, tables)
    if url.startswith("postgresql"):
        done = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={_libpq_url(url)}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        return BackupReport("postgresql", dest, dest.stat().st_size, -1)
    raise BackupError(f"cannot back up {url.split(':', 1)[0]} databases")


def restore_database(url: str, src_path: Path | str) -> BackupReport:
    """Replace the database at ``url`` with the backup at ``src_path``.

    The backup is checked first; a damaged or foreign file is refused and the database is left untouched.
    """
    src = Path(src_path)
    if not src.exists():
        raise BackupError(f"no backup at {src}")
    if url.startswith("sqlite"):
        target_file = sqlite_file(url)
        if target_file is None:
            raise BackupError(f"there is no SQLite database file behind {url}")
        try:
            with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as source:
                tables = _check(source, f"the backup {src}")
                if tables == 0:
                    raise BackupError(f"{src} holds no tables: not a ressursbank backup")
                target_file.parent.mkdir(parents=True, exist_ok=True)
                with sqlite3.connect(target_file) as target:
                    source.backup(target, pages=PAGES_PER_STEP)
                target.close()
            source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{src} is not a usable SQLite backup: {exc}") from exc
        logger.info("restored %s from %s", target_file, src)
        return BackupReport("sqlite", target_file, target_file.stat().st_size, tables)
    if url.startswith("postgresql"):
        done = subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(src),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
        return BackupReport("postgresql", src, src.stat().st_size, -1)
    raise BackupError(f"cannot restore {url.split(':', 1)[0]} databases")
