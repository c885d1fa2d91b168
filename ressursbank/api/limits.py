"""A body-size limit as pure ASGI middleware: oversized requests get a 413 problem before any parsing."""

from __future__ import annotations

import json
import os
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Largest request body accepted (bytes); imports of a whole municipality go through the CLI, not the web.
DEFAULT_MAX_BODY_BYTES = 1_048_576


def max_body_bytes_from_env() -> int:
    """``RESSURSBANK_MAX_BODY_BYTES`` or 1 MiB."""
    raw = os.environ.get("RESSURSBANK_MAX_BODY_BYTES", "")
    value = int(raw) if raw.strip().isdigit() else DEFAULT_MAX_BODY_BYTES
    return max(1024, value)


class _TooLarge(HTTPException):
    """Raised while streaming; an HTTPException so FastAPI's body parsing passes it on unchanged."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodySizeLimit:
    """Reject bodies larger than ``max_bytes`` with ``413 application/problem+json``.

    Checks the ``Content-Length`` header first, then counts streamed chunks (for chunked uploads without a length).
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await self._reject(send, 400, "Content-Length is not a number.")
                return
            if declared > self.max_bytes:
                await self._reject(send, 413, self._message(declared))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self._message(received))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge as exc:
            if not started:
                await self._reject(send, 413, str(exc.detail))

    def _message(self, size: int) -> str:
        return f"The request body ({size} bytes) is larger than the limit of {self.max_bytes} bytes."

    @staticmethod
    async def _reject(send: Send, status: int, detail: str) -> None:
        title = "Content Too Large" if status == 413 else "Bad Request"
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
