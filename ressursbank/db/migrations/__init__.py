"""Alembic migrations, run from code: :func:`upgrade_to_head` and :func:`downgrade_to_base` take a database URL.

The configuration that an ``alembic.ini`` would hold is built here, so ``ressursbank init`` works from an
installed package. New migrations go in ``versions/`` (``NNNN_what.py``, each revising the one before).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ressursbank.db.engine import create_engine_for

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` without an ini file (the URL travels as an attribute, unescaped)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["url"] = url
    return config


def upgrade_to_head(url: str) -> None:
    """Create or upgrade every table of the database at ``url`` to the newest revision."""
    command.upgrade(alembic_config(url), "head")


def downgrade_to_base(url: str) -> None:
    """Undo every migration: the database at ``url`` is left without ressursbank's tables."""
    command.downgrade(alembic_config(url), "base")


def head_revision() -> str | None:
    """The newest revision in ``versions/``."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None before the first migration)."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
