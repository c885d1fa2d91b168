"""Who may do what: roles, permissions and the one table that joins them.

Every check in the API, the pages and the services asks :func:`can`; nothing else decides access. Scope (own unit,
self, lent in) is decided by the ``may_*`` helpers below, which services call with the facts they have loaded.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ressursbank.exceptions import PermissionDenied


class Role(enum.StrEnum):
    """The five roles of the municipality's crisis organisation."""

    HR = "hr"
    """HR adviser / crisis team: everything, including restriction flags."""
    MANAGER = "manager"
    """Unit manager: own units (needs, who is coming, rosters); others only while lent in."""
    EMPLOYEE = "employee"
    """An employee: own profile, offers and shifts."""
    LEADERSHIP = "leadership"
    """Municipal leadership: aggregates only, never a named person."""
    AUDITOR = "auditor"
    """Reads the audit log; nothing else."""


class Permission(enum.StrEnum):
    """Permission strings, shared by the API routes, the pages and the services."""

    ORG_READ = "org:read"
    PEOPLE_READ = "people:read"
    RESTRICTIONS_READ = "restrictions:read"
    SCENARIO_WRITE = "scenario:write"
    PLAN_READ = "plan:read"
    PLAN_WRITE = "plan:write"
    OFFERS_SEND = "offers:send"
    OFFERS_ANSWER = "offers:answer"
    OFFERS_APPROVE = "offers:approve"
    OVERVIEW_READ = "overview:read"
    REPORTS_READ = "reports:read"
    AUDIT_READ = "audit:read"
    SELF_READ = "self:read"
    PRIVACY_ADMIN = "privacy:admin"
    ADMIN = "admin"


P = Permission

#: THE table. Read it top to bottom: a role holds exactly the permissions listed on its row.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.HR: frozenset(Permission),
    Role.MANAGER: frozenset(
        {
            P.ORG_READ,
            P.PEOPLE_READ,
            P.PLAN_READ,
            P.OFFERS_SEND,
            P.OFFERS_APPROVE,
            P.OVERVIEW_READ,
            P.REPORTS_READ,
            P.SELF_READ,
            P.OFFERS_ANSWER,
        }
    ),
    Role.EMPLOYEE: frozenset({P.SELF_READ, P.OFFERS_ANSWER}),
    Role.LEADERSHIP: frozenset({P.OVERVIEW_READ, P.REPORTS_READ}),
    Role.AUDITOR: frozenset({P.AUDIT_READ}),
}

#: What anyone without ``restrictions:read`` is told instead of a restriction or its reason.
NOT_AVAILABLE_FOR_TASK = {"nb": "ikke tilgjengelig for denne oppgaven", "en": "not available for this task"}


@dataclass(frozen=True, slots=True)
class User:
    """A logged-in person as the services see them (no password hash, no session)."""

    id: int
    username: str
    display_name: str
    role: Role
    employee_id: str | None = None
    unit_ids: frozenset[str] = frozenset()
    locale: str = "nb"

    @property
    def is_hr(self) -> bool:
        return self.role is Role.HR


#: A pseudo-user for the system itself (command line, scheduled expiry); recorded as such in the audit log.
SYSTEM_USER = User(id=0, username="system", display_name="ressursbank", role=Role.HR)


def permissions_of(role: Role | str) -> frozenset[Permission]:
    """The permissions a role holds (an unknown role holds none)."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def role_allows(role: Role | str, permission: str) -> bool:
    """True if ``role`` holds ``permission`` (unknown permissions are refused: fail closed)."""
    try:
        wanted = Permission(permission)
    except ValueError:
        return False
    return wanted in permissions_of(role)


def can(user: User | None, permission: str) -> bool:
    """True if ``user`` may use ``permission``; an anonymous user may use nothing."""
    return user is not None and role_allows(user.role, permission)


def check(user: User | None, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may use ``permission``."""
    if not can(user, permission):
        who = "anonymous" if user is None else f"{user.username} ({user.role})"
        raise PermissionDenied(f"{who} may not use {permission!r}")


def roles_with(permission: str) -> frozenset[Role]:
    """Every role holding ``permission`` (what the role x route matrix expects)."""
    return frozenset(role for role in Role if role_allows(role, permission))


def may_see_unit(user: User, unit_id: str) -> bool:
    """HR and leadership (aggregates) see every unit; a manager sees own units; others none."""
    if user.role in (Role.HR, Role.LEADERSHIP):
        return True
    return user.role is Role.MANAGER and unit_id in user.unit_ids


def may_see_person(
    user: User,
    *,
    employee_id: str,
    home_unit_id: str | None,
    lent_to_unit_ids: Iterable[str] = (),
) -> bool:
    """Need-to-know on a named person.

    HR sees everyone; anyone sees themselves; a manager sees people whose home unit is theirs and people lent in
    to one of their units (``lent_to_unit_ids``: host units of the person's current or planned loans);
    leadership and auditors never see a named person through this door.
    """
    if user.role is Role.HR or (user.employee_id is not None and user.employee_id == employee_id):
        return True
    if user.role is Role.MANAGER:
        if home_unit_id is not None and home_unit_id in user.unit_ids:
            return True
        return any(unit in user.unit_ids for unit in lent_to_unit_ids)
    return False


def may_see_restrictions(user: User | None) -> bool:
    """Only HR sees restriction flags (GDPR art. 9: they may stem from health); everyone else sees
    :data:`NOT_AVAILABLE_FOR_TASK`."""
    return can(user, Permission.RESTRICTIONS_READ)


def restriction_text(user: User | None, flags: Iterable[str], locale: str = "nb") -> list[str]:
    """What ``user`` may be told about a person's restriction ``flags``: the flags for HR, else one neutral line.

    The neutral line never says which flag applies or why, and is shown only if some flag exists, so a manager
    learns "not available for this task" and nothing more.
    """
    shown = sorted(set(flags))
    if may_see_restrictions(user):
        return shown
    return [NOT_AVAILABLE_FOR_TASK.get(locale, NOT_AVAILABLE_FOR_TASK["en"])] if shown else []
