"""HTTP plumbing every service installs: a request-body size limit and outage answers.

An outage of the database must never look like success or like a client error: it is a
503 with ``Retry-After``, so callers retry and nothing half-done is acknowledged.
"""

from __future__ import annotations

import json
import logging

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.kafka.retry import is_infrastructure_error

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Answers 413 to a request whose body exceeds ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "body_too_large",
                    "message": f"request body over {self.max_bytes} bytes",
                    "fields": [],
                }
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def install_outage_handlers(app: FastAPI) -> None:
    """Map database and network outages to 503 + Retry-After; anything else stays a 500."""

    async def outage(request: Request, exc: Exception) -> JSONResponse:
        if not is_infrastructure_error(exc):
            log.exception("unexpected database error", exc_info=exc)
            return JSONResponse(
                {"error": {"code": "internal", "message": "internal error", "fields": []}},
                status_code=500,
            )
        log.warning("dependency unavailable: %s", type(exc).__name__)
        return JSONResponse(
            {
                "error": {
                    "code": "unavailable",
                    "message": "a dependency is unavailable; nothing was stored, retry later",
                    "fields": [],
                }
            },
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    for exc_class in (
        OSError,
        sa_exc.DBAPIError,
        asyncpg.exceptions.PostgresConnectionError,
        asyncpg.exceptions.InterfaceError,
    ):
        app.add_exception_handler(exc_class, outage)
