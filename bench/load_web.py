"""Load benchmark of the web app: a real uvicorn server on loopback with the Asker demo and its covid-2020-03 plan,
50 concurrent users, bounded in requests and time.

Measures latency (p50/p95/p99) and errors for list pages (units, people), the overview page, the overview API and
offer answers, and writes ``bench/results/load_web-<timestamp>.md``.

Two load models, reported side by side (each on a fresh copy of the database and a fresh server):

* **users** (``--think 1,3``, the default and what the target is judged on): each of ``--clients`` users sends a
  request, waits for the answer, then thinks for a uniformly drawn 1-3 s before the next one, as locust-style
  users do; users start spread over the first think interval.
* **stress** (``--think 0,0``, added by default with ``--with-stress``): the same users fire back-to-back with no
  think time (closed loop), which measures the server's capacity rather than what a user sees.

Usage::

    .venv/bin/python bench/load_web.py                            # Asker, 50 users, user model + stress
    .venv/bin/python bench/load_web.py --think 0,0 --no-with-stress    # stress only
    .venv/bin/python bench/load_web.py --keep /tmp/rb-load --workers 2  # build the database once, reuse it
    .venv/bin/python bench/load_web.py --database postgres         # PostgreSQL of scripts/postgres.sh

Setup (not timed): the demo municipality is stored, the scenario is planned by the engine (``--plan-seconds``),
offers are created from the plan's loans, released (HR override, reason "benchmark") and sent with a deadline
tomorrow (the scenario lies in 2020, so sending is dated to 1 March 2020), and one login with an API token is made
per answering employee. That database is a template: every load phase runs on a fresh copy of it (SQLite: a file
copy; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), so each phase answers the same, still open offers.

Honesty notes printed with the results: the load generator runs in this process on the same 2-core machine as the
server (``--pin`` puts it on the last core and the server on the others; it still shares the machine), and the
CPU seconds of both are reported next to the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
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
DEFAULT_POSTGRES = "postgresql+psycopg://ressursbank@127.0.0.1:54329/postgres"
ANSWER = "POST /api/offers/{id}/answer"


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


@dataclass
class Phase:
    """One load phase: its model, series and resource use."""

    label: str
    think: tuple[float, float]
    series: dict[str, Series]
    wall: float
    server_cpu: float
    loadgen_cpu: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def requests(self) -> int:
        return sum(len(s.latencies) + s.errors for s in self.series.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the database ------------------------------------------------------------------------------------------------


def setup(url: str, preset: str, plan_seconds: float, answerers: int) -> list[tuple[str, str]]:
    """Build the database at ``url``; return ("hr", token) followed by (offer id, bearer token) pairs."""
    from ressursbank.db.engine import create_engine_for, session_factory
    from ressursbank.db.migrations import upgrade_to_head
    from ressursbank.services import auth, planning, workflow
    from ressursbank.services.demo_setup import bind_demo_users, store_demo
    from ressursbank.services.policy import Role

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
            expires_at=dt.datetime.now() + dt.timedelta(days=30),
            now=dt.datetime(2020, 3, 1),
        )
    print(f"{len(sent)} offers sent", flush=True)
    pairs: list[tuple[str, str]] = []
    one_each: dict[str, workflow.Offer] = {}
    for offer in sent:
        one_each.setdefault(offer.employee_id, offer)
    chosen = list(one_each.values())[:answerers]  # one offer per person: no overlapping accepts
    with sessions() as session, session.begin():
        for i, offer in enumerate(chosen):
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
    return pairs


class SqliteDatabase:
    """A template SQLite file built once; each phase gets a copy."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.sqlite"

    def build(self, preset: str, plan_seconds: float, answerers: int) -> list[tuple[str, str]]:
        tokens = self.directory / "answer-tokens.txt"
        if self.template.exists() and tokens.exists():
            return [tuple(line.split(" ", 1)) for line in tokens.read_text().splitlines()]  # type: ignore[misc]
        for stale in self.directory.glob("template.sqlite*"):
            stale.unlink()
        pairs = setup(f"sqlite:///{self.template}", preset, plan_seconds, answerers)
        with sqlite3.connect(self.template) as db:  # fold the WAL into the file so one file is the whole database
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        tokens.write_text("\n".join(f"{a} {b}" for a, b in pairs))
        return pairs

    def fresh_copy(self, name: str) -> str:
        self.discard(name)
        target = self.directory / f"{name}.sqlite"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def discard(self, name: str) -> None:
        for stale in self.directory.glob(f"{name}.sqlite*"):
            stale.unlink()


