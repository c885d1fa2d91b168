"""Engines from the settings: SQLite at the documented path with WAL and foreign keys; the URL variable wins."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from ressursbank.db.engine import create_engine_from_settings, sqlite_file
from ressursbank.settings import load_settings


def test_default_is_sqlite_under_ressursbank_home_with_wal_and_foreign_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without RESSURSBANK_DATABASE_URL the database is $RESSURSBANK_HOME/ressursbank.sqlite, WAL, FKs enforced."""
    monkeypatch.delenv("RESSURSBANK_DATABASE_URL", raising=False)
    monkeypatch.setenv("RESSURSBANK_HOME", str(tmp_path / "var"))
    engine = create_engine_from_settings()
    try:
        assert sqlite_file(str(engine.url)) == tmp_path / "var" / "ressursbank.sqlite"
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_database_url_variable_selects_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """RESSURSBANK_DATABASE_URL is used as given (PostgreSQL in production)."""
    url = "postgresql+psycopg://ressursbank@db.example:5432/ressursbank"
    monkeypatch.setenv("RESSURSBANK_DATABASE_URL", url)
    assert load_settings().database_url == url
    assert sqlite_file(url) is None
