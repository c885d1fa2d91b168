"""Helpers for the security, workflow, audit and privacy tests (no tests of its own)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ressursbank.db import repo_security as repo
from ressursbank.services import auth
from ressursbank.services.policy import Role, User

DEMO_PASSWORD = "demo"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs, so tests that log in often stay fast (production keeps the RFC 9106 defaults;
    ``tests/test_security_policy.py`` checks them). Import it into a test module to use it there."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("dummy"))


def sqlite_factory(tmp_path: Path, name: str = "security.sqlite") -> Callable[[], repo.Session]:
    """A session factory over a fresh SQLite file with the security tables (and the organisation tables)."""
    engine = repo.create_engine_for(f"sqlite:///{tmp_path / name}")
    create_all_tables(engine)
    repo.create_security_tables(engine)
    return repo.session_factory(engine)


def create_all_tables(engine: Any) -> None:
    """Every table family: organisation, the web helper's jobs and outbox (when present), security and workflow."""
    import importlib

    from ressursbank.db.tables import Base

    Base.metadata.create_all(engine)
    try:
        app_tables = importlib.import_module("ressursbank.db.tables_app")
    except ModuleNotFoundError:
        app_tables = None
    if app_tables is not None:
        app_tables.AppBase.metadata.create_all(engine)
    repo.create_security_tables(engine)


def make_user(
    factory: Callable[[], repo.Session],
    role: Role,
    *,
    username: str | None = None,
    employee_id: str | None = None,
    unit_ids: tuple[str, ...] = (),
) -> User:
    """Create and commit one user with the demo password."""
    with factory() as session, session.begin():
        return auth.create_user(
            session,
            username=username or role.value,
            display_name=f"Test {role.value}",
            role=role,
            password=DEMO_PASSWORD,
            employee_id=employee_id,
            unit_ids=unit_ids,
        )


def bearer_for(factory: Callable[[], repo.Session], user: User) -> dict[str, str]:
    """An Authorization header with a fresh API token for ``user``."""
    with factory() as session, session.begin():
        token = auth.create_api_token(session, user=user, name="test")
    return {"Authorization": f"Bearer {token}"}


def small_app(factory: Callable[[], repo.Session]) -> FastAPI:
    """A bare app with the problem handlers, the security middleware and the security helper's routers."""
    import importlib

    from ressursbank.api.problems import install_problem_handlers
    from ressursbank.api.security import install_security

    app = FastAPI(openapi_url="/api/openapi.json")
    app.state.session_factory = factory
    install_problem_handlers(app)
    install_security(app)
    for name in ("auth", "offers", "audit", "privacy"):
        try:
            module = importlib.import_module(f"ressursbank.api.routes.{name}")
        except ModuleNotFoundError:
            continue
        app.include_router(module.router)
    return app


def form_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token from a page's hidden form field."""
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)