class PostgresDatabase:
    """A template database on the PostgreSQL server of ``scripts/postgres.sh``; each phase gets a copy."""

    def __init__(self, server_url: str, directory: Path, preset: str) -> None:
        import sqlalchemy as sa

        self.sa = sa
        self.server_url = sa.engine.make_url(server_url)
        self.directory = directory
        self.template = f"rb_load_{preset}_template"

    def _admin(self) -> object:
        return self.sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")

    def _url(self, database: str) -> str:
        return self.server_url.set(database=database).render_as_string(hide_password=False)

    def build(self, preset: str, plan_seconds: float, answerers: int) -> list[tuple[str, str]]:
        tokens = self.directory / f"{self.template}-tokens.txt"
        admin = self._admin()
        with admin.connect() as c:  # type: ignore[attr-defined]
            exists = c.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (self.template,)).first()
            if exists and tokens.exists():
                return [tuple(line.split(" ", 1)) for line in tokens.read_text().splitlines()]  # type: ignore[misc]
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            c.exec_driver_sql(f'CREATE DATABASE "{self.template}"')
        pairs = setup(self._url(self.template), preset, plan_seconds, answerers)
        tokens.write_text("\n".join(f"{a} {b}" for a, b in pairs))
        return pairs

    def fresh_copy(self, name: str) -> str:
        self.discard(name)
        database = f"rb_load_{name}"
        with self._admin().connect() as c:  # type: ignore[attr-defined]
            c.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"')
        return self._url(database)

    def discard(self, name: str) -> None:
        with self._admin().connect() as c:  # type: ignore[attr-defined]
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "rb_load_{name}" WITH (FORCE)')


# --- CPU accounting ----------------------------------------------------------------------------------------------


def _process_tree_cpu(root_pid: int) -> float:
    """User + system CPU seconds of ``root_pid`` and every live descendant (uvicorn's worker processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] is the parent pid, fields[11] utime and fields[12] stime (after the command name).
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo, seen = 0.0, [root_pid], set()
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo.extend(child for child, (parent, _) in stats.items() if parent == pid)
    return total


# --- the load ----------------------------------------------------------------------------------------------------


async def _login(base: str) -> dict[str, str]:
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
        assert r.status_code in (200, 302, 303), r.text[:200]
        return dict(c.cookies)


AREAS = ("asker", "royken", "hurum")
WARM_API = ("/api/overview", "/api/units?limit=50", "/api/employees?limit=50")
WARM_PAGES = ("/", "/units", *(f"/people?area={area}&status=redeployed" for area in AREAS))


async def _warm(base: str, hr_token: str, page_session: dict[str, str], workers: int) -> None:
    """Before timing, open every page and list the load uses once per worker (a served demo has been looked at
    too): this builds each worker's snapshot and its cached lists, as the first user after a new plan would."""
    hr = {"Authorization": f"Bearer {hr_token}"}
    async with httpx.AsyncClient(base_url=base, timeout=120, cookies=page_session) as c:
        for _ in range(3):  # concurrent bursts, so every worker process gets some
            # return_exceptions: uvicorn's supervisor may restart a worker that was too busy building its snapshot
            # to answer the health ping; the next burst warms the new one.
            await asyncio.gather(
                *(c.get(path, headers=hr) for path in WARM_API * workers),
                *(c.get(path) for path in WARM_PAGES * workers),
                return_exceptions=True,
            )
        for path in WARM_API:  # and a last round that must succeed
            (await c.get(path, headers=hr)).raise_for_status()


