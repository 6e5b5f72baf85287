"""Intake in-process on the real broker and database: outages, rate limits, briefs, touches."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from services.intake.app import create_app
from services.intake.settings import Settings
from shared.events import CampaignBriefedV1, LeadTouchedV1, decode
from shared.events.topics import LEADS_CAPTURED, MARKETING_CAMPAIGNS
from tests.conftest import Stack
from tests.support import TcpProxy, free_port, intake_leads_with, read_topic, serving

pytestmark = pytest.mark.integration

ADMIN_KEY = "hk_it_" + secrets.token_urlsafe(32)
ORIGIN = "https://www.example.com"


@dataclass
class Intake:
    url: str
    proxy: TcpProxy
    database_url: str

    def client(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=20)

    async def leads_with(self, email: str) -> int:
        return await intake_leads_with(self.database_url, email)


@pytest.fixture(scope="module")
async def intake(stack: Stack) -> AsyncIterator[Intake]:
    """Intake reaching PostgreSQL through a proxy the test can cut."""
    pg_port = urlsplit(stack.database_url.replace("postgresql+asyncpg", "http")).port
    assert pg_port is not None
    proxy = TcpProxy(pg_port)
    await proxy.start()
    proxied = stack.database_url.replace(f":{pg_port}/", f":{proxy.port}/")
    port = free_port()
    settings = Settings.model_validate(
        {
            "DATABASE_URL": proxied,
            "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
            "HANDOFF_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "port": port,
            "rate_limit_per_ip_per_minute": 3,
            "consumer_enabled": False,
        }
    )
    try:
        async with serving(create_app(settings), port):
            yield Intake(f"http://127.0.0.1:{port}", proxy, stack.database_url)
    finally:
        await proxy.cut()


async def test_with_the_database_down_a_lead_gets_503_never_a_2xx(intake: Intake) -> None:
    email = f"outage-{uuid.uuid4().hex[:8]}@example.com"
    async with intake.client() as http:
        await intake.proxy.cut()
        try:
            response = await http.post("/v1/leads", json={"contact": {"email": email}})
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert response.json()["error"]["code"] == "unavailable"
        finally:
            await intake.proxy.start()
        assert await intake.leads_with(email) == 0
        again = await http.post("/v1/leads", json={"contact": {"email": email}})
        assert again.status_code == 202  # back as soon as the database is
    assert await intake.leads_with(email) == 1


async def test_the_same_address_again_is_a_touch_of_the_known_lead(
    stack: Stack, intake: Intake
) -> None:
    email = f"touch-{uuid.uuid4().hex[:8]}@example.com"
    async with intake.client() as http:
        first = (await http.post("/v1/leads", json={"contact": {"email": email}})).json()
        response = await http.post(
            "/v1/leads",
            json={"contact": {"email": email.upper()}, "interest": {"form_type": "pricing"}},
        )
    assert response.status_code == 200
    second = response.json()
    assert (second["lead_id"], second["status"], second["touches"]) == (
        first["lead_id"],
        "touched",
        2,
    )
    assert await intake.leads_with(email) == 1
    [record] = await read_topic(
        stack.bootstrap,
        LEADS_CAPTURED,
        lambda r: (
            r.key == first["lead_id"].encode()
            and dict(r.headers or ())["ce_type"] == b"lead.touched.v1"
        ),
    )
    touched = decode(record.value).data
    assert isinstance(touched, LeadTouchedV1)
    assert touched.touches == 2 and touched.lead.interest.form_type == "pricing"


async def test_concurrent_submissions_of_one_address_make_one_lead(intake: Intake) -> None:
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"
    async with intake.client() as http:
        answers = await asyncio.gather(
            *(http.post("/v1/leads", json={"contact": {"email": email}}) for _ in range(8))
        )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [202]
    assert len({a.json()["lead_id"] for a in answers}) == 1
    assert await intake.leads_with(email) == 1


async def test_a_campaign_brief_is_stored_and_published(stack: Stack, intake: Intake) -> None:
    campaign_id = f"brief-{uuid.uuid4().hex[:8]}"
    brief: dict[str, Any] = {
        "id": campaign_id,
        "name": "Spring webinar",
        "channel": "webinar",
        "offer": "Free audit",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "expected_leads": 400,
        "cost": "12000.00",
        "currency": "EUR",
    }
    async with intake.client() as http:
        created = await http.post("/v1/campaigns", json=brief)
        assert created.status_code == 201, created.text
        assert (await http.post("/v1/campaigns", json=brief)).status_code == 200
        changed = await http.post("/v1/campaigns", json=brief | {"expected_leads": 10})
        assert changed.status_code == 409
        backwards = await http.post(
            "/v1/campaigns", json=brief | {"id": campaign_id + "-x", "ends_on": "2026-02-01"}
        )
        assert backwards.status_code == 422
        assert "ends_on is before starts_on" in backwards.text
    records = await read_topic(
        stack.bootstrap,
        MARKETING_CAMPAIGNS,
        lambda r: r.key == campaign_id.encode(),
        settle=1.0,
    )
    assert len(records) == 1  # the repeat and the refused change published nothing
    event = decode(records[0].value).data
    assert isinstance(event, CampaignBriefedV1)
    assert (event.expected_leads, str(event.budget), event.currency) == (400, "12000.00", "EUR")


FORM = {
    "id": "rate-test",
    "name": "Rate test",
    "allowed_origins": [ORIGIN],
    "fields": [{"name": "email", "label": "E-mail", "lead_field": "contact.email"}],
    "thank_you_url": f"{ORIGIN}/thanks",
    "min_fill_seconds": 0,
}


async def test_a_public_form_is_rate_limited_per_ip_with_retry_after(intake: Intake) -> None:
    async with intake.client() as http:
        assert (await http.put("/v1/forms/rate-test", json=FORM)).status_code in (200, 201)
        token = (await http.get("/v1/forms/rate-test/token")).json()["token"]
    ip = f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    headers = {"Origin": ORIGIN, "Accept": "application/json", "X-Forwarded-For": ip}
    async with httpx.AsyncClient(base_url=intake.url, headers=headers, timeout=20) as browser:
        emails = [f"rate-{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(5)]
        answers = [
            await browser.post(
                "/v1/forms/rate-test/submissions", data={"email": e, "_handoff_token": token}
            )
            for e in emails
        ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429, 429]
    refused = answers[3]
    assert 1 <= int(refused.headers["retry-after"]) <= 61
    assert refused.json()["error"]["code"] == "rate_limited"
    assert [await intake.leads_with(e) for e in emails] == [1, 1, 1, 0, 0]
