"""The application factory: REST API under ``/api/`` (OpenAPI at ``/docs``), pages at ``/``, static at ``/static``.

``ressursbank serve`` runs ``uvicorn ressursbank.api.app:create_app --factory``; tests call :func:`create_app`
with their own :class:`~ressursbank.settings.Settings` (a fresh SQLite file each).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from ressursbank.api.limits import BodySizeLimit, max_body_bytes_from_env
from ressursbank.api.problems import install_problem_handlers
from ressursbank.api.state import AppState, settle_heap
from ressursbank.api.templating import STATIC_DIR
from ressursbank.services.notifications import SmtpSettings, deliver_due
from ressursbank.settings import Settings, load_settings

logger = logging.getLogger(__name__)

#: Routers owned by the security helper; included when present so each side can land on its own.
SECURITY_ROUTERS = ("auth", "offers", "audit", "privacy")

OPENAPI_TAGS: list[dict[str, Any]] = [
    {"name": "organisation", "description": "Areas, units (with status timeline), qualifications."},
    {"name": "people", "description": "Employees and their competence profiles."},
    {"name": "scenarios", "description": "Crisis scenarios, their events and the needs they produce."},
    {"name": "plans", "description": "Solve jobs, plans, assignments, rosters and explanations."},
    {"name": "offers", "description": "Offers to employees and their answers."},
    {"name": "overview", "description": "Aggregates for leadership: coverage, gaps, people redeployed."},
    {"name": "reports", "description": "Situation report and XLSX exports."},
]


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids: the endpoint function's name (unique across the app)."""
    return route.name


#: Seconds between two rounds of the outbox sender (when SMTP is configured).
OUTBOX_INTERVAL = 30.0


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Send the outbox in the background while the app runs; kill solve workers when it stops."""
    state: AppState = app.state.ressursbank
    settle_heap(collect=False)  # imported modules and the app live as long as the process: no need to walk them
    sender = asyncio.create_task(_send_outbox_forever(state)) if SmtpSettings.from_env() is not None else None
    try:
        yield
    finally:
        if sender is not None:
            sender.cancel()
        if state.jobs is not None:
            state.jobs.shutdown()


async def _send_outbox_forever(state: AppState) -> None:
    smtp = SmtpSettings.from_env()

    def one_round() -> None:
        with state.write() as session:
            deliver_due(session, smtp=smtp)

    while True:
        try:
            await anyio.to_thread.run_sync(one_round)
        except Exception:  # a bad round must not stop the sender; it is logged and retried
            logger.exception("outbox round failed")
        await asyncio.sleep(OUTBOX_INTERVAL)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app for ``settings`` (default: from the environment)."""
    settings = settings or load_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="ressursbank",
        summary="Redeployment and lawful rostering of a municipality's own employees in a crisis.",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        openapi_tags=OPENAPI_TAGS,
        generate_unique_id_function=_operation_id,
    )
    state = AppState.create(settings)
    app.state.ressursbank = state
    app.state.session_factory = state.session_factory  # shared with the security dependencies
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes_from_env())
    _install_security(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from ressursbank.api.pages import router as pages_router
    from ressursbank.api.routes import api_router

    app.include_router(api_router, prefix="/api")
    for name in SECURITY_ROUTERS:
        router = _optional_router(f"ressursbank.api.routes.{name}")
        if router is not None:
            app.include_router(router)
    app.include_router(pages_router)
    return app


def _install_security(app: FastAPI) -> None:
    try:
        security = importlib.import_module("ressursbank.api.security")
    except ModuleNotFoundError as exc:
        if exc.name != "ressursbank.api.security":
            raise
        logger.warning("ressursbank.api.security is missing: running without login")
        return
    security.install_security(app)


def _optional_router(module_name: str) -> Any:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    return getattr(module, "router", None)