async def _run(
    base: str,
    hr_token: str,
    page_session: dict[str, str],
    answer_pairs: list[tuple[str, str]],
    *,
    clients: int,
    requests: int,
    max_seconds: float,
    think: tuple[float, float],
    server_pid: int,
) -> tuple[dict[str, Series], Usage]:
    """Send ``requests`` requests per read endpoint plus the answers from ``clients`` concurrent users, each thinking
    ``think`` seconds (uniform) between its requests (or stop at ``max_seconds``).

    The users' HTTP clients are made before the clock starts: making one costs tens of milliseconds of CPU (its
    TLS context), and making 50 while other users already wait for answers would count that as server latency.
    """
    hr = {"Authorization": f"Bearer {hr_token}"}
    rng = random.Random(7)
    Request = tuple[str, dict[str, str], dict[str, str] | None]

    def list_people() -> Request:
        return f"/people?area={rng.choice(AREAS)}&status=redeployed", {}, page_session

    endpoints: dict[str, Callable[[], Request]] = {
        "GET /units (page)": lambda: ("/units", {}, page_session),
        "GET /people (page, filtered)": list_people,
        "GET / (overview page)": lambda: ("/", {}, page_session),
        "GET /api/units?limit=50": lambda: (f"/api/units?limit=50&offset={rng.randrange(0, 250)}", hr, None),
        "GET /api/employees?limit=50": lambda: (f"/api/employees?limit=50&offset={rng.randrange(0, 6000)}", hr, None),
        "GET /api/overview": lambda: ("/api/overview", hr, None),
    }
    series = {name: Series(name) for name in [*endpoints, ANSWER]}
    items: list[tuple[str, tuple[str, str] | None]] = [(name, None) for name in endpoints for _ in range(requests)]
    items += [(ANSWER, pair) for pair in answer_pairs]
    rng.shuffle(items)
    queue: asyncio.Queue[tuple[str, tuple[str, str] | None]] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)
    low, high = think

    pool = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(clients)]

    async def user(number: int) -> None:
        user_rng = random.Random(1000 + number)
        async with pool[number] as client:
            if high > 0:  # users arrive spread over one think interval, not all in the same millisecond
                await asyncio.sleep(user_rng.uniform(0, high))
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
                        offer_id, bearer_token = extra
                        r = await client.post(
                            f"/api/offers/{offer_id}/answer",
                            json={"accept": user_rng.random() < 0.8, "idempotency_key": uuid.uuid4().hex},
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
                if high > 0:
                    await asyncio.sleep(user_rng.uniform(low, high))

    usage = Usage.start(server_pid)
    deadline = time.monotonic() + max_seconds
    await asyncio.gather(*(user(i) for i in range(clients)))
    return series, usage.stop()


@dataclass
class Usage:
    """Wall time, CPU seconds of the server and of this process, and the load average over the load phase."""

    server_pid: int
    t0: float
    server_cpu0: float
    self_cpu0: float
    load_before: tuple[float, float, float]
    wall: float = 0.0
    server_cpu: float = 0.0
    loadgen_cpu: float = 0.0
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @classmethod
    def start(cls, server_pid: int) -> Usage:
        return cls(server_pid, time.monotonic(), _process_tree_cpu(server_pid), time.process_time(), os.getloadavg())

    def stop(self) -> Usage:
        self.wall = time.monotonic() - self.t0
        self.server_cpu = _process_tree_cpu(self.server_pid) - self.server_cpu0
        self.loadgen_cpu = time.process_time() - self.self_cpu0
        self.load_after = os.getloadavg()
        return self


def _start_server(url: str, directory: Path, args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "RESSURSBANK_DATABASE_URL": url,
        "RESSURSBANK_HOME": str(directory),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
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
        "--no-access-log",
        "--workers",
        str(args.workers),
        "--http",
        args.http,
    ]
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2:
        command = ["taskset", "-c", ",".join(map(str, cpus[:-1])), *command]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return server, base


def run_phase(
    label: str,
    think: tuple[float, float],
    database: SqliteDatabase | PostgresDatabase,
    directory: Path,
    pairs: list[tuple[str, str]],
    args: argparse.Namespace,
) -> Phase:
    url = database.fresh_copy(f"run-{label}")
    hr_token = pairs[0][1]
    answer_pairs = pairs[1:][: args.answers]
    server, base = _start_server(url, directory, args)
    try:
        page_session = asyncio.run(_login(base))
        asyncio.run(_warm(base, hr_token, page_session, args.workers))
        if args.pin:  # the load generator on the last core, the server on the others
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
        series, usage = asyncio.run(
            _run(
                base,
                hr_token,
                page_session,
                answer_pairs,
                clients=args.clients,
                requests=args.requests,
                max_seconds=args.max_seconds,
                think=think,
                server_pid=server.pid,
            )
        )
    finally:
        if args.pin:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        database.discard(f"run-{label}")
    return Phase(
        label, think, series, usage.wall, usage.server_cpu, usage.loadgen_cpu, usage.load_before, usage.load_after
    )


def _think_arg(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--think wants MIN,MAX in seconds, got {text!r}") from exc
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError("--think wants 0 <= MIN <= MAX")
    return low, high


def _table(phase: Phase) -> list[str]:
    low, high = phase.think
    model = (
        f"users: think {low:g}-{high:g} s (uniform) between requests"
        if high > 0
        else "stress: closed loop, no think time"
    )
    lines = [
        f"### {phase.label} — {model}",
        "",
        f"- wall time of the load phase: {phase.wall:.1f} s; {phase.requests} requests "
        f"({phase.requests / phase.wall:.0f} req/s)",
        f"- CPU seconds in the load phase: server {phase.server_cpu:.1f} s "
        f"({1000 * phase.server_cpu / max(1, phase.requests):.1f} ms per request), "
        f"load generator {phase.loadgen_cpu:.1f} s",
        f"- load average (1/5/15 min): before {'/'.join(f'{x:.2f}' for x in phase.load_before)}, "
        f"after {'/'.join(f'{x:.2f}' for x in phase.load_after)}",
        "",
        "| endpoint | requests | errors | p50 ms | p95 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in phase.series.values():
        n = len(s.latencies) + s.errors
        mean = statistics.fmean(s.latencies) if s.latencies else float("nan")
        lines.append(
            f"| {s.name} | {n} | {s.errors} | {s.pct(50):.0f} | {s.pct(95):.0f} | {s.pct(99):.0f} | {mean:.0f} |"
        )
    everything = Series("all", [ms for s in phase.series.values() for ms in s.latencies])
    lines.append(
        f"| **all** | {phase.requests} | {sum(s.errors for s in phase.series.values())} | "
        f"{everything.pct(50):.0f} | {everything.pct(95):.0f} | {everything.pct(99):.0f} | "
        f"{statistics.fmean(everything.latencies) if everything.latencies else float('nan'):.0f} |"
    )
    errors = {s.name: s.statuses for s in phase.series.values() if s.errors}
    if errors:
        lines += ["", f"Status counts of endpoints with errors: {errors}"]
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="asker")
    parser.add_argument("--clients", type=int, default=50, help="concurrent users")
    parser.add_argument("--requests", type=int, default=300, help="requests per read endpoint")
    parser.add_argument("--answers", type=int, default=300, help="offer answers (one per offer)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="upper bound of each load phase")
    parser.add_argument("--plan-seconds", type=float, default=30.0)
    parser.add_argument(
        "--think",
        type=_think_arg,
        default=(1.0, 3.0),
        metavar="MIN,MAX",
        help="seconds each user waits between requests, uniform (default 1,3; 0,0 is the closed-loop stress model)",
    )
    parser.add_argument(
        "--with-stress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the closed-loop stress model (think 0,0) and report it beside the user model",
    )
    parser.add_argument("--keep", type=Path, help="build the template database here once and reuse it on later runs")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--http", default="h11", help="uvicorn HTTP implementation (h11; httptools if installed)")
    parser.add_argument(
        "--pin", action="store_true", help="load generator on the last core, server on the others (taskset)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RESSURSBANK_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="server of scripts/postgres.sh (its 'postgres' database is used to create the benchmark's)",
    )
    args = parser.parse_args()
    phases_wanted = [("users" if args.think[1] > 0 else "stress", args.think)]
    if args.with_stress and args.think[1] > 0:
        phases_wanted.append(("stress", (0.0, 0.0)))
    with tempfile.TemporaryDirectory(prefix="rb-load-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        database: SqliteDatabase | PostgresDatabase = (
            SqliteDatabase(directory)
            if args.database == "sqlite"
            else PostgresDatabase(args.postgres_url, directory, args.preset)
        )
        pairs = database.build(args.preset, args.plan_seconds, args.answers)
        phases = [run_phase(label, think, database, directory, pairs, args) for label, think in phases_wanted]
    command = (
        f".venv/bin/python bench/load_web.py --preset {args.preset} --clients {args.clients} "
        f"--requests {args.requests} --answers {args.answers} --plan-seconds {args.plan_seconds:g} "
        f"--think {args.think[0]:g},{args.think[1]:g} {'--with-stress' if args.with_stress else '--no-with-stress'} "
        f"--workers {args.workers} --http {args.http} --database {args.database}{' --pin' if args.pin else ''}"
    )
    lines = [
        f"# load_web — {args.preset}, {args.clients} concurrent users",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}; host: {platform.node()} "
        f"({os.cpu_count()} cores), Python {platform.python_version()}; {args.workers} uvicorn worker(s), "
        f"--http {args.http}; database {args.database}"
        + (
            " (scripts/postgres.sh: fsync=off; the PostgreSQL server's own CPU is not in the server CPU below)"
            if args.database == "postgres"
            else " (WAL, synchronous=NORMAL)"
        ),
        f"- command: `{command}`",
        "- the load generator (httpx, asyncio, this process) shares the machine's 2 cores with the server"
        + (" (pinned: generator on the last core, server on the others)" if args.pin else " (not pinned)")
        + "; its CPU seconds are shown beside the server's",
        "- the target (p95 <= 200 ms, 0 errors) is judged on the user model; the stress model is shown for honesty",
        "- not timed: each phase starts a fresh server on a fresh copy of the database, logs in and opens every "
        "page and list of the load once per worker (builds the snapshot and its caches)",
        "",
    ]
    for phase in phases:
        lines += _table(phase)
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results" / f"load_web-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
