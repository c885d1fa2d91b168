"""Races on a real server (uvicorn on loopback, two worker processes) with PostgreSQL.

100 concurrent accepts of 100 overlapping offers to one person -> exactly one accepted, the rest 409;
100 concurrent answers to 100 different offers -> all 100 recorded, none lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ressursbank.db import repo_security as repo
from ressursbank.db import repository
from ressursbank.db.migrations import upgrade_to_head
from ressursbank.demo import generate_organisation
from ressursbank.domain import Assignment
from ressursbank.services import auth, workflow
from ressursbank.services.policy import Role
from tests.helpers_db import fresh_postgres_database

DAY = dt.date(2030, 3, 18)
RACERS = 100
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Arena:
    """A migrated PostgreSQL database with offers ready to answer, served by uvicorn."""

    base_url: str
    url: str
    employee_id: str
    same_person_offers: list[str]
    different_offers: list[str]
    employee_token: str
    hr_token: str


def _prepare(url: str) -> tuple[str, list[str], list[str], str, str]:
    upgrade_to_head(url)
    engine = repo.create_engine_for(url)
    factory = repo.session_factory(engine)
    org = generate_organisation("small", seed=7)
    hosts = {"home-care-001"}
    people = [e for e in org.employees if e.home_unit_id not in hosts]
    racer = people[0]
    with factory() as session, session.begin():
        repository.save_organisation(session=session, organisation=org)
        hr = auth.create_user(session, username="hr", display_name="HR", role=Role.HR, password="demo")
        me = auth.create_user(
            session, username="me", display_name="Me", role=Role.EMPLOYEE, password="demo", employee_id=racer.id
        )
        hr_token = auth.create_api_token(session, user=hr, name="race")
        me_token = auth.create_api_token(session, user=me, name="race")

    def offer_for(session: repo.Session, employee_id: str, tag: str) -> str:
        start = dt.datetime.combine(DAY, dt.time(8))
        shift = Assignment(employee_id, f"race-{tag}", "home-care-001", start, start + dt.timedelta(hours=8))
        offer = workflow.create_offer(session, employee_id=employee_id, shifts=[shift], actor=hr)
        workflow.approve_release(session, offer_id=offer.id, actor=hr, approve=True, reason="race test")
        workflow.send_offers(session, offer_ids=[offer.id], actor=hr)
        return offer.id

    with factory() as session, session.begin():
        same = [offer_for(session, racer.id, f"same-{i}") for i in range(RACERS)]
        others = [offer_for(session, e.id, f"other-{e.id}") for e in people[1 : RACERS + 1]]
    engine.dispose()
    assert len(others) == RACERS, "the organisation has too few people for the race"
    return racer.id, same, others, me_token, hr_token


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    """A fresh PostgreSQL database, prepared, and uvicorn serving the app on it."""
    server = os.environ.get("RESSURSBANK_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("RESSURSBANK_TEST_POSTGRES_URL is not set (scripts/test.sh starts PostgreSQL)")
    with fresh_postgres_database(server) as url:
        employee_id, same, others, me_token, hr_token = _prepare(url)
        port = _free_port()
        home = tmp_path_factory.mktemp("race-home")
        env = {**os.environ, "RESSURSBANK_DATABASE_URL": url, "RESSURSBANK_HOME": str(home)}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "ressursbank.api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"uvicorn did not start: {output[-2000:]}")
                time.sleep(0.2)
            yield Arena(base, url, employee_id, same, others, me_token, hr_token)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _answer_all(base: str, offers: list[str], token: str, reason: str | None) -> list[int]:
    limits = httpx.Limits(max_connections=RACERS)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def one(offer_id: str) -> int:
            answer = await client.post(
                f"/api/offers/{offer_id}/answer",
                json={"accept": True, "reason": reason, "idempotency_key": uuid.uuid4().hex},
                headers={"Authorization": f"Bearer {token}"},
            )
            return answer.status_code

        return list(await asyncio.gather(*(one(o) for o in offers)))


def test_hundred_overlapping_accepts_book_the_person_once(arena: Arena) -> None:
    """100 concurrent accepts of overlapping offers to one person: exactly one accepted, 99 conflicts, no errors."""
    statuses = asyncio.run(_answer_all(arena.base_url, arena.same_person_offers, arena.employee_token, None))
    counts = Counter(statuses)
    print(f"\nrace, same person: {RACERS} concurrent accepts -> {dict(counts)}")
    assert counts == {200: 1, 409: RACERS - 1}
    engine = repo.create_engine_for(arena.url)
    try:
        with repo.session_factory(engine)() as session:
            booked = workflow.list_offers(session, employee_id=arena.employee_id, status=["accepted", "active"])
            answers = sum(len(repo.answers_of_offer(session, o)) for o in arena.same_person_offers)
    finally:
        engine.dispose()
    assert len(booked) == 1 and answers == 1


def test_hundred_answers_to_different_offers_are_all_recorded(arena: Arena) -> None:
    """100 concurrent answers (HR on behalf, by phone) to 100 different people's offers: all 100 recorded."""
    statuses = asyncio.run(_answer_all(arena.base_url, arena.different_offers, arena.hr_token, "answered by phone"))
    counts = Counter(statuses)
    print(f"\nrace, different offers: {RACERS} concurrent answers -> {dict(counts)}")
    assert counts == {200: RACERS}
    engine = repo.create_engine_for(arena.url)
    try:
        with repo.session_factory(engine)() as session:
            accepted = [workflow.get_offer(session, o).status for o in arena.different_offers]
            answers = sum(len(repo.answers_of_offer(session, o)) for o in arena.different_offers)
    finally:
        engine.dispose()
    assert accepted.count(workflow.OfferStatus.ACCEPTED) == RACERS and answers == RACERS
