"""Load benchmark of the web app: a real uvicorn server on loopback with the Asker demo and its covid-2020-03 plan,
50 concurrent httpx clients, bounded in requests and time.

Measures latency (p50/p95/p99) and errors for list pages (units, people), the overview page, the overview API and
offer answers, and writes ``bench/results/load_web-<timestamp>.md``.

Usage::

    .venv/bin/python bench/load_web.py                       # Asker, 50 clients, 400 requests per endpoint
    .venv/bin/python bench/load_web.py --preset small --requests 100 --plan-seconds 10

Setup (not timed): the demo municipality is stored in a fresh SQLite file, the scenario is planned by the engine
(``--plan-seconds``), offers are created from the plan's loans, released (HR override, reason "benchmark") and sent
with a deadline tomorrow (the scenario lies in 2020, so sending is dated to 1 March 2020), and one login with an API
token is made per answering employee.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "covid-2020-03"


@dataclass
class Series:
    """Latencies (ms) and errors of one endpoint."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(directory: Path, preset: str, plan_seconds: float, answerers: int) -> tuple[str, list[tuple[str, str]]]:
    """Build the database; return its URL and (offer id, bearer token) pairs for answering."""
    from ressursbank.db.engine import create_engine_for, session_factory
    from ressursbank.db.migrations import upgrade_to_head
    from ressursbank.services import auth, planning, workflow
    from ressursbank.services.demo_setup import bind_demo_users, store_demo
    from ressursbank.services.policy import Role

    url = f"sqlite:///{directory / 'ressursbank.sqlite'}"
    upgrade_to_head(url)
    engine = create_engine_for(url)
    sessions = session_factory(engine)
    t0 = time.monotonic()
    store_demo(sessions, preset=preset, seed=2020, fresh=True)
    print(f"stored {preset} in {time.monotonic() - t0:.1f} s", flush=True)
    t0 = time.monotonic()
    summary = planning.plan_scenario(sessions, scenario_id=SCENARIO, weeks=4, time_limit=plan_seconds)
    print(f"planned {SCENARIO}: {summary.status}, {summary.assignments} assignments in {time.monotonic() - t0:.1f} s")
    bind_demo_users(sessions, scenario_id=SCENARIO)
    with sessions() as session, session.begin():
        hr = auth.find_user(session, "hr")
        assert hr is not None
        offers = workflow.create_offers_for_plan(session, plan_id=summary.plan_id, actor=hr)
        for offer in offers:
            if offer.release_required and offer.release_status == workflow.ReleaseStatus.PENDING:
                workflow.approve_release(session, offer_id=offer.id, actor=hr, approve=True, reason="benchmark")
        sent = workflow.send_offers(
            session,
            offer_ids=[o.id for o in offers],
            actor=hr,
            expires_at=dt.datetime.now() + dt.timedelta(days=1),
            now=dt.datetime(2020, 3, 1),
        )
    print(f"{len(sent)} offers sent", flush=True)
    pairs: list[tuple[str, str]] = []
    one_each: dict[str, object] = {}
    for offer in sent:
        one_each.setdefault(offer.employee_id, offer)
    chosen = list(one_each.values())[:answerers]  # one offer per person: no overlapping accepts
    with sessions() as session, session.begin():
        for i, offer in enumerate(chosen):  # type: ignore[assignment]
            user = auth.create_user(
                session,
                username=f"bench-{i}",
                display_name=f"Bench {i}",
                role=Role.EMPLOYEE,
                password=uuid.uuid4().hex,
                employee_id=offer.employee_id,
            )
            pairs.append((offer.id, auth.create_api_token(session, user=user, name="bench")))
        hr_token = auth.create_api_token(session, user=hr, name="bench")
    engine.dispose()
    pairs.insert(0, ("hr", hr_token))
    return url, pairs


