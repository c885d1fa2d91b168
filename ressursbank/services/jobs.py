"""Solve jobs: persisted, observable, cancellable at once, and solved in a worker process.

A job is a row in ``app_jobs`` (status, progress, best objective, bound, gap, error, timestamps). Starting a job
spawns ``python -m ressursbank.services.jobs <job id>``: the worker reads the job, runs
:func:`ressursbank.services.planning.plan_scenario` and writes progress back to the row. The web server's event
loop never solves; it only reads the row.

Cancelling kills the worker process (SIGKILL: CP-SAT stops at once) and marks the job ``cancelled``. Because the
plan is stored in one transaction at the very end, a killed or crashed worker leaves the previous plan intact; a
watcher thread then marks the job ``failed`` with the exit code as the reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ressursbank.db.repo_app import (
    DbSession,
    JobRecord,
    create_job,
    get_job,
    list_jobs,
    update_job,
    utcnow,
)
from ressursbank.exceptions import Conflict, NotFound

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
#: A worker writes progress at most this often (seconds), so a fast solver does not flood the database.
PROGRESS_INTERVAL = 0.5
MAX_TIME_LIMIT = 3600.0


@dataclass(frozen=True, slots=True)
class JobRequest:
    """What to solve."""

    scenario_id: str
    weeks: int = 4
    time_limit: float = 30.0
    preset: str = "default"

    def params(self) -> dict[str, Any]:
        return {"weeks": self.weeks, "time_limit": self.time_limit, "preset": self.preset}


@dataclass
class JobRunner:
    """Starts worker processes for jobs, watches them, and kills them on cancel (one per app)."""

    session_factory: Callable[[], DbSession]
    database_url: str
    python: str = sys.executable
    _processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, request: JobRequest, *, created_by: str, previous_plan_id: str | None = None) -> JobRecord:
        """Create the job row and spawn its worker; one active job per scenario at a time."""
        with self.session_factory() as session, session.begin():
            for job in list_jobs(session, scenario_id=request.scenario_id, limit=20):
                if job.active:
                    raise Conflict(f"a solve for scenario {request.scenario_id!r} is already running (job {job.id})")
            job = create_job(
                session,
                scenario_id=request.scenario_id,
                params=request.params(),
                created_by=created_by,
                previous_plan_id=previous_plan_id,
            )
        env = {**os.environ, "RESSURSBANK_DATABASE_URL": self.database_url}
        process = subprocess.Popen(
            [self.python, "-m", "ressursbank.services.jobs", job.id],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with self._lock:
            self._processes[job.id] = process
        threading.Thread(target=self._watch, args=(job.id, process), daemon=True, name=f"job-{job.id[:8]}").start()
        return job

    def _watch(self, job_id: str, process: subprocess.Popen[bytes]) -> None:
        """Wait for the worker; if it ended without finishing the job, mark the job failed with the reason."""
        _, stderr = process.communicate()
        code = process.returncode
        with self._lock:
            self._processes.pop(job_id, None)
        tail = (stderr or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
        if code < 0:
            reason = f"the solver process was killed (signal {-code})"
        else:
            reason = f"the solver process exited with code {code}" + (f": {' | '.join(tail)}" if tail else "")
        with self.session_factory() as session, session.begin():
            changed = update_job(
                session,
                job_id=job_id,
                only_if_status=ACTIVE,
                status="failed",
                error=reason,
                finished_at=utcnow(),
            )
        if changed:
            logger.warning("job %s failed: %s", job_id, reason)

    def cancel(self, job_id: str) -> JobRecord:
        """Stop the job now: mark it cancelled and kill its worker (if it is still running)."""
        with self.session_factory() as session, session.begin():
            job = get_job(session, job_id=job_id)
            if job is None:
                raise NotFound(f"job {job_id!r} does not exist")
            if not job.active:
                raise Conflict(f"job {job_id} has already ended ({job.status})")
            update_job(
                session,
                job_id=job_id,
                only_if_status=ACTIVE,
                status="cancelled",
                error="cancelled by a user",
                finished_at=utcnow(),
            )
        with self._lock:
            process = self._processes.get(job_id)
        if process is not None:
            _kill(process.pid)
        elif job.pid:
            _kill(job.pid)
        with self.session_factory() as session:
            return get_job(session, job_id=job_id) or job

    def kill_worker(self, job_id: str) -> bool:
        """Kill the worker without marking the job (what a crash looks like); True if there was one."""
        with self._lock:
            process = self._processes.get(job_id)
        if process is None:
            return False
        _kill(process.pid)
        return True

    def wait(self, job_id: str, timeout: float = 120.0) -> JobRecord:
        """Block until the job has ended (tests and the CLI), polling the row."""
        deadline = time.monotonic() + timeout
        while True:
            with self.session_factory() as session:
                job = get_job(session, job_id=job_id)
            if job is None:
                raise NotFound(f"job {job_id!r} does not exist")
            if not job.active:
                with self._lock:
                    process = self._processes.get(job_id)
                if process is None:
                    return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")
            time.sleep(0.1)

    def shutdown(self) -> None:
        """Kill every worker this runner started (app shutdown); their jobs are marked failed by the watchers."""
        with self._lock:
            processes = list(self._processes.values())
        for process in processes:
            _kill(process.pid)


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


# --- the worker ----------------------------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out == out and abs(out) != float("inf") else None


def _progress_fields(event: Any, time_limit: float, started: float) -> dict[str, Any]:
    """Job fields from a solver progress event (read by attribute name, so the event type may evolve)."""
    objective = _number(getattr(event, "objective", None))
    bound = _number(getattr(event, "bound", None))
    gap = _number(getattr(event, "gap", None))
    if gap is None and objective is not None and bound is not None and objective:
        gap = abs(objective - bound) / max(1.0, abs(objective))
    elapsed = _number(getattr(event, "elapsed", None)) or (time.monotonic() - started)
    fraction = _number(getattr(event, "fraction", None))
    if fraction is None:
        fraction = min(0.99, elapsed / time_limit) if time_limit > 0 else 0.0
    message = str(getattr(event, "message", "") or getattr(event, "phase", "") or "")
    fields: dict[str, Any] = {"progress": max(0.0, min(1.0, fraction)), "heartbeat_at": utcnow()}
    if objective is not None:
        fields["best_objective"] = objective
    if bound is not None:
        fields["bound"] = bound
    if gap is not None:
        fields["gap"] = gap
    if message:
        fields["message"] = message[:500]
    return fields


def _summary_fields(summary: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in ("status", "objective", "bound", "gap", "coverage", "critical_coverage", "unmet", "assignments"):
        value = getattr(summary, name, None)
        if isinstance(value, (int, float, str)) or value is None:
            result[name] = value
        else:
            result[name] = str(value)
    return result


#: The planner a worker calls; ``RESSURSBANK_PLANNER=module:function`` replaces it (tests use a slow stand-in).
DEFAULT_PLANNER = "ressursbank.services.planning:plan_scenario"


def planner() -> Callable[..., Any]:
    """The planning function with :func:`ressursbank.services.planning.plan_scenario`'s signature."""
    import importlib

    spec = os.environ.get("RESSURSBANK_PLANNER", "").strip() or DEFAULT_PLANNER
    module_name, _, function = spec.partition(":")
    function_obj: Callable[..., Any] = getattr(importlib.import_module(module_name), function)
    return function_obj


