"""Server-rendered pages: one Jinja2 environment over ``ressursbank/web/templates``.

The templates, the vendored htmx and the catalogues live in the ``web`` package as data; the page handlers are in
``api.pages`` because they need the same security dependencies as the REST routes (``api`` and ``web`` are sibling
layers and may not import each other).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup

from ressursbank.api.i18n import LANG_COOKIE, LANGUAGES, negotiate, translator

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
HTMX_FILE = "htmx-2.0.11.min.js"

_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=select_autoescape(["html", "xml", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


_WEEKDAYS = {
    "nb": ("man", "tir", "ons", "tor", "fre", "lør", "søn"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


@pass_context
def _fmt_date(ctx: Any, value: dt.date | dt.datetime | None, fmt: str = "%d.%m.%Y") -> str:
    """strftime with weekday names in the page's language (``%a``), not the C locale's."""
    if value is None:
        return ""
    if "%a" in fmt:
        names = _WEEKDAYS.get(str(ctx.get("lang", "nb")), _WEEKDAYS["nb"])
        fmt = fmt.replace("%a", names[value.weekday()])
    return value.strftime(fmt)


def _fmt_time(value: dt.datetime | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def _fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


_ENV.filters["date"] = _fmt_date
_ENV.filters["hhmm"] = _fmt_time
_ENV.filters["pct"] = _fmt_pct


#: The main menu: (path, label, permission needed).
NAV: tuple[tuple[str, str, str], ...] = (
    ("/", "Overview", "overview:read"),
    ("/units", "Units", "org:read"),
    ("/people", "People", "people:read"),
    ("/scenarios", "Scenarios", "scenario:write"),
    ("/plan", "Plan", "plan:read"),
    ("/offers", "Offers", "offers:send"),
    ("/approvals", "Loan approval", "offers:approve"),
    ("/whatif", "What-if", "scenario:write"),
    ("/me", "My page", "offers:answer"),
    ("/audit", "Audit log", "audit:read"),
)


def nav_for(user: Any) -> list[tuple[str, str, str]]:
    """Menu entries the user may open."""
    if user is None:
        return []
    from ressursbank.services.policy import can

    return [item for item in NAV if can(user, item[2])]


def csrf_token_for(request: Request) -> str:
    """The CSRF token the security layer expects in forms (empty when it does not use one)."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    try:
        from ressursbank.api import security
    except ImportError:
        return ""
    getter = getattr(security, "csrf_token", None)
    if getter is None:
        return ""
    return str(getter(request))


def render_fragment(template: str, lang: str, context: dict[str, Any]) -> Markup:
    """Render a part of a page that depends only on ``context`` and the language (never on the user, the request
    or the CSRF token), so the caller may keep the result, e.g. with its snapshot (:meth:`Snapshot.cached`)."""
    ctx: dict[str, Any] = {"lang": lang, "_": translator(lang), "weekday_names": _WEEKDAYS[lang], **context}
    return Markup(_ENV.get_template(template).render(ctx))


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the request's language, user and CSRF token."""
    lang = negotiate(request)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "languages": LANGUAGES,
        "_": translator(lang),
        "user": getattr(request.state, "user", None),
        "nav_items": nav_for(getattr(request.state, "user", None)),
        "csrf_token": csrf_token_for(request),
        "htmx_file": HTMX_FILE,
        "weekday_names": _WEEKDAYS[lang],
        "path": request.url.path,
        "is_htmx": request.headers.get("hx-request") == "true",
    }
    ctx.update(context or {})
    html = _ENV.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
