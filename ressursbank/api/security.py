"""Who is calling and what they may do: sessions, API tokens, permissions, CSRF and security headers.

Use in routes::

    @router.get("/units", dependencies=[Depends(require("org:read"))])
    def list_units(user: CurrentUser) -> ...: ...

    @router.post("/plans")
    def start(user: Annotated[User, Depends(require("plan:write"))]) -> ...: ...

How a request is authenticated
    ``Authorization: Bearer <API token>`` (scripts), else the session cookie ``rb_session`` set by ``/login``.

CSRF
    Every unsafe request (POST, PUT, PATCH, DELETE) must carry the CSRF token, in the ``X-CSRF-Token`` header
    (htmx: ``hx-headers``) or in a ``csrf_token`` form field, unless it authenticates with a bearer token or sends
    a JSON body (which a cross-site form cannot). The token is an HMAC of the random ``rb_csrf`` cookie under the
    server's key ("signed double submit"); templates get it as ``request.state.csrf_token`` or
    :func:`csrf_token`.

Headers
    A strict Content-Security-Policy (scripts only from this origin, no inline script, no framing),
    ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin``, a
    restrictive ``Permissions-Policy``, ``Cache-Control: no-store`` on everything but static files, and HSTS on
    HTTPS.

The database
    The security dependencies open their own short transaction through the app's ``sessionmaker``
    (``app.state.ressursbank.session_factory``, else ``app.state.session_factory``, else one built from the
    settings on first use).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import anyio
from fastapi import Depends, FastAPI, Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ressursbank.api.problems import ProblemError
from ressursbank.db import repo_security
from ressursbank.services import auth
from ressursbank.services.policy import Permission, User, can

logger = logging.getLogger(__name__)

SESSION_COOKIE = "rb_session"
CSRF_COOKIE = "rb_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Largest form body the CSRF check reads to find the token field (the body-size limit applies before this).
MAX_FORM_BYTES = 16 * 1024 * 1024

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Swagger UI and ReDoc (FastAPI's /docs and /redoc) load their bundle from a CDN and start it with an inline script.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


# --- database access -----------------------------------------------------------------------------------------


def session_factory(app: Any) -> Callable[[], repo_security.Session]:
    """The app's ``sessionmaker``; built from the settings on first use if the app factory set none."""
    shared = getattr(app.state, "ressursbank", None)
    factory = getattr(shared, "session_factory", None) or getattr(app.state, "session_factory", None)
    if factory is None:
        from ressursbank.settings import load_settings

        engine = repo_security.create_engine_for(load_settings().database_url)
        factory = repo_security.session_factory(engine)
        app.state.session_factory = factory
    return factory


@contextmanager
def security_transaction(app: Any) -> Iterator[repo_security.Session]:
    """A short transaction of its own (committed even when the caller raises afterwards)."""
    with session_factory(app)() as session, session.begin():
        yield session


def _secret(app: Any) -> bytes:
    cached: bytes | None = getattr(app.state, "security_secret", None)
    if cached is None:
        with security_transaction(app) as session:
            cached = auth.secret_key(session).encode("utf-8")
        app.state.security_secret = cached
    return cached


# --- CSRF ------------------------------------------------------------------------------------------------------


def expected_csrf_token(secret: bytes, csrf_cookie: str) -> str:
    """The token that goes with a CSRF cookie value: HMAC-SHA256 under the server's key."""
    return hmac.new(secret, b"csrf:" + csrf_cookie.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token for forms and htmx on this request (``<input type=hidden name=csrf_token value=...>``)."""
    return str(getattr(request.state, "csrf_token", ""))


def _cookie(headers: Headers, name: str) -> str | None:
    for chunk in headers.getlist("cookie"):
        for part in chunk.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name and value:
                return value
    return None


def _same_origin(headers: Headers, scheme: str) -> bool:
    """False only when the browser says the request comes from another origin."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    host = headers.get("host", "")
    parts = urlsplit(origin)
    return parts.netloc == host


def _is_json(content_type: str) -> bool:
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or (main.startswith("application/") and main.endswith("+json"))


def cookie_secure(scope: Scope) -> bool:
    """Secure cookies on HTTPS, or always when ``RESSURSBANK_COOKIE_SECURE=1`` (behind a TLS proxy)."""
    return scope.get("scheme") == "https" or os.environ.get("RESSURSBANK_COOKIE_SECURE", "") == "1"


def _set_cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> bytes:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts).encode("latin-1")


