"""Login and logout: pages (``/login``, ``/logout``), the JSON API (``/api/auth/...``) and OpenID Connect sign-on."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as FastApiPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ressursbank.api.i18n import negotiate
from ressursbank.api.problems import ProblemError
from ressursbank.api.security import (
    SESSION_COOKIE,
    CurrentUser,
    OptionalUser,
    check_login_rate,
    cookie_secure,
    require,
    security_transaction,
)
from ressursbank.api.templating import render
from ressursbank.services import audit, auth, oidc
from ressursbank.services.policy import Permission, Role, User, permissions_of

router = APIRouter(tags=["auth"])

TEXT: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Logg inn",
        "username": "Brukernavn",
        "password": "Passord",
        "submit": "Logg inn",
        "sso": "Logg inn med kommunens innlogging",
        "or": "eller",
        "logout_title": "Logg ut",
        "logout_submit": "Logg ut",
        "logged_out": "Du er logget ut.",
        "intro": "Logg inn for å se planer, tilbud og vakter som gjelder deg.",
    },
    "en": {
        "title": "Log in",
        "username": "Username",
        "password": "Password",
        "submit": "Log in",
        "sso": "Log in with the municipality's sign-on",
        "or": "or",
        "logout_title": "Log out",
        "logout_submit": "Log out",
        "logged_out": "You are logged out.",
        "intro": "Log in to see the plans, offers and shifts that concern you.",
    },
}


class LoginBody(BaseModel):
    """Username and password for a JSON login."""

    username: str = Field(min_length=1, max_length=120, examples=["hr"])
    password: str = Field(min_length=1, max_length=1000, examples=["demo"])


class UserPublic(BaseModel):
    """The logged-in user as the API shows them."""

    id: int
    username: str
    display_name: str
    role: str
    employee_id: str | None
    unit_ids: list[str]
    permissions: list[str]


class LoginResult(BaseModel):
    """A successful login: who, and the CSRF token for forms and htmx."""

    user: UserPublic
    csrf_token: str


class TokenBody(BaseModel):
    """A name for a new API token and how many days it lives (0: until revoked)."""

    name: str = Field(min_length=1, max_length=120, examples=["nightly export"])
    days: int = Field(default=90, ge=0, le=3650)


class TokenCreated(BaseModel):
    """A new API token, shown once."""

    token: str
    name: str


def _public(user: User) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=str(user.role),
        employee_id=user.employee_id,
        unit_ids=sorted(user.unit_ids),
        permissions=sorted(str(p) for p in permissions_of(user.role)),
    )


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything pointing elsewhere becomes ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_ABSOLUTE.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request.scope),
    )


def _login(request: Request, username: str, password: str) -> tuple[User, str]:
    check_login_rate(request)
    failure: auth.LoginFailed | None = None
    with security_transaction(request.app) as session:
        try:
            user = auth.authenticate(session, username=username, password=password)
        except auth.LoginFailed as exc:
            failure = exc  # committed below: failed attempts must count
        else:
            token = auth.start_session(session, user=user)
            audit.record(session, actor=user, action="user.login", subject_type="user", subject_id=str(user.id))
    if failure is not None:
        raise failure
    return user, token


def _page(request: Request, *, error: str | None = None, next_path: str = "/", status: int = 200) -> HTMLResponse:
    lang = negotiate(request)
    return render(
        request,
        "auth/login.html",
        {
            "t": TEXT[lang],
            "error": error,
            "next": safe_next(next_path),
            "sso_enabled": oidc.configured(),
            "title": TEXT[lang]["title"],
        },
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    """The login form (a logged-in user goes straight on)."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _page(request, next_path=next)


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=120)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password; on success set the session cookie and go on, else show the form again with one message."""
    lang = negotiate(request)
    try:
        _, token = _login(request, username, password)
    except auth.LoginFailed:
        return _page(request, error=auth.LoginFailed.MESSAGE[lang], next_path=next, status=401)
    except ProblemError as exc:
        if exc.status != 429:
            raise
        return _page(request, error=exc.detail, next_path=next, status=429)
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_session_cookie(request, response, token)
    return response


@router.get("/logout", response_class=HTMLResponse, include_in_schema=False)
def logout_page(request: Request) -> Response:
    """A page with one button (logging out changes state, so it is a POST)."""
    lang = negotiate(request)
    return render(request, "auth/logout.html", {"t": TEXT[lang], "title": TEXT[lang]["logout_title"]})


@router.post("/logout", include_in_schema=False)
def logout_form(request: Request) -> Response:
    """End the session and go to the login page."""
    _end_session(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _end_session(request: Request) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with security_transaction(request.app) as session:
            auth.end_session(session, cookie)


@router.post("/api/auth/login", response_model=LoginResult, operation_id="auth_login")
def api_login(request: Request, body: LoginBody, response: Response) -> LoginResult:
    """Log in with username and password; sets the session cookie and returns the CSRF token."""
    try:
        user, token = _login(request, body.username, body.password)
    except auth.LoginFailed as exc:
        raise ProblemError(401, auth.LoginFailed.MESSAGE[negotiate(request)], title="Login failed") from exc
    _set_session_cookie(request, response, token)
    return LoginResult(user=_public(user), csrf_token=str(getattr(request.state, "csrf_token", "")))


@router.post("/api/auth/logout", status_code=204, operation_id="auth_logout")
def api_logout(request: Request) -> Response:
    """End the current session (no-op without one)."""
    _end_session(request)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/auth/me", response_model=UserPublic, operation_id="auth_me")
def api_me(user: CurrentUser) -> UserPublic:
    """Who is logged in, with the permissions of their role."""
    return _public(user)


@router.post("/api/auth/tokens", response_model=TokenCreated, status_code=201, operation_id="auth_create_token")
def api_create_token(request: Request, user: CurrentUser, body: TokenBody) -> TokenCreated:
    """Create an API token acting as yourself (``Authorization: Bearer <token>``); shown once."""
    with security_transaction(request.app) as session:
        token = auth.create_api_token(
            session, user=user, name=body.name, valid_for=dt.timedelta(days=body.days) if body.days else None
        )
    return TokenCreated(token=token, name=body.name)


# --- OpenID Connect -------------------------------------------------------------------------------------------

OIDC_COOKIE = "rb_oidc"


@router.get("/login/oidc", include_in_schema=False)
def oidc_start(request: Request, next: str = "/") -> Response:
    """Send the browser to the identity provider (authorization code flow with PKCE, state and nonce)."""
    if not oidc.configured():
        raise ProblemError(404, "Single sign-on is not configured. / Felles innlogging er ikke satt opp.")
    config = oidc.load_config()
    redirect_uri = str(request.url_for("oidc_callback"))
    start = oidc.begin(config, redirect_uri=redirect_uri)
    response = RedirectResponse(start.url, status_code=303)
    with security_transaction(request.app) as session:
        cookie = oidc.seal(auth.secret_key(session), {**start.pending, "next": safe_next(next)})
    response.set_cookie(
        OIDC_COOKIE,
        cookie,
        max_age=600,
        path="/login/oidc",
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request.scope),
    )
    return response


@router.get("/login/oidc/callback", name="oidc_callback", include_in_schema=False)
def oidc_callback(
    request: Request,
    code: Annotated[str, Query(max_length=4000)] = "",
    state: Annotated[str, Query(max_length=400)] = "",
    error: Annotated[str, Query(max_length=400)] = "",
) -> Response:
    """Finish sign-on: check state, exchange the code, validate the ID token, bind it to an account."""
    lang = negotiate(request)
    if not oidc.configured():
        raise ProblemError(404, "Single sign-on is not configured.")
    sealed = request.cookies.get(OIDC_COOKIE, "")
    try:
        with security_transaction(request.app) as session:
            pending: dict[str, Any] = oidc.unseal(auth.secret_key(session), sealed, max_age=600)
        if error:
            raise oidc.OidcError(f"the identity provider refused: {error}")
        if not secrets.compare_digest(state, str(pending.get("state", ""))):
            raise oidc.OidcError("the sign-on state does not match (start again)")
        identity = oidc.finish(oidc.load_config(), code=code, pending=pending)
        with security_transaction(request.app) as session:
            user = auth.user_for_oidc(
                session, issuer=identity.issuer, subject=identity.subject, username_hint=identity.username
            )
            token = auth.start_session(session, user=user)
            audit.record(
                session, actor=user, action="user.login", subject_type="user", subject_id=str(user.id), reason="oidc"
            )
    except (oidc.OidcError, auth.LoginFailed) as exc:
        message = str(exc) if isinstance(exc, oidc.OidcError) else auth.LoginFailed.MESSAGE[lang]
        return _page(request, error=message, status=401)
    response = RedirectResponse(safe_next(str(pending.get("next", "/"))), status_code=303)
    response.delete_cookie(OIDC_COOKIE, path="/login/oidc")
    _set_session_cookie(request, response, token)
    return response


# --- account administration (HR) -----------------------------------------------------------------------------

Admin = Annotated[User, Depends(require(Permission.ADMIN))]
UserId = Annotated[int, FastApiPath(ge=1, le=2_000_000_000)]


class AccountPublic(BaseModel):
    """An account: who, which role and scope, and its state (never a password hash)."""

    user: UserPublic
    disabled: bool
    sso: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


class AccountCreate(BaseModel):
    """A new account: a password (at least 12 characters) and/or an OpenID Connect subject."""

    username: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._@-]+$", examples=["kari.nordmann"])
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(default=None, min_length=12, max_length=1000)
    oidc_subject: str | None = Field(default=None, min_length=1, max_length=300)
    employee_id: str | None = Field(default=None, max_length=120)
    unit_ids: list[str] = Field(default_factory=list, max_length=500)


class AccountUpdate(BaseModel):
    """What to change on an account; fields left out stay as they are."""

    role: Role | None = None
    employee_id: str | None = Field(default=None, max_length=120)
    unit_ids: list[str] | None = Field(default=None, max_length=500)
    disabled: bool | None = None
    unlock: bool = False


def _account(account: auth.Account) -> AccountPublic:
    return AccountPublic(
        user=_public(account.user),
        disabled=account.disabled,
        sso=account.sso,
        locked_until=account.locked_until,
        last_login_at=account.last_login_at,
    )


@router.get("/api/users", response_model=list[AccountPublic], operation_id="list_accounts")
def list_accounts(request: Request, user: Admin) -> list[AccountPublic]:
    """Every account with its role, scope and state."""
    with security_transaction(request.app) as session:
        return [_account(a) for a in auth.list_accounts(session)]


@router.post("/api/users", response_model=AccountPublic, status_code=201, operation_id="create_account")
def create_account(request: Request, user: Admin, body: AccountCreate) -> AccountPublic:
    """Create an account (logged)."""
    if body.password is None and body.oidc_subject is None:
        raise ProblemError(422, "give a password or an OIDC subject / oppgi passord eller OIDC-subjekt")
    issuer = oidc.load_config().issuer if body.oidc_subject and oidc.configured() else None
    try:
        with security_transaction(request.app) as session:
            created = auth.create_user(
                session,
                username=body.username,
                display_name=body.display_name,
                role=body.role,
                password=body.password,
                employee_id=body.employee_id,
                unit_ids=body.unit_ids,
                oidc_issuer=issuer,
                oidc_subject=body.oidc_subject,
                actor=user,
            )
            (account,) = [a for a in auth.list_accounts(session) if a.user.id == created.id]
    except ValueError as exc:
        raise ProblemError(422, str(exc), title="Invalid request") from exc
    return _account(account)


@router.patch("/api/users/{user_id}", response_model=AccountPublic, operation_id="update_account")
def update_account(request: Request, user_id: UserId, user: Admin, body: AccountUpdate) -> AccountPublic:
    """Change role, employee binding, units or state; changing access ends the account's sessions (logged)."""
    try:
        with security_transaction(request.app) as session:
            account = auth.update_account(
                session,
                user_id=user_id,
                actor=user,
                role=body.role,
                employee_id=body.employee_id,
                unit_ids=body.unit_ids,
                disabled=body.disabled,
                unlock=body.unlock,
            )
    except LookupError as exc:
        raise ProblemError(404, f"no account {user_id} / ingen konto {user_id}") from exc
    return _account(account)
