"""Errors as RFC 9457 ``application/problem+json``: every 4xx and 5xx the app sends has this shape.

Pages (requests that accept HTML but not JSON) get the same information as a small HTML page, so a person in a
browser reads a sentence rather than a JSON document.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ressursbank.exceptions import Conflict, DomainError, NotFound, PermissionDenied, RessursbankError

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """Raise anywhere to answer with a problem: ``status``, a short ``title`` and a precise ``detail``."""

    def __init__(
        self, status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}


def problem_body(status: int, detail: str, *, title: str | None = None, **extra: Any) -> dict[str, Any]:
    """The JSON body of a problem (``type`` is ``about:blank`` as the RFC allows when the status says it all)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return body


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    if request.headers.get("hx-request") == "true":
        return True
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem answer: JSON for API clients, a minimal HTML page for browsers."""
    body = problem_body(status, detail, title=title, **extra)
    if _wants_html(request):
        from html import escape

        errors = "".join(f"<li>{escape(str(e.get('msg', e)))}</li>" for e in extra.get("errors", []))
        html = (
            f'<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>{status} {escape(body["title"])}'
            '</title><meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="stylesheet" href="/static/app.css"></head><body><main id="main" class="container">'
            f"<h1>{status} {escape(body['title'])}</h1><p>{escape(detail)}</p>"
            f"{'<ul>' + errors + '</ul>' if errors else ''}"
            '<p><a href="/">Til oversikten / To the overview</a></p></main></body></html>'
        )
        return HTMLResponse(html, status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        out.append({"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error to a problem: HTTP errors, validation errors, domain errors and anything unexpected."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(request, exc.status, exc.detail, title=exc.title, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc.errors())
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"]) or "request"
        detail = f"{where}: {first['msg']}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
        return problem_response(request, 422, detail, title="Invalid request", errors=errors)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return problem_response(request, 404, str(exc) or "not found")

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> Response:
        return problem_response(request, 409, str(exc))

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return problem_response(request, 403, str(exc) or "not allowed for your role")

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return problem_response(request, 422, str(exc), title="Invalid data")

    @app.exception_handler(RessursbankError)
    async def _other(request: Request, exc: RessursbankError) -> Response:
        return problem_response(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "An unexpected error occurred; it has been logged.")
