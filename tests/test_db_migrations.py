"""Alembic migrations: upgrade from an empty database to head, schema equal to the ORM, downgrade to base."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ressursbank.db.engine import create_engine_for, transaction
from ressursbank.db.migrations import current_revision, downgrade_to_base, head_revision, upgrade_to_head
from ressursbank.db.migrations.targets import TARGET_METADATA
from ressursbank.db.repository import load_organisation, save_organisation
from ressursbank.db.tables import Base
from tests.helpers_db import empty_db_url, rich_organisation

__all__ = ["empty_db_url"]

OWN_TABLES = set(Base.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table_at_head(empty_db_url: str) -> None:
    """An empty database migrated to head holds every organisation table and records the head revision."""
    assert current_revision(empty_db_url) is None
    upgrade_to_head(empty_db_url)
    assert _tables(empty_db_url) >= OWN_TABLES
    assert current_revision(empty_db_url) == head_revision()


def test_migrated_schema_matches_the_orm(empty_db_url: str) -> None:
    """Autogenerate finds no difference between the migrated schema and tables.py (a missing migration fails)."""
    upgrade_to_head(empty_db_url)
    engine = create_engine_for(empty_db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _only_own_tables}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_every_table_family_is_migrated(empty_db_url: str) -> None:
    """The migrations build every family the env knows (organisation, jobs, security): none lacks a migration."""
    upgrade_to_head(empty_db_url)
    engine = create_engine_for(empty_db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, TARGET_METADATA)  # type: ignore[arg-type]  # a list works, as in env.py
    finally:
        engine.dispose()
    assert differences == []


def _only_own_tables(name: str | None, type_: str, _parents: object) -> bool:
    # Other table families (jobs, users, audit) have their own metadata and migrations.
    return type_ != "table" or name in OWN_TABLES


def test_upgrade_twice_is_harmless_and_data_survives(empty_db_url: str) -> None:
    """Running the upgrade again on a database at head changes nothing and keeps stored rows."""
    upgrade_to_head(empty_db_url)
    engine = create_engine_for(empty_db_url)
    try:
        with transaction(engine) as session:
            save_organisation(session=session, organisation=rich_organisation())
        upgrade_to_head(empty_db_url)
        with transaction(engine) as session:
            assert load_organisation(session=session) == rich_organisation()
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(empty_db_url: str) -> None:
    """Downgrade to base leaves none of the tables behind; a new upgrade builds them again."""
    upgrade_to_head(empty_db_url)
    downgrade_to_base(empty_db_url)
    assert not (OWN_TABLES & _tables(empty_db_url))
    assert current_revision(empty_db_url) is None
    upgrade_to_head(empty_db_url)
    assert _tables(empty_db_url) >= OWN_TABLES
