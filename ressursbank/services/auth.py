"""Accounts, passwords, login sessions and API tokens.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 defaults). Five failed logins in a row lock the account
for a quarter of an hour; a locked account is refused without checking the password, and the message never says
whether the username exists. Session and API tokens are 256-bit random strings; the database keeps only their
SHA-256, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState

from ressursbank.db import repo_security as repo
from ressursbank.exceptions import Conflict, RessursbankError
from ressursbank.services import audit
from ressursbank.services.policy import SYSTEM_USER, Role, User

logger = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_IDLE = dt.timedelta(hours=8)
SESSION_ABSOLUTE = dt.timedelta(hours=12)
MIN_PASSWORD_LENGTH = 4

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so the answer takes as long as for a real account.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class LoginFailed(RessursbankError):
    """Wrong username or password, a locked or disabled account: one message for all, on purpose."""

    MESSAGE: ClassVar[dict[str, str]] = {
        "nb": "Feil brukernavn eller passord, eller kontoen er midlertidig sperret etter for mange forsøk.",
        "en": "Wrong username or password, or the account is temporarily locked after too many attempts.",
    }

    def __init__(self) -> None:
        super().__init__(self.MESSAGE["en"])


def utcnow() -> dt.datetime:
    """Naive UTC now: every security timestamp is stored like this."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def token_digest(token: str) -> str:
    """SHA-256 hex of a session or API token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; never raises for a wrong or malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def to_user(row: repo.UserRow) -> User:
    """The service-level view of a user row."""
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        employee_id=row.employee_id,
        unit_ids=frozenset(row.unit_ids or ()),
        locale=row.locale or "nb",
    )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a session or API token stands for, and until when (naive UTC; None: until revoked)."""

    user: User
    valid_until: dt.datetime | None


# --- change tracking for caches of principals ----------------------------------------------------------------------
#: Bumped whenever this process changes accounts, deletes sessions or changes API tokens (on flush and again on
#: commit), so a cache of "token -> user" drops everything it learnt before the change. Changes made by other
#: processes are not seen here; such caches must also expire entries after a short time.
_generation = 0
_generation_lock = threading.Lock()
_WATCHED_ON_CHANGE = (repo.UserRow, repo.ApiTokenRow)
_WATCHED_ON_DELETE = (repo.UserRow, repo.ApiTokenRow, repo.SessionRow)
_DIRTY_FLAG = "ressursbank.security_changed"


def security_generation() -> int:
    """A number that changes whenever this process changes who a session or token stands for."""
    return _generation


def bump_security_generation() -> None:
    """Invalidate every cached principal of this process (called by the ORM hooks below; callable by hand)."""
    global _generation
    with _generation_lock:
        _generation += 1


def _changes_security(session: repo.Session) -> bool:
    return any(isinstance(o, _WATCHED_ON_CHANGE) for o in session.dirty) or any(
        isinstance(o, _WATCHED_ON_DELETE) for o in session.deleted
    )


@sa_event.listens_for(repo.Session, "before_flush")
def _watch_flush(session: repo.Session, _context: object, _instances: object) -> None:
    # A new session row needs no invalidation; a changed account or token, or a removed session, does. Sliding a
    # session's expiry only makes it live longer, which a cached entry (capped at the old expiry) never exceeds.
    if _changes_security(session):
        session.info[_DIRTY_FLAG] = True
        bump_security_generation()


@sa_event.listens_for(repo.Session, "do_orm_execute")
def _watch_bulk(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        m.class_ in (repo.UserRow, repo.ApiTokenRow, repo.SessionRow) for m in state.all_mappers
    ):
        state.session.info[_DIRTY_FLAG] = True
        bump_security_generation()


@sa_event.listens_for(repo.Session, "after_commit")
def _watch_commit(session: repo.Session) -> None:
    # Bump again once the change is visible to other connections: a lookup that read the old rows between the
    # flush and the commit must not stay cached.
    if session.info.pop(_DIRTY_FLAG, False):
        bump_security_generation()


@sa_event.listens_for(repo.Session, "after_soft_rollback")
def _watch_rollback(session: repo.Session, _previous: object) -> None:
    session.info.pop(_DIRTY_FLAG, None)


