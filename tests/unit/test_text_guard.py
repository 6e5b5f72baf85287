"""Text PostgreSQL cannot store (NUL, lone surrogates) is refused by field, anywhere."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI, Request

from shared.text_guard import TextGuard, unstorable, unstorable_fields


def test_nul_and_lone_surrogates_are_unstorable() -> None:
    assert unstorable("a\x00b") and unstorable("\udaab") and not unstorable("Grüße 😀")


def test_fields_are_named_by_their_path() -> None:
    body = json.loads('{"name": "ok", "contact": {"email": "a\\u0000"}, "tags": ["x", "\\ud800"]}')
    assert list(unstorable_fields(body)) == ["contact.email", "tags.1"]


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(TextGuard)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


async def test_the_middleware_refuses_by_field_and_passes_the_rest() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        refused = await client.post(
            "/echo",
            content=b'{"channel": "q\\u0000"}',
            headers={"content-type": "application/json"},
        )
        assert refused.status_code == 422
        assert [f["field"] for f in refused.json()["error"]["fields"]] == ["channel"]
        form = await client.post("/echo", data={"email": "a\x00@b.io"})
        assert form.status_code == 422 and form.json()["error"]["fields"][0]["field"] == "email"
        query = await client.post("/echo?x=%00", json={})
        assert query.status_code == 422
        fine = await client.post("/echo", json={"name": "Grüße 😀"})
        assert fine.status_code == 200 and fine.json()["bytes"] > 10
