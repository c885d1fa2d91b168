"""Helpers for the API, web, jobs and browser tests (no tests of its own).

A template database is built once per test session from the ``tiny`` demo municipality (organisation, the three
demo scenarios, one greedy plan for ``covid-2020-03`` and a login per role); each test copies the file, so every
test gets a fresh database in its own ``tmp_path`` in a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from ressursbank.db import repo_security, repository
from ressursbank.db.engine import create_engine_for, session_factory
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.db.repo_app import create_app_tables
from ressursbank.demo import demo_scenarios, generate_organisation
from ressursbank.domain import Assignment, Organisation, Plan, Problem, build_problem
from ressursbank.services import auth
from ressursbank.services.policy import Role, User

PASSWORD = "demo"
SCENARIO = "covid-2020-03"
ROLES = ("hr", "manager", "employee", "leadership", "auditor")


def greedy_plan(problem: Problem, *, share: float = 0.6) -> Plan:
    """A quick lawful-enough plan for tests: qualified, unrestricted, at most one shift a day per person."""
    busy: dict[str, set[dt.date]] = defaultdict(set)
    out: list[Assignment] = []
    needs = sorted(problem.needs, key=lambda n: (-n.criticality, n.start, n.id))
    limit = int(len(needs) * share)
    for need in needs[:limit]:
        placed = 0
        for emp in problem.employees:
            if placed >= need.count:
                break
            if need.day in busy[emp.id] or emp.absent(need.start, need.end):
                continue
            used = problem.qualification_for(emp, need)
            if used is None or problem.restriction_blocks(emp, need) is not None:
                continue
            busy[emp.id].add(need.day)
            out.append(Assignment(emp.id, need.id, need.unit_id, need.start, need.end, used))
            placed += 1
    return Plan.of(out)


@dataclass(frozen=True)
class TemplateDb:
    """The built template database and the facts tests need about it."""

    path: Path
    org: Organisation
    employee_id: str
    manager_unit_id: str
    plan_id: str


def build_template(directory: Path) -> TemplateDb:
    """Build the template database in ``directory``."""
    path = directory / "template.sqlite"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    engine = create_engine_for(url)
    repo_security.create_security_tables(engine)
    create_app_tables(engine)
    org = generate_organisation("tiny", seed=7)
    scenarios = demo_scenarios(org)
    problem = build_problem(org, scenarios[SCENARIO], days=28)
    plan = greedy_plan(problem)
    redeployed = sorted({a.employee_id for a in plan.assignments if problem.home_unit_of[a.employee_id] != a.unit_id})
    employee_id = redeployed[0] if redeployed else org.employees[0].id
    manager_unit = "nursing-home-001"
    factory = session_factory(engine)
    with factory() as session, session.begin():
        repository.save_organisation(session=session, organisation=org)
        for s in scenarios.values():
            repository.save_scenario(session=session, scenario=s)
        run = repository.save_plan(session=session, scenario_id=SCENARIO, plan=plan, status="feasible")
        for role in ROLES:
            auth.create_user(
                session,
                username=role,
                display_name=f"Test {role}",
                role=Role(role),
                password=PASSWORD,
                employee_id=employee_id if role == "employee" else None,
                unit_ids=(manager_unit, "koronapoliklinikk") if role == "manager" else (),
            )
    engine.dispose()
    return TemplateDb(path, org, employee_id, manager_unit, run.id)


def copy_db(template: TemplateDb, directory: Path) -> str:
    """A fresh copy of the template database; returns its URL."""
    target = directory / "ressursbank.sqlite"
    shutil.copyfile(template.path, target)
    return f"sqlite:///{target}"


def users_by_role(url: str) -> dict[str, User]:
    factory = session_factory(create_engine_for(url))
    with factory() as session:
        return {role: u for role in ROLES if (u := auth.find_user(session, role)) is not None}


def bearer(url: str, role: str) -> dict[str, str]:
    """An Authorization header with a fresh API token for the test user of ``role``."""
    engine = create_engine_for(url)
    factory: Callable[[], repo_security.Session] = session_factory(engine)
    with factory() as session, session.begin():
        user = auth.find_user(session, role)
        assert user is not None
        token = auth.create_api_token(session, user=user, name="test")
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, role: str) -> None:
    """Log the client in through the login form (session cookie), as a browser does."""
    page = client.get("/login")
    token = client.cookies.get("rb_csrf")
    assert token is not None, page.text[:200]
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "login form has no CSRF field"
    answer = client.post(
        "/login",
        data={"username": role, "password": PASSWORD, "csrf_token": match.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code in (302, 303), answer.text[:300]


def csrf_of(html: str) -> str:
    """The CSRF token in a page."""
    import re

    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page carries no CSRF token"
    return match.group(1)


# --- fixtures (import them into a test module to use them) ----------------------------------------------------------
import os  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from ressursbank.api.app import create_app  # noqa: E402
from ressursbank.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> TemplateDb:
    """The template database, built once per test session (per xdist worker)."""
    return build_template(tmp_path_factory.mktemp("web-template"))


@pytest.fixture
def web_url(web_template: TemplateDb, tmp_path: Path) -> str:
    """A fresh copy of the template database for this test."""
    return copy_db(web_template, tmp_path)


@pytest.fixture
def web_app(web_url: str, tmp_path: Path) -> Iterator[Any]:
    """The app on this test's database (workers it starts are killed afterwards)."""
    app = create_app(Settings(database_url=web_url, data_dir=tmp_path))
    yield app
    state = app.state.ressursbank
    if state.jobs is not None:
        state.jobs.shutdown()
    state.engine.dispose()