def accepted_pins(session_factory: Callable[[], DbSession], scenario_id: str, weeks: int) -> tuple[Any, ...]:
    """Shifts of accepted offers and hand-made pins in this problem: re-planning must keep them."""
    from ressursbank.db.repo_app import list_pins
    from ressursbank.domain import Pin
    from ressursbank.services import planning, workflow

    with session_factory() as session:
        pins = list(workflow.accepted_pins(session))
        pins += [Pin(e, n) for e, n in list_pins(session, scenario_id=scenario_id)]
        if not pins:
            return ()
        problem = planning.load_problem(session, scenario_id=scenario_id, weeks=weeks)
    needs, people = problem.need_by_id, problem.employee_by_id
    return tuple(dict.fromkeys(p for p in pins if p.need_id in needs and p.employee_id in people))


def run_job(job_id: str, session_factory: Callable[[], DbSession]) -> None:
    """Run one job in this process (the worker's body); every outcome is written to the job row."""
    with session_factory() as session, session.begin():
        job = get_job(session, job_id=job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} does not exist")
        if not update_job(
            session,
            job_id=job_id,
            only_if_status=("queued",),
            status="running",
            pid=os.getpid(),
            started_at=utcnow(),
            heartbeat_at=utcnow(),
        ):
            return  # cancelled before it started
    params = job.params
    time_limit = min(MAX_TIME_LIMIT, float(params.get("time_limit", 30.0)))
    started = time.monotonic()
    last = 0.0

    def progress(event: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL:
            return
        last = now
        with session_factory() as s, s.begin():
            still = update_job(
                s, job_id=job_id, only_if_status=("running",), **_progress_fields(event, time_limit, started)
            )
        if not still:
            os._exit(3)  # the job was cancelled: stop without storing anything

    try:
        plan_scenario = planner()
        extra: dict[str, Any] = {}
        if "pins" in inspect.signature(plan_scenario).parameters:
            extra["pins"] = accepted_pins(session_factory, job.scenario_id, int(params.get("weeks", 4)))
        summary = plan_scenario(
            session_factory,
            scenario_id=job.scenario_id,
            weeks=int(params.get("weeks", 4)),
            time_limit=time_limit,
            preset=str(params.get("preset", "default")),
            progress=progress,
            **extra,
        )
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        with session_factory() as session, session.begin():
            update_job(
                session,
                job_id=job_id,
                only_if_status=ACTIVE,
                status="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=utcnow(),
            )
        return
    fields = _summary_fields(summary)
    with session_factory() as session, session.begin():
        update_job(
            session,
            job_id=job_id,
            only_if_status=ACTIVE,
            status="succeeded",
            progress=1.0,
            plan_id=str(getattr(summary, "plan_id", "") or "") or None,
            best_objective=_number(fields.get("objective")),
            bound=_number(fields.get("bound")),
            gap=_number(fields.get("gap")),
            result=fields,
            message=str(fields.get("status") or ""),
            finished_at=utcnow(),
        )


def job_seconds(job: JobRecord, now: dt.datetime | None = None) -> float:
    """Seconds the job has run (or ran)."""
    if job.started_at is None:
        return 0.0
    end = job.finished_at or now or utcnow()
    return max(0.0, (end - job.started_at).total_seconds())


def main(argv: list[str] | None = None) -> int:
    """``python -m ressursbank.services.jobs <job id>``: the worker process."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ressursbank.services.jobs <job id>", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from ressursbank.db import engine as db_engine
    from ressursbank.settings import load_settings

    engine = db_engine.create_engine_for(load_settings().database_url)
    run_job(args[0], db_engine.session_factory(engine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
