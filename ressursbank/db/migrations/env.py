"""Alembic environment: runs migrations on the connection or URL that :mod:`ressursbank.db.migrations` passes in.

There is no alembic.ini: the configuration is built in code (see ``ressursbank.db.migrations.alembic_config``),
so migrations run the same from a checkout and from an installed package.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from ressursbank.db.engine import create_engine_for
from ressursbank.db.migrations.targets import TARGET_METADATA


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate on the given connection, or on a fresh engine for the configured URL."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine_for(config.attributes["url"])
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; pass a database URL")
run_migrations_online()
