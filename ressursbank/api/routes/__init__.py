"""REST routers, one per resource, combined into :data:`api_router` (mounted at ``/api``).

The security helper's routers (``auth``, ``offers``, ``audit``, ``privacy``) are included by the app factory.
"""

from __future__ import annotations

from fastapi import APIRouter

from ressursbank.api.routes import organisation, overview, people, plans, scenarios
from ressursbank.api.schemas import PROBLEM_RESPONSES

api_router = APIRouter(responses=PROBLEM_RESPONSES)
api_router.include_router(organisation.router)
api_router.include_router(people.router)
api_router.include_router(scenarios.router)
api_router.include_router(plans.router)
api_router.include_router(overview.router)


@api_router.get("/health", tags=["overview"])
def get_health() -> dict[str, str]:
    """Liveness: the app answers."""
    return {"status": "ok"}
