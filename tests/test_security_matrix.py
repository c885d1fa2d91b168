"""The role x route matrix: every route of the app, every role (and nobody), the status the policy table predicts."""

# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ressursbank.api.security import RouteAccess, route_table
from ressursbank.services.policy import Role, role_allows
from tests.test_api_support import (  # noqa: F401 (fixtures)
    TemplateDb,
    auth_headers,
    client,
    web_app,
    web_template,
    web_url,
)

#: Routes anyone may call without logging in, and why.
PUBLIC = {
    "/api/openapi.json": "the API description",
    "/docs": "the API documentation page",
    "/docs/oauth2-redirect": "part of the documentation page",
    "/api/health": "liveness probe",
    "/login": "the login form",
    "/logout": "logout (ends a session if there is one)",
    "/api/auth/login": "the JSON login",
    "/api/auth/logout": "the JSON logout",
    "/login/oidc": "single sign-on start",
    "/login/oidc/callback": "single sign-on return",
    "/": "the start page (redirects by role)",
    "/ical/{employee_id}/{token}.ics": "calendar feed, authenticated by its own secret token",
}


def _fill(path: str, template: TemplateDb) -> str:
    values = {
        "employee_id": template.employee_id,
        "unit_id": template.manager_unit_id,
        "plan_id": template.plan_id,
        "scenario_id": "covid-2020-03",
        "offer_id": "00000000-0000-0000-0000-000000000000",
        "index": "0",
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def _call(client: TestClient, route: RouteAccess, method: str, url: str, headers: dict[str, str]) -> int:
    is_page = not route.path.startswith("/api/") and route.path not in ("/docs", "/docs/oauth2-redirect")
    headers = {**headers, "accept": "text/html" if is_page else "application/json"}
    if method in ("POST", "PUT", "PATCH"):
        if is_page:
            answer = client.request(method, url, headers=headers, data={}, follow_redirects=False)
        else:
            answer = client.request(method, url, headers=headers, json={}, follow_redirects=False)
    else:
        answer = client.request(method, url, headers=headers, follow_redirects=False)
    return int(answer.status_code)


def expected(route: RouteAccess, role: Role | None, status: int) -> str | None:
    """Why ``status`` is wrong for ``role`` on ``route`` (None when the policy table predicts it)."""
    if status >= 500:
        return "server error"
    if route.path in PUBLIC and not route.needs_login:
        return None
    if role is None:
        if not route.needs_login:
            return "route declares neither a permission nor a login"
        wanted = (303,) if not route.path.startswith("/api/") else (401,)
        return None if status in wanted else f"anonymous should get {wanted}"
    if route.permission is None:
        return "login-only route refused a logged-in user" if status == 401 else None
    if role_allows(role, route.permission):
        return None if status not in (401, 403) else f"{role} holds {route.permission} but was refused"
    return None if status == 403 else f"{role} lacks {route.permission} but got through"


def test_every_route_declares_its_access(web_app: Any) -> None:
    """Every route either requires a permission through require(), needs a login, or is on the public list."""
    undeclared = [r.path for r in route_table(web_app) if r.permission is None and not r.needs_login]
    assert sorted(set(undeclared) - set(PUBLIC)) == []


def test_role_by_route_matrix(
    web_app: Any,
    client: TestClient,
    auth_headers: Callable[[str], dict[str, str]],
    web_template: TemplateDb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each role gets what the policy table says on every route and method: 403 without the permission, never
    401/403 with it, 401 (API) or a redirect to /login (pages) for nobody, and never a server error."""
    monkeypatch.setenv("RESSURSBANK_PLANNER", "tests.test_api_support:fake_planner")
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_SECONDS", "0")
    roles: list[Role | None] = [None, *Role]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    # Every request carries the CSRF token, so what the matrix sees is the policy, not the CSRF check.
    anonymous = {"X-CSRF-Token": csrf.group(1)}
    headers = {role: {**anonymous, **auth_headers(role.value)} for role in Role}
    failures: list[str] = []
    cells: Counter[str] = Counter()
    # Read-only routes first, so a destructive call by HR cannot hide a refusal that another role should have met.
    table = sorted(route_table(web_app), key=lambda r: (r.methods != ("GET",), r.path))
    for route in table:
        for method in route.methods:
            for role in roles:
                url = _fill(route.path, web_template)
                status = _call(client, route, method, url, headers[role] if role is not None else anonymous)
                cells["cells"] += 1
                cells[f"{status // 100}xx"] += 1
                problem = expected(route, role, status)
                if problem is not None:
                    failures.append(f"{method} {route.path} as {role or 'anonymous'}: {status} ({problem})")
    routes = sum(len(r.methods) for r in table)
    print(
        f"\nrole x route matrix: {routes} route-methods x {len(roles)} roles (incl. anonymous) = {cells['cells']} "
        f"cells; statuses {dict(sorted((k, v) for k, v in cells.items() if k != 'cells'))}"
    )
    assert failures == [], "\n".join(failures)
