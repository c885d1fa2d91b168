"""Solve jobs run in a worker process: progress is persisted, cancel is immediate, a killed worker fails the job
and leaves the previous plan intact, and a new solve works afterwards."""
# ruff: noqa: F811 (pytest fixtures are imported by name and then requested as arguments)

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.test_api_support import (  # noqa: F401 (fixtures)
    SCENARIO,
    TemplateDb,
    auth_headers,
    client,
    web_app,
    web_template,
    web_url,
)

Headers = Callable[[str], dict[str, str]]


@pytest.fixture(autouse=True)
def _fake_planner(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Workers use the stand-in planner from tests/test_api_support.py (the worker inherits the environment)."""
    monkeypatch.setenv("RESSURSBANK_PLANNER", "tests.test_api_support:fake_planner")
    yield


def _wait(
    client: TestClient, headers: dict[str, str], job_id: str, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached the state: {job}")


def test_job_succeeds_with_progress_and_new_plan(
    client: TestClient, auth_headers: Headers, web_template: TemplateDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job reports progress with objective and bound while running, then succeeds with a new current plan."""
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_SECONDS", "1.5")
    h = auth_headers("hr")
    started = client.post(f"/api/scenarios/{SCENARIO}/jobs", json={"time_limit": 5, "weeks": 2}, headers=h)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "queued" and job["previous_plan_id"] == web_template.plan_id
    running = _wait(client, h, job["id"], lambda j: j["best_objective"] is not None)
    assert running["status"] == "running" and running["bound"] == 10.0 and running["gap"] is not None
    twice = client.post(f"/api/scenarios/{SCENARIO}/jobs", json={}, headers=h)
    assert twice.status_code == 409
    done = _wait(client, h, job["id"], lambda j: j["status"] != "running")
    assert done["status"] == "succeeded" and done["plan_id"] and done["progress"] == 1.0
    plan = client.get(f"/api/scenarios/{SCENARIO}/plan", headers=h).json()
    assert plan["plan_id"] == done["plan_id"] != web_template.plan_id
    diff = client.get(f"/api/plans/{done['plan_id']}/diff?scenario={SCENARIO}", headers=h).json()
    assert diff["against"] == web_template.plan_id


def test_cancel_kills_worker_and_keeps_previous_plan(
    client: TestClient, auth_headers: Headers, web_template: TemplateDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancel stops a running job at once; the previous plan stays current; a cancelled job cannot be cancelled."""
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_SECONDS", "60")
    h = auth_headers("hr")
    job = client.post(f"/api/scenarios/{SCENARIO}/jobs", json={}, headers=h).json()
    _wait(client, h, job["id"], lambda j: j["status"] == "running")
    cancelled = client.post(f"/api/jobs/{job['id']}/cancel", headers=h)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/api/jobs/{job['id']}/cancel", headers=h).status_code == 409
    time.sleep(0.3)
    assert client.get(f"/api/jobs/{job['id']}", headers=h).json()["status"] == "cancelled"
    assert client.get(f"/api/scenarios/{SCENARIO}/plan", headers=h).json()["plan_id"] == web_template.plan_id


def test_killed_worker_fails_job_previous_plan_intact_new_solve_works(
    client: TestClient, auth_headers: Headers, web_app: Any, web_template: TemplateDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-solve marks the job failed with the reason; the old plan stays; the next solve works."""
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_SECONDS", "60")
    h = auth_headers("hr")
    job = client.post(f"/api/scenarios/{SCENARIO}/jobs", json={}, headers=h).json()
    _wait(client, h, job["id"], lambda j: j["best_objective"] is not None)
    assert web_app.state.ressursbank.jobs.kill_worker(job["id"])
    failed = _wait(client, h, job["id"], lambda j: j["status"] != "running")
    assert failed["status"] == "failed" and "killed" in failed["error"]
    assert client.get(f"/api/scenarios/{SCENARIO}/plan", headers=h).json()["plan_id"] == web_template.plan_id
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_SECONDS", "0.2")
    again = client.post(f"/api/scenarios/{SCENARIO}/jobs", json={}, headers=h).json()
    assert _wait(client, h, again["id"], lambda j: j["status"] not in ("queued", "running"))["status"] == "succeeded"


def test_planner_error_fails_job_with_message(
    client: TestClient, auth_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in the planner marks the job failed with the planner's message."""
    monkeypatch.setenv("RESSURSBANK_FAKE_SOLVE_FAIL", "1")
    h = auth_headers("hr")
    job = client.post(f"/api/scenarios/{SCENARIO}/jobs", json={}, headers=h).json()
    failed = _wait(client, h, job["id"], lambda j: j["status"] not in ("queued", "running"))
    assert failed["status"] == "failed" and "infeasible" in failed["error"]
