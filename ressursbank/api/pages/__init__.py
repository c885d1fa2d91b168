"""Server-rendered pages (Jinja2 + htmx). Templates and static files live in ``ressursbank/web``."""

from __future__ import annotations

from fastapi import APIRouter

from ressursbank.api.pages import org

router = APIRouter(include_in_schema=False)
router.include_router(org.router)
