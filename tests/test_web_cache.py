"""Caches on the web load path stay correct: who is calling, per-snapshot lists and page fragments, the write lock.

The caches exist for speed (``bench/load_web.py``); these tests check that they never change an answer: logout,
revocation, role changes and disabled accounts take effect at once in the same process, a cached entry never
outlives its session or token, changes made by another process are seen within the cache's time to live, and
cached lists and fragments are kept per viewer scope, so a manager never gets HR's list.
"""
# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ressursbank.api import security
from ressursbank.api.security import CurrentUser
from ressursbank.db import repo_security
from ressursbank.db.engine import create_engine_for, session_factory, write_transaction
from ressursbank.services import auth, queries
from ressursbank.services.policy import Role
from tests.test_api_support import (  # noqa: F401 (fixtures)
    SCENARIO,
    TemplateDb,
    auth_headers,
    client,
    login,
    web_app,
    web_template,
    web_url,
)
from tests.test_security_support import cheap_argon2, make_user, small_app, sqlite_factory

__all__ = ["cheap_argon2"]

Headers = Callable[[str], dict[str, str]]


def probe_app(factory: Callable[[], repo_security.Session]) -> FastAPI:
    app = small_app(factory)

    @app.get("/api/whoami")
    def whoami(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username, "role": user.role.value}

    return app


@pytest.fixture()
def factory(tmp_path: Path) -> Callable[[], repo_security.Session]:
    return sqlite_factory(tmp_path)


def token_for(factory: Callable[[], repo_security.Session], username: str, **kwargs: Any) -> str:
    with factory() as session, session.begin():
        user = auth.find_user(session, username)
        assert user is not None
        return auth.create_api_token(session, user=user, name="t", **kwargs)


def test_revoked_token_stops_at_once_although_cached(factory: Callable[[], repo_security.Session]) -> None:
    """A token answered from the cache is refused on the very next request after it is revoked."""
    make_user(factory, Role.HR)
    client = TestClient(probe_app(factory))
    token = token_for(factory, "hr")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/whoami", headers=headers).json()["user"] == "hr"
    assert client.get("/api/whoami", headers=headers).status_code == 200  # now from the cache
    with factory() as session, session.begin():
        assert auth.revoke_api_token(session, token=token)
    assert client.get("/api/whoami", headers=headers).status_code == 401


def test_role_change_and_disabling_take_effect_at_once(factory: Callable[[], repo_security.Session]) -> None:
    """Changing a user's role or disabling them (through the service, in this process) empties the cache."""
    hr = make_user(factory, Role.HR)
    manager = make_user(factory, Role.MANAGER, unit_ids=("u1",))
    client = TestClient(probe_app(factory))
    headers = {"Authorization": f"Bearer {token_for(factory, 'manager')}"}
    assert client.get("/api/whoami", headers=headers).json()["role"] == "manager"
    with factory() as session, session.begin():
        auth.update_account(session, user_id=manager.id, actor=hr, role=Role.EMPLOYEE)
    assert client.get("/api/whoami", headers=headers).json()["role"] == "employee"
    with factory() as session, session.begin():
        auth.update_account(session, user_id=manager.id, actor=hr, disabled=True)
    assert client.get("/api/whoami", headers=headers).status_code == 401


def test_logout_ends_a_cached_session(factory: Callable[[], repo_security.Session]) -> None:
    """A session cookie seen (and cached) before logout no longer works after it."""
    make_user(factory, Role.HR)
    browser = TestClient(probe_app(factory))
    login = browser.post("/api/auth/login", json={"username": "hr", "password": "demo"})
    assert login.status_code == 200, login.text
    cookie = str(browser.cookies.get(security.SESSION_COOKIE))
    replay = TestClient(browser.app, cookies={security.SESSION_COOKIE: cookie})
    assert replay.get("/api/whoami").status_code == 200
    assert replay.get("/api/whoami").status_code == 200  # cached
    assert browser.post("/api/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]}).status_code == 204
    assert replay.get("/api/whoami").status_code == 401


def test_change_by_another_process_is_seen_within_the_ttl(
    factory: Callable[[], repo_security.Session], tmp_path: Path
) -> None:
    """A change the ORM hooks cannot see (another process) is picked up once the entry's time to live is over."""
    make_user(factory, Role.HR)
    app = probe_app(factory)
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token_for(factory, 'hr')}"}
    clock = [1000.0]
    app.state.principal_cache.clock = lambda: clock[0]
    assert client.get("/api/whoami", headers=headers).status_code == 200
    with sqlite3.connect(tmp_path / "security.sqlite") as other_process:
        other_process.execute("UPDATE security_users SET disabled = 1 WHERE username = 'hr'")
    clock[0] += security.PRINCIPAL_TTL_SECONDS / 2
    assert client.get("/api/whoami", headers=headers).status_code == 200  # still cached: the documented window
    clock[0] += security.PRINCIPAL_TTL_SECONDS
    assert client.get("/api/whoami", headers=headers).status_code == 401


