"""Login, sessions, lockout, API tokens, CSRF and security headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from ressursbank.api.security import CurrentUser, require
from ressursbank.services import auth
from ressursbank.services.policy import Role, User
from tests.test_security_support import bearer_for, cheap_argon2, form_token, make_user, small_app, sqlite_factory

__all__ = ["cheap_argon2"]


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    """A bare app with one protected read and one protected write route, and one user per role."""
    factory = sqlite_factory(tmp_path)
    for role in Role:
        make_user(factory, role)
    app = small_app(factory)

    @app.get("/api/probe", dependencies=[Depends(require("plan:read"))])
    def probe(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    @app.post("/api/probe")
    def probe_write(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    @app.get("/probe-page")
    def probe_page(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    @app.post("/probe-form")
    def probe_form(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    test_client = TestClient(app)
    test_client.app_state_factory = factory
    return test_client


def test_password_hash_is_argon2id_and_verifies() -> None:
    """Passwords are stored as argon2id hashes that verify the right password only."""
    hashed = auth.hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert auth.verify_password(hashed, "correct horse")
    assert not auth.verify_password(hashed, "wrong")
    assert not auth.verify_password("not a hash", "wrong")


def test_anonymous_api_call_is_401_problem(client: TestClient) -> None:
    """An API route without login answers 401 application/problem+json."""
    answer = client.get("/api/probe")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_anonymous_page_redirects_to_login(client: TestClient) -> None:
    """A page without login sends the browser to /login with the way back."""
    answer = client.get("/probe-page?x=1", headers={"accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fprobe-page%3Fx%3D1"


def test_htmx_request_without_login_is_told_where_to_log_in(client: TestClient) -> None:
    """An htmx request after the session ended gets 401 with HX-Redirect to the login page (not a swapped page)."""
    answer = client.get("/probe-page", headers={"accept": "text/html", "hx-request": "true"})
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"] == "/login?next=%2Fprobe-page"


def test_json_login_sets_httponly_samesite_cookie_and_returns_csrf(client: TestClient) -> None:
    """A JSON login sets an HttpOnly SameSite=Lax session cookie and returns the CSRF token."""
    answer = client.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert "rb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert answer.json()["user"]["role"] == "hr"
    assert len(answer.json()["csrf_token"]) == 64
    assert client.get("/api/probe").json() == {"user": "hr"}


def test_session_cookie_is_secure_on_https(tmp_path: Path) -> None:
    """On HTTPS the session cookie carries Secure and the response carries HSTS."""
    factory = sqlite_factory(tmp_path)
    make_user(factory, Role.HR)
    secure_client = TestClient(small_app(factory), base_url="https://testserver")
    answer = secure_client.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    assert "Secure" in answer.headers["set-cookie"]
    assert "max-age" in answer.headers["strict-transport-security"]


def test_wrong_role_is_403(client: TestClient) -> None:
    """An employee asking for plans gets 403 with a clear message."""
    client.post("/api/auth/login", json={"username": "employee", "password": "demo"})
    answer = client.get("/api/probe")
    assert answer.status_code == 403
    assert "plan:read" in answer.json()["detail"]


def test_form_post_without_csrf_token_is_refused(client: TestClient) -> None:
    """A cookie-authenticated form post without the CSRF token is refused with 403."""
    client.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    refused = client.post("/probe-form", data={"x": "1"})
    assert refused.status_code == 403
    assert "security token" in refused.json()["detail"]
    token = form_token(client, "/logout")
    accepted = client.post("/probe-form", data={"x": "1", "csrf_token": token})
    assert accepted.status_code == 200


def test_csrf_header_works_for_htmx_and_wrong_token_is_refused(client: TestClient) -> None:
    """htmx's X-CSRF-Token header passes; a forged token does not."""
    login = client.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    token = login.json()["csrf_token"]
    assert client.post("/api/probe", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.post("/api/probe", headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert client.post("/api/probe").status_code == 403


def test_cross_origin_post_is_refused(client: TestClient) -> None:
    """A post whose Origin is another site is refused even with a JSON body."""
    client.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    answer = client.post("/api/probe", json={}, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403


def test_bearer_token_needs_no_csrf(client: TestClient) -> None:
    """Scripts with an API token post without CSRF token (no cookie is involved)."""
    factory = client.app_state_factory
    with factory() as session:
        user = auth.find_user(session, "hr")
    assert isinstance(user, User)
    headers = bearer_for(factory, user)
    fresh = TestClient(client.app)
    assert fresh.post("/api/probe", headers=headers).json() == {"user": "hr"}
    assert fresh.get("/api/probe", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_form_login_redirects_to_local_next_only(client: TestClient) -> None:
    """The login form goes on to a local ``next`` and never to another site (no open redirect)."""
    token = form_token(client)
    answer = client.post(
        "/login",
        data={"username": "hr", "password": "demo", "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_login_form_refuses_without_csrf(client: TestClient) -> None:
    """The login form itself is CSRF-protected (login CSRF)."""
    answer = client.post("/login", data={"username": "hr", "password": "demo"}, follow_redirects=False)
    assert answer.status_code == 403


def test_lockout_after_five_failures_refuses_even_the_right_password(client: TestClient) -> None:
    """Five wrong passwords lock the account; the right one is then refused with the same message."""
    token = form_token(client)
    for _ in range(auth.MAX_FAILED_LOGINS):
        wrong = client.post("/login", data={"username": "auditor", "password": "nope", "csrf_token": token})
        assert wrong.status_code == 401
    locked = client.post("/login", data={"username": "auditor", "password": "demo", "csrf_token": token})
    assert locked.status_code == 401
    assert "sperret" in locked.text
    unknown = client.post("/login", data={"username": "nobody", "password": "demo", "csrf_token": token})
    assert auth.LoginFailed.MESSAGE["nb"] in unknown.text


def test_lock_expires(tmp_path: Path) -> None:
    """A lock ends after the lockout period."""
    factory = sqlite_factory(tmp_path)
    make_user(factory, Role.HR)
    now = dt.datetime(2026, 1, 1, 12)
    with factory() as session, session.begin():
        for _ in range(auth.MAX_FAILED_LOGINS):
            with pytest.raises(auth.LoginFailed):
                auth.authenticate(session, username="hr", password="x", now=now)
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(session, username="hr", password="demo", now=now + dt.timedelta(minutes=1))
        user = auth.authenticate(session, username="HR", password="demo", now=now + auth.LOCKOUT)
    assert user.role is Role.HR


def test_login_rate_limit_per_address(client: TestClient) -> None:
    """Many login attempts from one address are slowed down with 429."""
    statuses = [
        client.post("/api/auth/login", json={"username": f"u{i}", "password": "x"}).status_code for i in range(25)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429


def test_logout_ends_the_session(client: TestClient) -> None:
    """After logout the old session cookie no longer works."""
    login = client.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    cookie = client.cookies.get("rb_session")
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]}).status_code == 204
    replay = TestClient(client.app, cookies={"rb_session": str(cookie)})
    assert replay.get("/api/probe").status_code == 401


def test_security_headers_on_every_response(client: TestClient) -> None:
    """Pages, API answers and errors carry CSP without inline script, nosniff, frame denial and a referrer policy."""
    for path in ("/login", "/api/probe", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"


def test_login_page_is_accessible_markup(client: TestClient) -> None:
    """The login page labels its fields, sets autocomplete and speaks Norwegian by default, English on request."""
    page = client.get("/login").text
    assert '<label for="username">Brukernavn</label>' in page
    assert 'autocomplete="current-password"' in page
    assert "Log in" in client.get("/login?lang=en").text


def test_api_token_expiry_and_revocation(tmp_path: Path) -> None:
    """An expired or revoked API token stops working."""
    factory = sqlite_factory(tmp_path)
    user = make_user(factory, Role.HR)
    with factory() as session, session.begin():
        token = auth.create_api_token(session, user=user, name="t", valid_for=dt.timedelta(days=1))
        assert auth.user_for_api_token(session, token) == user
        assert auth.user_for_api_token(session, token, now=auth.utcnow() + dt.timedelta(days=2)) is None
        assert auth.revoke_api_token(session, token=token)
        assert auth.user_for_api_token(session, token) is None


def test_ensure_demo_users_is_idempotent(tmp_path: Path) -> None:
    """Demo users are created once per role and can log in with the demo password."""
    factory = sqlite_factory(tmp_path)
    with factory() as session, session.begin():
        first = auth.ensure_demo_users(session)
        second = auth.ensure_demo_users(session)
    assert first == second
    assert {role for _, _, role in first} == {r.value for r in Role}
    with factory() as session, session.begin():
        assert auth.authenticate(session, username="leder", password="demo").role is Role.MANAGER


def test_hr_administers_accounts_and_access_changes_end_sessions(tmp_path: Path) -> None:
    """HR creates an account, changes its role (its session ends) and cannot demote itself; others get 403."""
    factory = sqlite_factory(tmp_path)
    hr = make_user(factory, Role.HR)
    manager = make_user(factory, Role.MANAGER)
    client = TestClient(small_app(factory))
    admin = bearer_for(factory, hr)
    body = {
        "username": "kari",
        "display_name": "Kari",
        "role": "employee",
        "password": "a-long-password",
        "employee_id": "E1",
    }
    created = client.post("/api/users", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["user"]["employee_id"] == "E1"
    assert client.post("/api/users", json={**body, "password": "short"}, headers=admin).status_code == 422
    assert (
        client.post("/api/users", json={**body, "username": "other"}, headers=bearer_for(factory, manager)).status_code
        == 403
    )
    kari = TestClient(client.app)
    kari.post("/api/auth/login", json={"username": "kari", "password": "a-long-password"})
    assert kari.get("/api/auth/me").status_code == 200
    user_id = created.json()["user"]["id"]
    changed = client.patch(f"/api/users/{user_id}", json={"role": "manager", "unit_ids": ["u1"]}, headers=admin)
    assert changed.json()["user"]["role"] == "manager"
    assert kari.get("/api/auth/me").status_code == 401
    assert client.patch(f"/api/users/{hr.id}", json={"role": "employee"}, headers=admin).status_code == 403
    assert client.patch("/api/users/999", json={"disabled": True}, headers=admin).status_code == 404
    assert len(client.get("/api/users", headers=admin).json()) == 3