@pytest.fixture
def client(web_app: Any) -> Iterator[TestClient]:
    """A test client (no login)."""
    with TestClient(web_app) as c:
        yield c


@pytest.fixture
def auth_headers(web_url: str) -> Callable[[str], dict[str, str]]:
    """``auth_headers(role)``: bearer headers for the test user of ``role`` (tokens made once per role)."""
    cache: dict[str, dict[str, str]] = {}

    def get(role: str) -> dict[str, str]:
        if role not in cache:
            cache[role] = bearer(web_url, role)
        return cache[role]

    return get


# --- a stand-in planner for the job tests (the worker imports it through RESSURSBANK_PLANNER) -----------------------
def fake_planner(
    session_factory: Callable[[], Any],
    *,
    scenario_id: str,
    weeks: int = 4,
    time_limit: float = 60.0,
    preset: str = "default",
    progress: Callable[[Any], None] | None = None,
) -> Any:
    """Report progress for ``RESSURSBANK_FAKE_SOLVE_SECONDS`` seconds, then store a greedy plan (like plan_scenario)."""
    seconds = float(os.environ.get("RESSURSBANK_FAKE_SOLVE_SECONDS", "0.5"))
    if os.environ.get("RESSURSBANK_FAKE_SOLVE_FAIL"):
        raise RuntimeError("the model is infeasible (test)")
    with session_factory() as session:
        org = repository.load_organisation(session=session)
        scenario = repository.load_scenario(session=session, scenario_id=scenario_id)
    problem = build_problem(org, scenario, days=weeks * 7)
    started = time.monotonic()
    step = 0
    while time.monotonic() - started < seconds:
        step += 1
        if progress is not None:
            progress(SimpleNamespace(objective=1000.0 / step, bound=10.0, gap=None, elapsed=time.monotonic() - started))
        time.sleep(0.05)
    plan = greedy_plan(problem, share=0.5)
    with session_factory() as session, session.begin():
        run = repository.save_plan(
            session=session, scenario_id=scenario_id, plan=plan, status="feasible", objective=100.0, bound=10.0, gap=0.9
        )
    return SimpleNamespace(plan_id=run.id, status="feasible", objective=100.0, bound=10.0, gap=0.9)
