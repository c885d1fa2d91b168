"""Backup and restore: a consistent online copy, restored whole; damaged backups are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ressursbank.db import repo_security as repo
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.services import auth
from ressursbank.services.backup import BackupError, backup_database, restore_database
from ressursbank.services.policy import Role
from tests.helpers_db import empty_db_url

__all__ = ["empty_db_url"]


def _usernames(url: str) -> list[str]:
    engine = repo.create_engine_for(url)
    try:
        with repo.session_factory(engine)() as session:
            return [u.username for u in repo.all_users(session)]
    finally:
        engine.dispose()


def _add_user(url: str, name: str) -> None:
    engine = repo.create_engine_for(url)
    try:
        with repo.session_factory(engine)() as session, session.begin():
            auth.create_user(session, username=name, display_name=name, role=Role.HR, password="demo")
    finally:
        engine.dispose()


def test_backup_then_restore_brings_back_the_state_of_the_backup(empty_db_url: str, tmp_path: Path) -> None:
    """Rows added after a backup are gone after restoring it; rows from before are there (SQLite and PostgreSQL)."""
    upgrade_to_head(empty_db_url)
    _add_user(empty_db_url, "before")
    try:
        report = backup_database(empty_db_url, tmp_path / "copy.backup")
    except BackupError as exc:  # pg_dump missing or of another major version than the server
        pytest.skip(str(exc))
    assert report.size_bytes > 0
    _add_user(empty_db_url, "after")
    assert _usernames(empty_db_url) == ["before", "after"]
    restore_database(empty_db_url, tmp_path / "copy.backup")
    assert _usernames(empty_db_url) == ["before"]


def test_sqlite_backup_is_online_and_checked(tmp_path: Path) -> None:
    """The SQLite backup is taken while a connection holds the database open and passes the integrity check."""
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    upgrade_to_head(url)
    engine = repo.create_engine_for(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM audit_log")
            report = backup_database(url, tmp_path / "out" / "copy.sqlite")
    finally:
        engine.dispose()
    assert report.kind == "sqlite" and report.tables >= 10


def test_damaged_backup_is_refused_and_database_untouched(tmp_path: Path) -> None:
    """Restoring from a file that is not a SQLite database fails clearly and changes nothing."""
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    upgrade_to_head(url)
    _add_user(url, "keep")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError):
        restore_database(url, bad)
    with pytest.raises(BackupError):
        restore_database(url, tmp_path / "missing.sqlite")
    assert _usernames(url) == ["keep"]
