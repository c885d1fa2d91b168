"""Special-category data and data subject rights: HR-only logged restriction reads, retention, export, erasure."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ressursbank.db import repo_security as repo
from ressursbank.db import repository
from ressursbank.domain import Organisation, Restriction, RestrictionFlag
from ressursbank.exceptions import PermissionDenied
from ressursbank.services import audit, privacy
from ressursbank.services.policy import NOT_AVAILABLE_FOR_TASK, Role, restriction_text
from tests.test_security_support import bearer_for, cheap_argon2, make_user, small_app, sqlite_factory

__all__ = ["cheap_argon2"]

Factory = Callable[[], repo.Session]


def _org_with_restriction(org: Organisation) -> tuple[Organisation, str]:
    from dataclasses import replace

    person = org.employees[0]
    flagged = replace(
        person,
        restrictions=(
            Restriction(RestrictionFlag.NO_COVID_CONTACT, dt.date(2020, 3, 1), dt.date(2020, 6, 30), "hr-1"),
            Restriction(RestrictionFlag.NO_NIGHTS, dt.date(2020, 3, 1), None, "hr-1"),
        ),
    )
    return replace(org, employees=(flagged, *org.employees[1:])), person.id


@pytest.fixture()
def stored(tmp_path: Path, tiny_org: Organisation) -> tuple[Factory, str]:
    """A database with the tiny organisation where the first employee has two restriction flags."""
    factory = sqlite_factory(tmp_path)
    org, person = _org_with_restriction(tiny_org)
    with factory() as session, session.begin():
        repository.save_organisation(session=session, organisation=org)
    return factory, person


def test_only_hr_reads_restrictions_and_every_read_is_logged(stored: tuple[Factory, str]) -> None:
    """HR reads the flags (logged with purpose, visible to the person); a manager is refused."""
    factory, person = stored
    hr = make_user(factory, Role.HR)
    manager = make_user(factory, Role.MANAGER, unit_ids=("nursing-home-001",))
    employee = make_user(factory, Role.EMPLOYEE, employee_id=person)
    with factory() as session, session.begin():
        flags = privacy.read_restrictions(session, viewer=hr, employee_id=person, purpose="plan week 12")
        assert {f["flag"] for f in flags} == {"no_covid_contact", "no_nights"}
        with pytest.raises(PermissionDenied):
            privacy.read_restrictions(session, viewer=manager, employee_id=person)
    with factory() as session:
        mine = audit.accesses_to_me(session, viewer=employee)
    assert [(e.actor, e.action) for e in mine.entries if e.actor != "system"] == [("hr", "restrictions.read")]


def test_others_are_told_not_available_without_reason() -> None:
    """A manager learns only 'not available for this task', never the flag; HR sees the flags."""
    from ressursbank.services.policy import User

    manager = User(1, "m", "M", Role.MANAGER)
    hr = User(2, "h", "H", Role.HR)
    assert restriction_text(manager, ["no_covid_contact"], "en") == [NOT_AVAILABLE_FOR_TASK["en"]]
    assert restriction_text(manager, [], "nb") == []
    assert restriction_text(hr, ["no_nights", "no_covid_contact"]) == ["no_covid_contact", "no_nights"]


def test_retention_deletes_ended_flags_then_all_after_the_crisis(stored: tuple[Factory, str]) -> None:
    """Ended flags go after the retention period; every flag goes once the crisis ended long enough ago."""
    factory, person = stored
    hr = make_user(factory, Role.HR)
    with factory() as session, session.begin():
        privacy.purge_restrictions(session, actor=hr, today=dt.date(2020, 7, 10), retention=30)
        assert {r["flag"] for r in repo.restriction_rows(session, person)} == {"no_covid_contact", "no_nights"}
        privacy.purge_restrictions(session, actor=hr, today=dt.date(2020, 8, 15), retention=30)
        assert {r["flag"] for r in repo.restriction_rows(session, person)} == {"no_nights"}
        privacy.purge_restrictions(
            session, actor=hr, today=dt.date(2021, 1, 1), crisis_ended_on=dt.date(2020, 11, 1), retention=30
        )
        assert repo.delete_restrictions(session) == []
        assert repo.restriction_rows(session, person) == []


def test_export_contains_everything_and_is_json(stored: tuple[Factory, str]) -> None:
    """The export holds the record, accounts, offers, plan assignments and the access log, and is valid JSON."""
    factory, person = stored
    hr = make_user(factory, Role.HR)
    me = make_user(factory, Role.EMPLOYEE, employee_id=person)
    other = make_user(factory, Role.EMPLOYEE, username="other", employee_id="X")
    with factory() as session, session.begin():
        document = privacy.export_person(session, viewer=me, employee_id=person)
        with pytest.raises(PermissionDenied):
            privacy.export_person(session, viewer=other, employee_id=person)
        by_hr = privacy.export_person(session, viewer=hr, employee_id=person)
    text = json.dumps(document)
    assert document["employee"]["id"] == person and "restrictions" in document["employee"]
    assert document["accounts"][0]["username"] == "employee"
    assert "password" not in text
    assert any(entry["action"] == "person.export" for entry in by_hr["access_log"])


def test_anonymise_removes_name_flags_and_accounts_keeps_audit(stored: tuple[Factory, str]) -> None:
    """Anonymising replaces the name, deletes flags and absences, disables the login, and keeps the audit trail."""
    factory, person = stored
    hr = make_user(factory, Role.HR)
    make_user(factory, Role.EMPLOYEE, employee_id=person)
    with factory() as session, session.begin():
        with pytest.raises(ValueError):
            privacy.erase_person(session, actor=hr, employee_id=person, reason=" ")
        report = privacy.erase_person(session, actor=hr, employee_id=person, reason="request 17")
    assert report.accounts_disabled == 1 and report.employee_changed
    with factory() as session:
        employee = repository.load_employee(session=session, employee_id=person)
        assert employee.name == privacy.pseudonym_for(person)
        assert employee.restrictions == () and employee.absences == ()
        assert repo.user_by_username(session, "employee") is None
        page = audit.search(session, viewer=hr, action="person.anonymise")
    assert page.total == 1


def test_erase_deletes_the_person(stored: tuple[Factory, str]) -> None:
    """Erasure deletes the employee record."""
    factory, person = stored
    hr = make_user(factory, Role.HR)
    with factory() as session, session.begin():
        privacy.erase_person(session, actor=hr, employee_id=person, reason="request 18", mode="erase")
    with factory() as session:
        assert not repo.employee_exists(session, person)


def test_privacy_api_roles(stored: tuple[Factory, str]) -> None:
    """Through the API: HR reads flags, a manager gets 403, an employee exports themselves."""
    factory, person = stored
    hr = make_user(factory, Role.HR)
    manager = make_user(factory, Role.MANAGER)
    me = make_user(factory, Role.EMPLOYEE, employee_id=person)
    client = TestClient(small_app(factory))
    path = f"/api/privacy/people/{person}/restrictions"
    assert client.get(path, headers=bearer_for(factory, hr)).status_code == 200
    assert client.get(path, headers=bearer_for(factory, manager)).status_code == 403
    mine = client.get("/api/privacy/me/export", headers=bearer_for(factory, me))
    assert mine.status_code == 200 and mine.json()["employee_id"] == person
    log = client.get("/api/me/access-log", headers=bearer_for(factory, me))
    assert [e["by"] for e in log.json() if e["action"] == "restrictions.read"] == ["hr"]
