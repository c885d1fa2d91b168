"""The policy table and scope rules, and the production password hashing parameters."""

from __future__ import annotations

from ressursbank.services import auth
from ressursbank.services.policy import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    User,
    can,
    may_see_person,
    may_see_unit,
    role_allows,
    roles_with,
)

HR = User(1, "hr", "HR", Role.HR)
MANAGER = User(2, "leder", "Leder", Role.MANAGER, employee_id="M1", unit_ids=frozenset({"ward-a"}))
EMPLOYEE = User(3, "ansatt", "Ansatt", Role.EMPLOYEE, employee_id="E1")
LEADERSHIP = User(4, "ledelse", "Ledelse", Role.LEADERSHIP)
AUDITOR = User(5, "revisor", "Revisor", Role.AUDITOR)


def test_production_hasher_is_argon2id_with_rfc9106_costs() -> None:
    """Passwords are hashed with argon2id at RFC 9106's low-memory recommendation or stronger."""
    hasher = auth._hasher  # the module-level hasher every password goes through
    assert hasher.type.name == "ID" and hasher.memory_cost >= 65536 and hasher.time_cost >= 3


def test_only_hr_reads_restrictions_and_only_auditor_and_hr_read_the_audit_log() -> None:
    """The two sensitive permissions are held by exactly the intended roles."""
    assert roles_with(Permission.RESTRICTIONS_READ) == {Role.HR}
    assert roles_with(Permission.AUDIT_READ) == {Role.HR, Role.AUDITOR}
    assert roles_with(Permission.PRIVACY_ADMIN) == {Role.HR}


def test_leadership_and_auditor_never_read_named_people() -> None:
    """Leadership sees aggregates and the auditor the log; neither holds people or plan permissions."""
    for user in (LEADERSHIP, AUDITOR):
        assert not can(user, "people:read") and not can(user, "plan:read") and not can(user, "self:read")


def test_unknown_permission_and_anonymous_are_refused() -> None:
    """Fail closed: an unknown permission string or no user is never allowed."""
    assert not role_allows(Role.HR, "everything")
    assert not can(None, "org:read")
    assert all(ROLE_PERMISSIONS[role] <= set(Permission) for role in Role)


def test_person_scope() -> None:
    """HR sees everyone, a manager own people and people lent in, an employee only themselves."""
    assert may_see_person(HR, employee_id="X", home_unit_id="anywhere")
    assert may_see_person(MANAGER, employee_id="X", home_unit_id="ward-a")
    assert may_see_person(MANAGER, employee_id="Y", home_unit_id="library", lent_to_unit_ids=["ward-a"])
    assert not may_see_person(MANAGER, employee_id="Z", home_unit_id="library", lent_to_unit_ids=["clinic"])
    assert may_see_person(EMPLOYEE, employee_id="E1", home_unit_id="library")
    assert not may_see_person(EMPLOYEE, employee_id="E2", home_unit_id="library")
    assert not may_see_person(LEADERSHIP, employee_id="E2", home_unit_id="library")


def test_unit_scope() -> None:
    """A manager sees own units; leadership sees all units (for aggregates); an employee none."""
    assert may_see_unit(MANAGER, "ward-a") and not may_see_unit(MANAGER, "ward-b")
    assert may_see_unit(LEADERSHIP, "ward-b") and not may_see_unit(EMPLOYEE, "ward-a")