class SecurityMiddleware:
    """CSRF check on unsafe requests, the CSRF cookie, and security headers on every response (pure ASGI)."""

    def __init__(self, app: ASGIApp, fastapi_app: Any) -> None:
        self.app = app
        self.fastapi_app = fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        secret: bytes | None = getattr(self.fastapi_app.state, "security_secret", None)
        if secret is None:  # first request only: the key may have to be read or created in the database
            secret = await anyio.to_thread.run_sync(_secret, self.fastapi_app)
        cookie = _cookie(headers, CSRF_COOKIE)
        new_cookie = None
        if cookie is None or len(cookie) < 20 or len(cookie) > 100:
            cookie = new_cookie = secrets.token_urlsafe(24)
        token = expected_csrf_token(secret, cookie)
        scope.setdefault("state", {})["csrf_token"] = token
        path: str = scope.get("path", "")

        if scope["method"] in UNSAFE_METHODS:
            refusal, receive = await self._csrf_refusal(scope, headers, receive, token, new_cookie is not None)
            if refusal is not None:
                await self._refuse(send, refusal)
                return

        secure = cookie_secure(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                present = {k.lower() for k, _ in out}
                for key, value in BASE_HEADERS:
                    if key not in present:
                        out.append((key, value))
                if b"content-security-policy" not in present:
                    csp = DOCS_CONTENT_SECURITY_POLICY if path.startswith(DOCS_PATHS) else CONTENT_SECURITY_POLICY
                    out.append((b"content-security-policy", csp.encode()))
                if b"cache-control" not in present and not path.startswith("/static/"):
                    out.append((b"cache-control", b"no-store"))
                if secure:
                    out.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                if new_cookie is not None:
                    out.append((b"set-cookie", _set_cookie_header(CSRF_COOKIE, new_cookie, secure=secure)))
                message = {**message, "headers": out}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _csrf_refusal(
        self, scope: Scope, headers: Headers, receive: Receive, token: str, fresh_cookie: bool
    ) -> tuple[str | None, Receive]:
        """Why the request is refused (None if it may pass) and a ``receive`` that replays any body read."""
        if headers.get("authorization", "").lower().startswith("bearer "):
            return None, receive
        if not _same_origin(headers, str(scope.get("scheme", "http"))):
            return "The request comes from another site.", receive
        content_type = headers.get("content-type", "")
        if _is_json(content_type):
            return None, receive
        sent = headers.get(CSRF_HEADER)
        if sent is None and content_type.split(";", 1)[0].strip().lower() in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            body, receive = await _buffer_body(receive, _form_limit())
            if body is None:
                return "The form is too large to check.", receive
            sent = await _form_field(scope, body, content_type, CSRF_FIELD)
        if fresh_cookie or sent is None or not hmac.compare_digest(sent, token):
            return "The form's security token is missing or expired: reload the page and try again.", receive
        return None, receive

    async def _refuse(self, send: Send, detail: str) -> None:
        import json

        body = json.dumps(
            {"type": "about:blank", "title": "CSRF check failed", "status": 403, "detail": detail}
        ).encode()
        headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
        headers.extend(BASE_HEADERS)
        headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _form_limit() -> int:
    """The app's body-size limit when it has one (so the CSRF check never buffers more than the app accepts)."""
    try:
        from ressursbank.api.limits import max_body_bytes_from_env
    except ImportError:
        return MAX_FORM_BYTES
    return min(MAX_FORM_BYTES, max_body_bytes_from_env())


async def _buffer_body(receive: Receive, limit: int = MAX_FORM_BYTES) -> tuple[bytes | None, Receive]:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, receive
        chunks.append(chunk)
        more = bool(message.get("more_body", False))
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _form_field(scope: Scope, body: bytes, content_type: str, field: str) -> str | None:
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(field)
        return values[0] if values else None
    from starlette.requests import Request as StarletteRequest

    sent = False

    async def once() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await StarletteRequest({**scope, "type": "http"}, once).form()
        value = form.get(field)
        await form.close()
    except Exception:  # a malformed multipart body has no token; the route would refuse it anyway
        return None
    return value if isinstance(value, str) else None


# --- login rate limiting ---------------------------------------------------------------------------------------


class LoginRateLimiter:
    """At most ``attempts`` login attempts per client address per ``window`` seconds (in memory, per process).

    The per-account lockout in :mod:`ressursbank.services.auth` is the durable defence; this one slows down a
    single address trying many usernames.
    """

    def __init__(self, attempts: int = 20, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            recent = self._seen.setdefault(client, deque())
            while recent and now - recent[0] > self.window:
                recent.popleft()
            if len(recent) >= self.attempts:
                return False
            recent.append(now)
            if len(self._seen) > 10_000:  # forget idle addresses so memory stays bounded
                for key in [k for k, v in self._seen.items() if not v]:
                    del self._seen[key]
            return True


def client_address(request: Request) -> str:
    host = request.client.host if request.client else "unknown"
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def check_login_rate(request: Request) -> None:
    """Raise 429 when the client has tried to log in too often lately."""
    limiter: LoginRateLimiter | None = getattr(request.app.state, "login_rate_limiter", None)
    if limiter is not None and not limiter.allow(client_address(request)):
        raise ProblemError(
            429,
            "Too many login attempts from your address; wait a few minutes. / For mange innloggingsforsøk.",
            headers={"Retry-After": str(int(limiter.window))},
        )


# --- who is calling --------------------------------------------------------------------------------------------


def _wants_page(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


class PrincipalCache:
    """Who a session cookie or API token stands for, remembered for a few seconds per process.

    Every request used to cost two queries and a transaction just to learn who is calling. An entry is used only
    while (a) it is younger than ``ttl`` seconds, (b) the session or token has not expired, and (c) nothing in
    this process changed accounts, tokens or sessions since it was read (:func:`auth.security_generation`:
    logout, revocation, a role change or a disabled account take effect at once). Changes made by another
    process (a second uvicorn worker, the CLI) take effect within ``ttl`` seconds. Unknown tokens are never
    cached. ``ttl`` 0 turns the cache off (``app.state.principal_cache = PrincipalCache(0)``).
    """

    def __init__(self, ttl: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[int, float, dt.datetime | None, User]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, token: str) -> User | None:
        if self.ttl <= 0:
            return None
        key = (kind, auth.token_digest(token))
        with self._lock:
            hit = self._entries.get(key)
        if hit is None:
            return None
        generation, fresh_until, valid_until, user = hit
        if (
            generation != auth.security_generation()
            or self.clock() >= fresh_until
            or (valid_until is not None and valid_until <= auth.utcnow())
        ):
            with self._lock:
                self._entries.pop(key, None)
            return None
        return user

    def put(self, kind: str, token: str, found: auth.Principal, generation: int) -> None:
        """Remember ``found``, read while the security generation was ``generation``."""
        if self.ttl <= 0 or generation != auth.security_generation():
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded memory; refilled on the next requests
            self._entries[(kind, auth.token_digest(token))] = (
                generation,
                self.clock() + self.ttl,
                found.valid_until,
                found.user,
            )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: Seconds a process may reuse "this token is that user" when nothing in the process changed security data.
PRINCIPAL_TTL_SECONDS = 10.0


def principal_cache(app: Any) -> PrincipalCache:
    cache: PrincipalCache | None = getattr(app.state, "principal_cache", None)
    if cache is None:
        cache = PrincipalCache(PRINCIPAL_TTL_SECONDS)
        app.state.principal_cache = cache
    return cache


def _lookup(app: Any, kind: str, token: str) -> User | None:
    cache = principal_cache(app)
    user = cache.get(kind, token)
    if user is not None:
        return user
    generation = auth.security_generation()
    resolve = auth.api_token_principal if kind == "bearer" else auth.session_principal
    with security_transaction(app) as session:
        found = resolve(session, token)
    if found is None:
        return None
    cache.put(kind, token, found, generation)
    return found.user


def optional_user(request: Request) -> User | None:
    """The caller by bearer token or session cookie, or None (cached on the request)."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    user: User | None = None
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    cookie = request.cookies.get(SESSION_COOKIE)
    if scheme.lower() == "bearer" and credentials.strip():
        user = _lookup(request.app, "bearer", credentials.strip())
        if user is None:
            raise ProblemError(
                401,
                "The API token is unknown, revoked or expired.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
    elif cookie:
        user = _lookup(request.app, "session", cookie)
    request.state.user = user
    return user


def current_user(request: Request) -> User:
    """The logged-in user; 401 for API calls, a redirect to the login page for pages."""
    user = optional_user(request)
    if user is None:
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/login?next={quote(target, safe='')}"
        if request.headers.get("hx-request") == "true":  # htmx would swap a redirected login page into the page
            raise ProblemError(401, "Log in first. / Logg inn først.", headers={"HX-Redirect": login})
        if _wants_page(request):
            raise ProblemError(303, "Log in first. / Logg inn først.", title="See Other", headers={"Location": login})
        raise ProblemError(
            401, "Log in or send an API token. / Logg inn først.", headers={"WWW-Authenticate": "Bearer"}
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require(permission: str | Permission) -> Callable[..., User]:
    """A dependency that returns the user if their role holds ``permission``, else answers 403.

    The dependency carries ``permission`` as an attribute, so tests and docs can read which permission every
    route needs (the role x route matrix does).
    """
    wanted = Permission(permission)

    def dependency(user: CurrentUser) -> User:
        if not can(user, wanted):
            raise ProblemError(
                403,
                f"Your role ({user.role}) may not do this ({wanted}). / Rollen din har ikke tilgang til dette.",
            )
        return user

    dependency.permission = wanted  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{wanted.value.replace(':', '_')}"
    return dependency


def route_permission(dependant: Any) -> str | None:
    """The permission a route's dependency tree requires through :func:`require`, or None."""
    for sub in getattr(dependant, "dependencies", ()):
        found = getattr(sub.call, "permission", None)
        if found is not None:
            return str(found)
        nested = route_permission(sub)
        if nested is not None:
            return nested
    return None


def route_needs_login(dependant: Any) -> bool:
    """True if the route depends on :func:`current_user` (directly or through :func:`require`)."""
    return any(sub.call is current_user or route_needs_login(sub) for sub in getattr(dependant, "dependencies", ()))


@dataclass(frozen=True, slots=True)
class RouteAccess:
    """What one route of an app requires: its permission (via :func:`require`), or just a login, or nothing."""

    path: str
    methods: tuple[str, ...]
    permission: str | None
    needs_login: bool
    in_schema: bool


def route_table(app: FastAPI) -> list[RouteAccess]:
    """Every route of ``app`` (routers included) with the access it declares, for tests and documentation."""
    from fastapi.routing import iter_route_contexts

    table: list[RouteAccess] = []
    for context in iter_route_contexts(app.routes):
        effective = context._effective_route
        dependant = getattr(effective, "dependant", None)
        methods = tuple(sorted(set(getattr(effective, "methods", None) or ()) - {"HEAD"}))
        if context.path is None or not methods:
            continue
        table.append(
            RouteAccess(
                path=context.path,
                methods=methods,
                permission=route_permission(dependant) if dependant is not None else None,
                needs_login=dependant is not None and route_needs_login(dependant),
                in_schema=bool(getattr(effective, "include_in_schema", False)),
            )
        )
    return table


# --- installation ----------------------------------------------------------------------------------------------


def install_security(app: FastAPI) -> None:
    """Add the security middleware and the login rate limiter to ``app`` (the app factory calls this once)."""
    app.state.login_rate_limiter = LoginRateLimiter()
    app.state.principal_cache = PrincipalCache(PRINCIPAL_TTL_SECONDS)
    app.add_middleware(SecurityMiddleware, fastapi_app=app)