async def _run(
    base: str,
    hr_token: str,
    answer_pairs: list[tuple[str, str]],
    *,
    clients: int,
    requests: int,
    max_seconds: float,
) -> dict[str, Series]:
    """Fire ``requests`` requests per endpoint from ``clients`` concurrent clients (or stop at ``max_seconds``)."""
    hr = {"Authorization": f"Bearer {hr_token}"}
    page_session: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        page = await c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "login page has no CSRF token"
        r = await c.post(
            "/login",
            data={
                "username": "hr",
                "password": os.environ.get("RESSURSBANK_DEMO_PASSWORD", "demo"),
                "csrf_token": token.group(1),
                "next": "/",
            },
        )
        page_session = dict(c.cookies)
        assert r.status_code in (200, 302, 303), r.text[:200]
        await c.get("/", cookies=page_session)  # warm the snapshot cache
    rng = random.Random(7)
    areas = ["asker", "royken", "hurum"]

    def list_people() -> tuple[str, dict[str, str], dict[str, str] | None]:
        return f"/people?area={rng.choice(areas)}&status=redeployed", {}, page_session

    endpoints: dict[str, Callable[[], tuple[str, dict[str, str], dict[str, str] | None]]] = {
        "GET /units (page)": lambda: ("/units", {}, page_session),
        "GET /people (page, filtered)": list_people,
        "GET / (overview page)": lambda: ("/", {}, page_session),
        "GET /api/units?limit=50": lambda: (f"/api/units?limit=50&offset={rng.randrange(0, 250)}", hr, None),
        "GET /api/employees?limit=50": lambda: (f"/api/employees?limit=50&offset={rng.randrange(0, 6000)}", hr, None),
        "GET /api/overview": lambda: ("/api/overview", hr, None),
    }
    series = {name: Series(name) for name in [*endpoints, "POST /api/offers/{id}/answer"]}
    deadline = time.monotonic() + max_seconds
    queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
    for name in endpoints:
        for _ in range(requests):
            await queue.put((name, None))
    for offer_id, bearer_token in answer_pairs:
        await queue.put(("POST /api/offers/{id}/answer", (offer_id, bearer_token)))
    items = list(queue._queue)  # type: ignore[attr-defined]
    rng.shuffle(items)
    queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while not queue.empty() and time.monotonic() < deadline:
                name, extra = queue.get_nowait()
                s = series[name]
                t0 = time.perf_counter()
                try:
                    if extra is None:
                        path, headers, cookies = endpoints[name]()
                        if cookies:
                            client.cookies.update(cookies)
                        r = await client.get(path, headers=headers)
                    else:
                        offer_id, bearer_token = extra  # type: ignore[misc]
                        r = await client.post(
                            f"/api/offers/{offer_id}/answer",
                            json={"accept": rng.random() < 0.8, "idempotency_key": uuid.uuid4().hex},
                            headers={"Authorization": f"Bearer {bearer_token}"},
                        )
                    ms = (time.perf_counter() - t0) * 1000
                    s.statuses[r.status_code] = s.statuses.get(r.status_code, 0) + 1
                    if r.status_code >= 400:
                        s.errors += 1
                    else:
                        s.latencies.append(ms)
                except httpx.HTTPError:
                    s.errors += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    return series


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="asker")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400, help="requests per read endpoint")
    parser.add_argument("--answers", type=int, default=300, help="offer answers (one per offer)")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--plan-seconds", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="build the database here once and reuse it on later runs")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rb-load-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        saved = directory / "answer-tokens.txt"
        if args.keep and saved.exists():
            url = f"sqlite:///{directory / 'ressursbank.sqlite'}"
            pairs = [tuple(line.split(" ", 1)) for line in saved.read_text().splitlines()]  # type: ignore[misc]
        else:
            url, pairs = setup(directory, args.preset, args.plan_seconds, args.answers)
            saved.write_text("\n".join(f"{a} {b}" for a, b in pairs))
        hr_token = pairs[0][1]
        answer_pairs = pairs[1:][: args.answers]
        port = _free_port()
        env = {**os.environ, "RESSURSBANK_DATABASE_URL": url, "RESSURSBANK_HOME": str(directory)}
        server = subprocess.Popen(
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
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            t0 = time.monotonic()
            series = asyncio.run(
                _run(
                    base,
                    hr_token,
                    answer_pairs,
                    clients=args.clients,
                    requests=args.requests,
                    max_seconds=args.max_seconds,
                )
            )
            wall = time.monotonic() - t0
        finally:
            server.kill()
            server.wait(timeout=10)
    lines = [
        f"# load_web — {args.preset}, {args.clients} concurrent clients",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}; host: {platform.node()} "
        f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end), Python "
        f"{platform.python_version()}; {args.workers} uvicorn worker(s); SQLite",
        f"- command: `.venv/bin/python bench/load_web.py --preset {args.preset} --clients {args.clients} "
        f"--requests {args.requests} --answers {args.answers} --plan-seconds {args.plan_seconds} "
        f"--workers {args.workers}`",
        f"- wall time of the load phase: {wall:.1f} s",
        "",
        "| endpoint | requests | errors | p50 ms | p95 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series.values():
        n = len(s.latencies) + s.errors
        mean = statistics.fmean(s.latencies) if s.latencies else float("nan")
        lines.append(
            f"| {s.name} | {n} | {s.errors} | {s.pct(50):.0f} | {s.pct(95):.0f} | {s.pct(99):.0f} | {mean:.0f} |"
        )
    errors = {s.name: s.statuses for s in series.values() if s.errors}
    if errors:
        lines += ["", f"Status counts of endpoints with errors: {errors}"]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / f"load_web-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
