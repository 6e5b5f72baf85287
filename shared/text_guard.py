"""Refuses text PostgreSQL cannot store, before any endpoint sees it.

PostgreSQL's text and JSONB types hold no NUL character and no lone UTF-16 surrogate
(JSON's ``\\u0000`` and ``\\ud800`` escapes); storing either fails deep inside a transaction.
Every service stores what clients send, so the check is made once for all of them: a JSON or
form body, path or query string carrying such a character is a 422 naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def unstorable(text: str) -> bool:
    """True when PostgreSQL cannot store ``text``: a NUL or a lone surrogate."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def unstorable_fields(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths of every unstorable string in a parsed JSON value (keys included)."""
    if isinstance(value, str):
        if unstorable(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if unstorable(str(key)):
                yield where
            else:
                yield from unstorable_fields(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_fields(item, f"{path}.{index}" if path else str(index))


def _problems(scope: Scope, body: bytes) -> list[str]:
    fields: list[str] = []
    if unstorable(unquote(scope.get("path", ""))):
        fields.append("path")
    query = scope.get("query_string", b"").decode("latin-1")
    fields += [name for name, value in parse_qsl(query) if unstorable(name + value)]
    headers = dict(scope.get("headers", []))
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if body and content_type.endswith(b"json"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return fields  # not JSON: the endpoint answers that itself
        fields += list(unstorable_fields(parsed))
    elif body and content_type == b"application/x-www-form-urlencoded":
        text = body.decode("utf-8", "surrogateescape")
        fields += [n for n, v in parse_qsl(text, keep_blank_values=True) if unstorable(n + v)]
    return fields


class TextGuard:
    """ASGI middleware answering 422 to a request carrying text PostgreSQL cannot store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        more = scope.get("method") not in ("GET", "HEAD", "DELETE", "OPTIONS")
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        fields = _problems(scope, body)
        if fields:
            await _refuse(send, fields)
            return

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, fields: list[str]) -> None:
    message = "text with a NUL character or a lone surrogate cannot be stored"
    body = json.dumps(
        {
            "error": {
                "code": "invalid_input",
                "message": f"invalid input: {', '.join(fields)}",
                "fields": [{"field": f, "message": message} for f in fields],
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": body})