def test_cache_never_outlives_the_token_and_can_be_turned_off(
    factory: Callable[[], repo_security.Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry is dropped when its token expires; a cache with ttl 0 asks the database every time."""
    user = make_user(factory, Role.HR)
    cache = security.PrincipalCache(ttl=60)
    soon = auth.utcnow() + dt.timedelta(seconds=30)
    cache.put("bearer", "rb_x", auth.Principal(user, soon), auth.security_generation())
    assert cache.get("bearer", "rb_x") == user
    later = soon + dt.timedelta(seconds=1)
    monkeypatch.setattr(security.auth, "utcnow", lambda: later)
    assert cache.get("bearer", "rb_x") is None
    off = security.PrincipalCache(ttl=0)
    off.put("bearer", "rb_x", auth.Principal(user, None), auth.security_generation())
    assert off.get("bearer", "rb_x") is None


def test_entry_read_before_a_change_is_not_stored(factory: Callable[[], repo_security.Session]) -> None:
    """A lookup that started before a security change (generation moved on) does not fill the cache."""
    user = make_user(factory, Role.HR)
    cache = security.PrincipalCache(ttl=60)
    before = auth.security_generation()
    auth.bump_security_generation()
    cache.put("session", "cookie-value", auth.Principal(user, None), before)
    assert cache.get("session", "cookie-value") is None


# --- per-snapshot lists and page fragments ------------------------------------------------------------------------


def test_lists_and_pages_are_cached_per_viewer_scope(
    client: TestClient, auth_headers: Headers, web_template: TemplateDb
) -> None:
    """HR's list is cached with the snapshot; a manager asking the same query still gets only their own units."""
    hr = auth_headers("hr")
    manager = auth_headers("manager")
    everyone = client.get("/api/units?limit=500", headers=hr).json()
    again = client.get("/api/units?limit=500", headers=hr).json()
    assert everyone == again and everyone["total"] > 2
    own = client.get("/api/units?limit=500", headers=manager).json()
    assert {u["id"] for u in own["items"]} <= {web_template.manager_unit_id, "koronapoliklinikk"}
    assert own["total"] < everyone["total"]
    people_hr = client.get("/api/employees?limit=500", headers=hr).json()
    people_manager = client.get("/api/employees?limit=500", headers=manager).json()
    assert people_manager["total"] < people_hr["total"]
    # A page of a cached sorted list is a slice of the same order.
    first, second = (
        client.get(f"/api/employees?limit=5&offset={offset}&sort=-name", headers=hr).json() for offset in (0, 5)
    )
    names = [p["name"] for p in first["items"] + second["items"]]
    assert names == sorted(names, reverse=True)


def test_units_page_fragment_is_not_shared_between_scopes(web_app: Any, web_template: TemplateDb) -> None:
    """The cached units table rendered for HR is never shown to a manager (and the language is part of the key)."""
    with TestClient(web_app) as hr_browser, TestClient(web_app) as manager_browser:
        login(hr_browser, "hr")
        login(manager_browser, "manager")
        hr_page = hr_browser.get("/units").text
        assert hr_browser.get("/units").text.count("<tr>") == hr_page.count("<tr>")
        manager_page = manager_browser.get("/units").text
        assert manager_page.count("<tr>") < hr_page.count("<tr>")
        assert "Status today" in hr_browser.get("/units?lang=en").text


def test_snapshot_cached_is_bounded_and_least_recently_used(tiny_covid: Any) -> None:
    """At most SEARCH_MEMO_ENTRIES values are kept; a value used again stays."""
    snap = queries.Snapshot(tiny_covid, None)
    calls: list[int] = []
    for i in range(queries.SEARCH_MEMO_ENTRIES + 10):
        snap.cached(("k", i), lambda i=i: calls.append(i) or i)
        snap.cached(("k", 0), lambda: calls.append(-1) or 0)  # keep 0 recently used
    assert -1 not in calls
    assert snap.cached(("k", 0), lambda: "rebuilt") == 0
    assert snap.cached(("k", 1), lambda: "rebuilt") == "rebuilt"


def test_search_people_returns_a_fresh_list_each_time(tiny_covid: Any) -> None:
    """Callers may sort the list they get; the cached result stays as it was."""
    snap = queries.Snapshot(tiny_covid, None)
    first = snap.search_people()
    first.reverse()
    assert snap.search_people() == list(tiny_covid.employees)


# --- the write path -----------------------------------------------------------------------------------------------


def test_write_transaction_serialises_writers_and_holds_the_lock_from_the_start(tmp_path: Path) -> None:
    """Read-modify-write in many threads loses no update; another connection cannot write during the transaction."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    engine = create_engine_for(url)
    factory = session_factory(engine)
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        c.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    other = sa.create_engine(url, connect_args={"timeout": 0.05})
    with write_transaction(factory) as session:
        session.execute(sa.text("SELECT n FROM counter")).all()
        with pytest.raises(sa.exc.OperationalError, match="locked"), other.begin() as c:
            c.exec_driver_sql("UPDATE counter SET n = 99")

    def add(times: int) -> None:
        for _ in range(times):
            with write_transaction(factory) as session:
                n = session.execute(sa.text("SELECT n FROM counter")).scalar_one()
                session.execute(sa.text("UPDATE counter SET n = :n"), {"n": n + 1})

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT n FROM counter").scalar_one() == 150
    with pytest.raises(RuntimeError), write_transaction(factory) as session:
        session.execute(sa.text("UPDATE counter SET n = 0"))
        raise RuntimeError("rolled back")
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT n FROM counter").scalar_one() == 150
    other.dispose()
    engine.dispose()


def test_write_transaction_serialises_writers_of_several_processes(tmp_path: Path) -> None:
    """Two processes (like two uvicorn workers) doing read-modify-write through write_transaction lose nothing."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    engine = create_engine_for(url)
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        c.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    script = (
        "import sys, sqlalchemy as sa\n"
        "from ressursbank.db.engine import create_engine_for, session_factory, write_transaction\n"
        "factory = session_factory(create_engine_for(sys.argv[1]))\n"
        "for _ in range(40):\n"
        "    with write_transaction(factory) as s:\n"
        "        n = s.execute(sa.text('SELECT n FROM counter')).scalar_one()\n"
        "        s.execute(sa.text('UPDATE counter SET n = :n'), {'n': n + 1})\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", script, url]) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT n FROM counter").scalar_one() == 80
    engine.dispose()
