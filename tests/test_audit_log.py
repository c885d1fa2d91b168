"""The audit log: append-only in the database itself, migrated like the ORM says, searchable by the auditor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ressursbank.db import repo_security as repo
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.db.tables_security import SECURITY_METADATA
from ressursbank.exceptions import PermissionDenied
from ressursbank.services import audit, auth
from ressursbank.services.policy import Role, User
from tests.helpers_db import empty_db_url

__all__ = ["empty_db_url"]

HR = User(1, "hr", "HR", Role.HR)
AUDITOR = User(2, "revisor", "Revisor", Role.AUDITOR)
OWN_TABLES = set(SECURITY_METADATA.tables)


def test_migration_matches_the_security_tables(empty_db_url: str) -> None:
    """Upgrading to head creates the security tables exactly as tables_security.py declares them."""
    upgrade_to_head(empty_db_url)
    engine = repo.create_engine_for(empty_db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_name": lambda n, t, _p: t != "table" or n in OWN_TABLES},
            )
            differences = compare_metadata(context, SECURITY_METADATA)
    finally:
        engine.dispose()
    assert differences == []


def test_audit_log_refuses_update_and_delete(empty_db_url: str) -> None:
    """The database itself refuses to change or remove an audit record (SQLite and PostgreSQL triggers)."""
    upgrade_to_head(empty_db_url)
    engine = repo.create_engine_for(empty_db_url)
    factory = repo.session_factory(engine)
    try:
        with factory() as session, session.begin():
            audit.record(session, actor=HR, action="plan.pin", subject_type="plan", subject_id="p1", reason="why")
        for statement in ("UPDATE audit_log SET reason = 'changed'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), factory() as session, session.begin():
                session.execute(sa.text(statement))
        with factory() as session:
            page = audit.search(session, viewer=AUDITOR)
        assert [(e.action, e.reason) for e in page.entries] == [("plan.pin", "why")]
    finally:
        engine.dispose()


def test_search_filters_and_only_the_auditor_role_may_search(tmp_path: Path) -> None:
    """The auditor finds records by actor, action, person, time and text; an employee may not search."""
    from tests.test_security_support import sqlite_factory

    factory = sqlite_factory(tmp_path)
    manager = User(3, "leder", "Leder", Role.MANAGER, unit_ids=frozenset({"u1"}))
    with factory() as session, session.begin():
        audit.record(session, actor=HR, action="restrictions.read", subject_type="employee", subject_id="E1")
        audit.record(
            session,
            actor=manager,
            action="person.read",
            subject_type="employee",
            subject_id="E2",
            fields=["name", "qualifications"],
        )
        audit.record(
            session,
            actor=HR,
            action="offer.withdraw",
            subject_type="offer",
            subject_id="o1",
            person_id="E2",
            reason="need covered by overtime",
        )
    with factory() as session:
        assert audit.search(session, viewer=AUDITOR).total == 3
        assert [e.subject_id for e in audit.search(session, viewer=AUDITOR, actor="leder").entries] == ["E2"]
        assert audit.search(session, viewer=AUDITOR, person_id="E2").total == 2
        assert audit.search(session, viewer=AUDITOR, text="overtime").entries[0].action == "offer.withdraw"
        future = dt.datetime.now() + dt.timedelta(days=1)
        assert audit.search(session, viewer=AUDITOR, since=future).total == 0
        with pytest.raises(PermissionDenied):
            audit.search(session, viewer=User(4, "a", "A", Role.EMPLOYEE, employee_id="E2"))
        mine = audit.accesses_to_me(session, viewer=User(4, "a", "A", Role.EMPLOYEE, employee_id="E2"))
    assert [(e.actor, e.action) for e in mine.entries] == [("hr", "offer.withdraw"), ("leder", "person.read")]


def test_logins_and_account_changes_are_audited(tmp_path: Path) -> None:
    """Creating an account and locking it after failures leave audit records."""
    from tests.test_security_support import sqlite_factory

    factory = sqlite_factory(tmp_path)
    with factory() as session, session.begin():
        auth.create_user(session, username="x", display_name="X", role=Role.EMPLOYEE, password="demo")
        for _ in range(auth.MAX_FAILED_LOGINS):
            with pytest.raises(auth.LoginFailed):
                auth.authenticate(session, username="x", password="wrong")
    with factory() as session:
        actions = [e.action for e in audit.search(session, viewer=AUDITOR).entries]
    assert actions == ["user.locked", "user.create"]


def test_audit_pages_for_auditor_and_employee(tmp_path: Path) -> None:
    """The auditor searches on /audit; an employee sees who read their data on /me/access-log; others get 403."""
    from fastapi.testclient import TestClient

    from tests.test_security_support import bearer_for, make_user, small_app, sqlite_factory

    factory = sqlite_factory(tmp_path)
    auditor = make_user(factory, Role.AUDITOR)
    hr = make_user(factory, Role.HR)
    me = make_user(factory, Role.EMPLOYEE, employee_id="E7")
    manager = make_user(factory, Role.MANAGER)
    with factory() as session, session.begin():
        audit.record(
            session, actor=hr, action="restrictions.read", subject_type="employee", subject_id="E7", reason="week plan"
        )
    client = TestClient(small_app(factory))
    page = client.get("/audit?action=restrictions.read", headers=bearer_for(factory, auditor))
    assert page.status_code == 200 and "week plan" in page.text and "1 treff" in page.text
    assert client.get("/audit", headers=bearer_for(factory, manager)).status_code == 403
    mine = client.get("/me/access-log?lang=en", headers=bearer_for(factory, me))
    assert mine.status_code == 200 and "restrictions.read" in mine.text and "Who has seen my data" in mine.text