def create_user(
    session: repo.Session,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    password: str | None = None,
    employee_id: str | None = None,
    unit_ids: Iterable[str] = (),
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
    locale: str = "nb",
    actor: User = SYSTEM_USER,
) -> User:
    """Create an account with a password (argon2id) and/or an OpenID Connect identity.

    Raises
    ------
    Conflict
        The username (case-insensitive) or the OIDC identity is taken.
    ValueError
        Unknown role, a password shorter than the minimum, or neither password nor OIDC identity.
    """
    name = username.strip().casefold()
    if not name:
        raise ValueError("username is required")
    role = Role(role)
    if password is None and oidc_subject is None:
        raise ValueError(f"user {name}: a password or an OIDC subject is required")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"user {name}: the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if repo.user_by_username(session, name) is not None:
        raise Conflict(f"the username {name!r} is taken")
    row = repo.UserRow(
        username=name,
        display_name=display_name,
        role=role.value,
        employee_id=employee_id,
        unit_ids=sorted(set(unit_ids)),
        password_hash=hash_password(password) if password is not None else None,
        oidc_issuer=oidc_issuer,
        oidc_subject=oidc_subject,
        locale=locale,
        disabled=False,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    user = to_user(row)
    audit.record(
        session,
        actor=actor,
        action="user.create",
        subject_type="user",
        subject_id=str(row.id),
        person_id=employee_id,
        fields=["role", "employee_id", "unit_ids"],
    )
    return user


def set_password(session: repo.Session, *, user_id: int, password: str, actor: User) -> None:
    """Replace a user's password, unlock the account and end every session of theirs."""
    row = repo.user_by_id(session, user_id)
    if row is None:
        raise LookupError(f"no user {user_id}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    row.password_hash = hash_password(password)
    row.failed_logins = 0
    row.locked_until = None
    repo.delete_sessions_of(session, user_id)
    audit.record(session, actor=actor, action="user.password", subject_type="user", subject_id=str(user_id))


def authenticate(session: repo.Session, *, username: str, password: str, now: dt.datetime | None = None) -> User:
    """The user whose ``password`` matches, counting failures and locking after :data:`MAX_FAILED_LOGINS`.

    The caller commits whatever the outcome, so failed attempts are counted even though this raises.

    Raises
    ------
    LoginFailed
        Unknown user, wrong password, disabled or locked account (one message for all).
    """
    now = now or utcnow()
    row = repo.user_by_username(session, username)
    if row is None or row.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        raise LoginFailed()
    if row.disabled or (row.locked_until is not None and row.locked_until > now):
        verify_password(_DUMMY_HASH, password)
        raise LoginFailed()
    if not verify_password(row.password_hash, password):
        row.failed_logins = (row.failed_logins or 0) + 1
        if row.failed_logins >= MAX_FAILED_LOGINS:
            row.locked_until = now + LOCKOUT
            row.failed_logins = 0
            logger.warning("account %s locked after %d failed logins", row.username, MAX_FAILED_LOGINS)
            audit.record(
                session,
                actor=SYSTEM_USER,
                action="user.locked",
                subject_type="user",
                subject_id=str(row.id),
                reason=f"{MAX_FAILED_LOGINS} failed logins",
            )
        raise LoginFailed()
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    row.failed_logins = 0
    row.locked_until = None
    row.last_login_at = now
    return to_user(row)


def user_by_id(session: repo.Session, user_id: int) -> User | None:
    row = repo.user_by_id(session, user_id)
    return None if row is None or row.disabled else to_user(row)


def find_user(session: repo.Session, username: str) -> User | None:
    row = repo.user_by_username(session, username)
    return None if row is None else to_user(row)


# --- sessions ------------------------------------------------------------------------------------------------------


def start_session(session: repo.Session, *, user: User, now: dt.datetime | None = None) -> str:
    """A new login session for ``user``; returns the cookie value (shown once, stored only as a digest)."""
    now = now or utcnow()
    repo.delete_expired_sessions(session, now)  # housekeeping where it costs least: at login
    token = secrets.token_urlsafe(32)
    session.add(
        repo.SessionRow(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + SESSION_IDLE,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def session_principal(session: repo.Session, token: str, *, now: dt.datetime | None = None) -> Principal | None:
    """The user of a live session and until when the session is valid, sliding the idle expiry (never beyond
    :data:`SESSION_ABSOLUTE`)."""
    now = now or utcnow()
    row = repo.session_by_hash(session, token_digest(token))
    if row is None:
        return None
    if row.expires_at <= now:
        repo.delete_session(session, row.token_hash)
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=5):
        row.last_seen_at = now
        row.expires_at = min(now + SESSION_IDLE, row.created_at + SESSION_ABSOLUTE)
    user = user_by_id(session, row.user_id)
    return None if user is None else Principal(user, row.expires_at)


def user_for_session(session: repo.Session, token: str, *, now: dt.datetime | None = None) -> User | None:
    """The user of a live session, sliding the idle expiry (never beyond :data:`SESSION_ABSOLUTE`)."""
    found = session_principal(session, token, now=now)
    return None if found is None else found.user


def end_session(session: repo.Session, token: str) -> None:
    """Log out: the session token stops working at once."""
    repo.delete_session(session, token_digest(token))


# --- API tokens ----------------------------------------------------------------------------------------------------


def create_api_token(
    session: repo.Session, *, user: User, name: str, valid_for: dt.timedelta | None = None, actor: User | None = None
) -> str:
    """A bearer token acting as ``user`` for scripts; returned once in clear text."""
    token = "rb_" + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        repo.ApiTokenRow(
            user_id=user.id,
            name=name,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + valid_for if valid_for else None,
        )
    )
    session.flush()
    audit.record(
        session, actor=actor or user, action="token.create", subject_type="user", subject_id=str(user.id), reason=name
    )
    return token


def api_token_principal(session: repo.Session, token: str, *, now: dt.datetime | None = None) -> Principal | None:
    """The user a bearer token acts for and until when it is valid, or None if unknown, revoked or expired."""
    now = now or utcnow()
    row = repo.api_token_by_hash(session, token_digest(token))
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    user = user_by_id(session, row.user_id)
    return None if user is None else Principal(user, row.expires_at)


def user_for_api_token(session: repo.Session, token: str, *, now: dt.datetime | None = None) -> User | None:
    """The user a bearer token acts for, or None if unknown, revoked or expired."""
    found = api_token_principal(session, token, now=now)
    return None if found is None else found.user


def revoke_api_token(session: repo.Session, *, token: str) -> bool:
    row = repo.api_token_by_hash(session, token_digest(token))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def secret_key(session: repo.Session) -> str:
    """The key that signs cookies and CSRF tokens: ``RESSURSBANK_SECRET_KEY`` or one stored in the database."""
    configured = os.environ.get("RESSURSBANK_SECRET_KEY")
    if configured:
        return configured
    return repo.get_or_create_secret(session, "cookie-signing", lambda: secrets.token_urlsafe(48))


# --- single sign-on --------------------------------------------------------------------------------------------


def user_for_oidc(session: repo.Session, *, issuer: str, subject: str, username_hint: str | None = None) -> User:
    """The account bound to an OpenID Connect identity.

    An identity is bound either when the account was created with it, or on first login when an account exists
    whose username equals ``username_hint`` (the ``preferred_username``/e-mail the provider vouches for) and has
    no identity yet. Nobody gets an account just by holding a valid identity elsewhere.

    Raises
    ------
    LoginFailed
        No account is bound to the identity.
    """
    row = repo.user_by_oidc(session, issuer=issuer, subject=subject)
    if row is None and username_hint:
        candidate = repo.user_by_username(session, username_hint)
        if candidate is not None and candidate.oidc_subject is None:
            candidate.oidc_issuer, candidate.oidc_subject = issuer, subject
            audit.record(
                session,
                actor=SYSTEM_USER,
                action="user.oidc_bind",
                subject_type="user",
                subject_id=str(candidate.id),
                reason=issuer,
            )
            row = candidate
    if row is None or row.disabled:
        raise LoginFailed()
    row.last_login_at = utcnow()
    return to_user(row)


# --- demo -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoBindings:
    """Which employee and units the demo logins stand for (chosen from the loaded organisation)."""

    employee_id: str | None = None
    employee_name: str | None = None
    manager_employee_id: str | None = None
    manager_unit_ids: tuple[str, ...] = ()


def ensure_demo_users(session: repo.Session, bindings: DemoBindings | None = None) -> list[tuple[str, str, str]]:
    """One login per role (hr, leder, ansatt, ledelse, revisor) with password ``demo`` or $RESSURSBANK_DEMO_PASSWORD.

    Existing accounts keep their password and are re-bound to ``bindings``. Returns (username, password, role).
    """
    password = os.environ.get("RESSURSBANK_DEMO_PASSWORD", "demo")
    bindings = bindings or DemoBindings()
    wanted = [
        ("hr", "HR-rådgiver (demo)", Role.HR, None, ()),
        ("leder", "Enhetsleder (demo)", Role.MANAGER, bindings.manager_employee_id, bindings.manager_unit_ids),
        ("ansatt", bindings.employee_name or "Ansatt (demo)", Role.EMPLOYEE, bindings.employee_id, ()),
        ("ledelse", "Kommuneledelsen (demo)", Role.LEADERSHIP, None, ()),
        ("revisor", "Revisor (demo)", Role.AUDITOR, None, ()),
    ]
    out: list[tuple[str, str, str]] = []
    for username, display, role, employee_id, units in wanted:
        row = repo.user_by_username(session, username)
        if row is None:
            create_user(
                session,
                username=username,
                display_name=display,
                role=role,
                password=password,
                employee_id=employee_id,
                unit_ids=units,
            )
        else:
            row.employee_id = employee_id or row.employee_id
            row.unit_ids = sorted(units) if units else row.unit_ids
            row.display_name = display
        out.append((username, password, role.value))
    session.flush()
    return out


# --- administration -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """An account as an administrator sees it (never the password hash)."""

    user: User
    disabled: bool
    sso: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def list_accounts(session: repo.Session) -> list[Account]:
    """Every account, oldest first."""
    return [
        Account(to_user(r), r.disabled, r.oidc_subject is not None, r.locked_until, r.last_login_at)
        for r in repo.all_users(session)
    ]


def update_account(
    session: repo.Session,
    *,
    user_id: int,
    actor: User,
    role: Role | str | None = None,
    employee_id: str | None = None,
    unit_ids: Iterable[str] | None = None,
    disabled: bool | None = None,
    unlock: bool = False,
) -> Account:
    """Change an account's role, binding, units or state; a change of access ends the account's sessions.

    Raises
    ------
    LookupError
        No such account.
    PermissionDenied
        The actor tries to change their own role or disable themselves (lock-out protection).
    """
    from ressursbank.exceptions import PermissionDenied

    row = repo.user_by_id(session, user_id)
    if row is None:
        raise LookupError(f"no account {user_id}")
    if user_id == actor.id and (role is not None or disabled):
        raise PermissionDenied("you cannot change your own role or disable yourself")
    changed: list[str] = []
    if role is not None and Role(role).value != row.role:
        row.role = Role(role).value
        changed.append("role")
    if employee_id is not None and (employee_id or None) != row.employee_id:
        row.employee_id = employee_id or None
        changed.append("employee_id")
    if unit_ids is not None and sorted(set(unit_ids)) != sorted(row.unit_ids or []):
        row.unit_ids = sorted(set(unit_ids))
        changed.append("unit_ids")
    if disabled is not None and disabled != row.disabled:
        row.disabled = disabled
        changed.append("disabled")
    if unlock and (row.locked_until is not None or row.failed_logins):
        row.locked_until, row.failed_logins = None, 0
        changed.append("locked_until")
    if changed:
        if set(changed) - {"locked_until"}:
            repo.delete_sessions_of(session, user_id)
        audit.record(
            session,
            actor=actor,
            action="user.update",
            subject_type="user",
            subject_id=str(user_id),
            person_id=row.employee_id,
            fields=changed,
        )
    session.flush()
    return Account(to_user(row), row.disabled, row.oidc_subject is not None, row.locked_until, row.last_login_at)
