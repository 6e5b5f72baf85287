"""Signed webhooks on the real stack: routing calls a CRM receiver on 127.0.0.1; a CRM's
signed outcomes reach feedback, and forged, stale or replayed calls are refused."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from shared.webhooks import SIGNATURE_HEADER, sign, verify
from tests.e2e.conftest import Services
from tests.support import eventually, free_port, serving

pytestmark = pytest.mark.e2e


@dataclass
class Receiver:
    """A CRM's webhook endpoint: records every call, answers ``status``."""

    status: int = 200
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks")
        async def hook(request: Request) -> Response:
            self.calls.append((dict(request.headers), await request.body()))
            return Response(status_code=self.status)

        return app


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    port = free_port()
    crm = Receiver()
    async with serving(crm.app(), port):
        yield crm, f"http://127.0.0.1:{port}/hooks"


async def _subscribe(http: httpx.AsyncClient, routing: str, url: str) -> dict[str, Any]:
    response = await http.post(
        f"{routing}/v1/webhooks", json={"url": url, "event_types": ["lead.routed.v1"]}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert created["secret"].startswith("whsec_")
    return created


async def _lead(http: httpx.AsyncClient, intake: str, tag: str) -> str:
    body = {"contact": {"email": f"hook-{tag}@bigco.com"}, "interest": {"form_type": "demo"}}
    response = await http.post(f"{intake}/v1/leads", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["lead_id"])


async def test_assignments_reach_a_subscribed_crm_signed(
    services: Services, receiver: tuple[Receiver, str]
) -> None:
    crm, url = receiver
    routing = services.urls["routing"]
    async with httpx.AsyncClient(timeout=20, headers=services.admin) as http:
        subscription = await _subscribe(http, routing, url)
        listed = (await http.get(f"{routing}/v1/webhooks")).json()
        mine = next(s for s in listed if s["id"] == subscription["id"])
        assert "secret" not in mine and mine["url"] == url
        lead_id = await _lead(http, services.urls["intake"], uuid.uuid4().hex[:8])

        def delivered() -> tuple[dict[str, str], bytes] | None:
            for headers, body in crm.calls:
                if json.loads(body)["subject"] == lead_id:
                    return headers, body
            return None

        async def arrived() -> tuple[dict[str, str], bytes] | None:
            return delivered()

        headers, body = await eventually(arrived, timeout=60, every=0.2)
        verified = verify(body, headers[SIGNATURE_HEADER.lower()], subscription["secret"])
        assert abs(verified.timestamp - time.time()) < 120
        event = json.loads(body)
        assert event["type"] == "lead.routed.v1" and event["data"]["lead_id"] == lead_id
        assert headers["handoff-event-type"] == "lead.routed.v1"
        deliveries = (
            await http.get(f"{routing}/v1/webhooks/{subscription['id']}/deliveries")
        ).json()
        done = next(d for d in deliveries if d["lead_id"] == lead_id)
        assert done["id"] == headers["handoff-delivery-id"]
        assert done["status"] == "delivered" and done["attempts"] == 1

        # Rotation: for the overlap, calls carry one signature by each secret.
        rotated = (await http.post(f"{routing}/v1/webhooks/{subscription['id']}/rotate")).json()
        assert rotated["secret"] != subscription["secret"] and rotated["rotating_until"]
        second = await _lead(http, services.urls["intake"], uuid.uuid4().hex[:8])

        async def second_arrived() -> tuple[dict[str, str], bytes] | None:
            for h, b in crm.calls:
                if json.loads(b)["subject"] == second:
                    return h, b
            return None

        h2, b2 = await eventually(second_arrived, timeout=60, every=0.2)
        verify(b2, h2[SIGNATURE_HEADER.lower()], subscription["secret"])
        verify(b2, h2[SIGNATURE_HEADER.lower()], rotated["secret"])
        gone = await http.delete(f"{routing}/v1/webhooks/{subscription['id']}")
        assert gone.status_code == 204
        assert (await http.get(f"{routing}/v1/webhooks/{subscription['id']}")).status_code == 404


async def test_a_failing_crm_is_retried_then_given_up_on(
    services: Services, receiver: tuple[Receiver, str]
) -> None:
    crm, url = receiver
    crm.status = 503
    routing = services.urls["routing"]
    async with httpx.AsyncClient(timeout=20, headers=services.admin) as http:
        subscription = await _subscribe(http, routing, url)
        lead_id = await _lead(http, services.urls["intake"], uuid.uuid4().hex[:8])

        async def failed() -> dict[str, Any] | None:
            response = await http.get(
                f"{routing}/v1/webhooks/{subscription['id']}/deliveries",
                params={"status": "failed"},
            )
            return next((d for d in response.json() if d["lead_id"] == lead_id), None)

        delivery = await eventually(failed, timeout=90, every=0.3)
        await http.delete(f"{routing}/v1/webhooks/{subscription['id']}")
        metrics = (await http.get(f"{routing}/metrics")).text
    # The e2e stack allows three attempts (ROUTING_WEBHOOK_MAX_ATTEMPTS).
    assert delivery["attempts"] == 3
    assert delivery["last_status_code"] == 503 and delivery["last_error"] == "HTTP 503"
    calls = [b for _, b in crm.calls if json.loads(b)["subject"] == lead_id]
    assert len(calls) == 3
    assert 'handoff_routing_webhook_deliveries_total{result="failed"}' in metrics


async def test_signed_outcomes_from_a_crm_and_what_is_refused(services: Services) -> None:
    feedback = services.urls["feedback"]
    source = f"crm-{uuid.uuid4().hex[:8]}"
    lead_id = f"hooked-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=20) as http:
        created = await http.post(
            f"{feedback}/v1/webhook-sources", json={"id": source}, headers=services.admin
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        listed = (await http.get(f"{feedback}/v1/webhook-sources", headers=services.admin)).json()
        assert all("secret" not in s for s in listed)
        url = f"{feedback}/v1/webhooks/{source}/outcomes"
        body = json.dumps({"lead_id": lead_id, "status": "contacted"}).encode()

        async def post(header: str | None, content: bytes = body) -> httpx.Response:
            headers = {"content-type": "application/json"}
            if header is not None:
                headers[SIGNATURE_HEADER] = header
            return await http.post(url, content=content, headers=headers)

        missing = await post(None)
        assert missing.status_code == 401 and "missing" in missing.json()["error"]["message"]
        forged = await post(sign(body, "whsec_not-the-secret"))
        assert forged.status_code == 401
        stale = await post(sign(body, secret, timestamp=int(time.time()) - 301))
        assert stale.status_code == 401 and "tolerance" in stale.json()["error"]["message"]
        altered = await post(sign(body, secret), content=body.replace(b"contacted", b"won"))
        assert altered.status_code == 401
        unknown_source = await http.post(
            f"{feedback}/v1/webhooks/nobody/outcomes",
            content=body,
            headers={SIGNATURE_HEADER: sign(body, secret)},
        )
        assert unknown_source.status_code == 401

        header = sign(body, secret)
        accepted = await post(header)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["status"] == "accepted"
        replayed = await post(header)
        assert replayed.status_code == 409 and "replay" in replayed.json()["error"]["message"]

        # A server-owned field is refused; a refused call's signature is not kept, so the
        # same call again is refused for its body, not as a replay.
        bad = json.dumps({"lead_id": lead_id, "status": "contacted", "score": 99}).encode()
        bad_header = sign(bad, secret)
        invalid = await post(bad_header, content=bad)
        assert invalid.status_code == 422
        assert [f["field"] for f in invalid.json()["error"]["fields"]] == ["score"]
        assert (await post(bad_header, content=bad)).status_code == 422

        rotated = await http.post(
            f"{feedback}/v1/webhook-sources/{source}/rotate", headers=services.admin
        )
        new_secret = rotated.json()["secret"]
        again = json.dumps(
            {"lead_id": lead_id, "status": "qualified", "outcome_id": f"{lead_id}-q"}
        ).encode()
        assert (await post(sign(again, secret), content=again)).status_code == 202  # overlap
        both = sign(again, [secret, new_secret])
        assert (await post(both, content=again)).status_code == 200  # same outcome_id again
        deleted = await http.delete(
            f"{feedback}/v1/webhook-sources/{source}", headers=services.admin
        )
        assert deleted.status_code == 204
        assert (await post(sign(again, new_secret), content=again)).status_code == 401
