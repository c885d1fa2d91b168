"""Server-rendered pages (Jinja2 + htmx). Templates and static files live in ``ressursbank/web``."""

from __future__ import annotations

from fastapi import APIRouter

from ressursbank.api.pages import offers, org, plan, scenarios

router = APIRouter(include_in_schema=False)
for module in (org, scenarios, plan, offers):
    router.include_router(module.router)
