"""Settings from the environment, read once and validated (fail fast)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(os.environ.get("RESSURSBANK_HOME", Path.cwd() / "var"))


@dataclass(frozen=True, slots=True)
class Settings:
    """Process-wide settings; build with :func:`load_settings`."""

    database_url: str
    data_dir: Path

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def default_database_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """The embedded default: ``var/ressursbank.sqlite`` under the working directory (or $RESSURSBANK_HOME)."""
    return f"sqlite:///{data_dir / 'ressursbank.sqlite'}"


def load_settings() -> Settings:
    """Read ``RESSURSBANK_DATABASE_URL`` (PostgreSQL in production) or fall back to the embedded SQLite file."""
    data_dir = Path(os.environ.get("RESSURSBANK_HOME", Path.cwd() / "var"))
    url = os.environ.get("RESSURSBANK_DATABASE_URL") or default_database_url(data_dir)
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ValueError(f"RESSURSBANK_DATABASE_URL must be a sqlite:// or postgresql:// URL, got {url!r}")
    return Settings(database_url=url, data_dir=data_dir)
