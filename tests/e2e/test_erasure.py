"""Right to erasure on the real stack: after ``DELETE /v1/leads/{id}`` the person is nowhere —
not in any table of any service (outbox rows, kept events and webhook deliveries included),
not in any service's log — while the campaign's KPIs stay what they were."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Request, Response

from tests.e2e.conftest import SERVICES, Services
from tests.support import eventually, free_port, serving

pytestmark = pytest.mark.e2e


async def _database_text(database_url: str) -> dict[str, list[str]]:
    """Every row of every table of every schema, as text (bytea decoded), by table."""
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        assert {t["table_schema"] for t in tables} >= set(SERVICES)
        dump: dict[str, list[str]] = {}
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            rows = await conn.fetch(f"SELECT * FROM {name}")
            dump[name] = [
                " ".join(
                    v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                    for v in row.values()
                )
                for row in rows
            ]
        return dump
    finally:
        await conn.close()


def _found(dump: dict[str, list[str]], needles: list[str]) -> dict[str, set[str]]:
    """Which needles appear in which tables."""
    hits: dict[str, set[str]] = {}
    for table, rows in dump.items():
        for row in rows:
            for needle in needles:
                if needle.lower() in row.lower():
                    hits.setdefault(table, set()).add(needle)
    return hits


@pytest.fixture
async def crm() -> AsyncIterator[str]:
    """A webhook receiver that accepts everything, so deliveries hold the lead too."""
    app = FastAPI()

    @app.post("/hooks")
    async def hook(request: Request) -> Response:
        await request.body()
        return Response(status_code=204)

    port = free_port()
    async with serving(app, port):
        yield f"http://127.0.0.1:{port}/hooks"


def _totals(kpis: dict[str, Any]) -> dict[str, Any]:
    totals = kpis["totals"]
    keep = ("leads", "contacted", "qualified", "customers", "revenue", "leads_with_outcome")
    return {k: totals[k] for k in keep}


async def test_an_erased_lead_leaves_no_personal_data_and_kpis_stay(
    services: Services, crm: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    campaign = f"erase-{tag}"
    digits = f"{random.randrange(10**6):06d}"
    person = {
        "email": f"zephyrine.{tag}@quillfeather-labs.com",
        "first_name": "Zephyrine",
        "last_name": f"Quillfeather{tag}",
        "phone": f"+1 415 5{digits[:2]} {digits[2:]}",
        "job_title": "VP Engineering",
    }
    e164 = "+1415" + "5" + digits
    needles = [
        person["email"],
        person["first_name"],
        person["last_name"],
        person["phone"],
        e164,
        e164[2:],
    ]
    urls = services.urls
    async with httpx.AsyncClient(timeout=20, headers=services.admin) as http:
        hook = await http.post(
            f"{urls['routing']}/v1/webhooks",
            json={"url": crm, "event_types": ["lead.routed.v1", "lead.sla_breached.v1"]},
        )
        assert hook.status_code == 201
        leads: list[str] = []
        for i, contact in enumerate(
            [person, {"email": f"other-{tag}@bigco.com"}, {"email": f"third-{tag}@bigco.com"}]
        ):
            body = {
                "contact": contact,
                "company": {"size": 300, "country": "US"},
                "interest": {
                    "form_type": "demo_request",
                    "message": f"Please call {contact.get('first_name', 'me')} back",
                },
                "attribution": {
                    "campaign_id": campaign,
                    "landing_page": f"https://example.com/?email={contact['email']}",
                },
                "nickname": f"{contact.get('last_name', 'anon')}-{i}",
            }
            response = await http.post(
                f"{urls['intake']}/v1/leads", json=body, headers={"Idempotency-Key": f"{tag}{i}"}
            )
            assert response.status_code == 202, response.text
            leads.append(response.json()["lead_id"])
        target, other, third = leads

        async def all_routed() -> bool:
            for lead_id in leads:
                r = await http.get(f"{urls['routing']}/v1/leads/{lead_id}/assignment")
                if r.status_code != 200:
                    return False
            return True

        await eventually(all_routed, timeout=60, every=0.3)
        note = f"Spoke to {person['first_name']} {person['last_name']} on {person['phone']}"
        outcomes = [
            {"lead_id": target, "status": "contacted", "note": note},
            {"lead_id": target, "status": "won", "amount": "5000.00", "currency": "USD"},
            {"lead_id": other, "status": "won", "amount": "1000.00", "currency": "USD"},
            {"lead_id": third, "status": "lost", "reason": "no_budget"},
        ]
        posted = await http.post(f"{urls['feedback']}/v1/outcomes", json=outcomes)
        assert posted.status_code == 202, posted.text

        async def kpis() -> dict[str, Any]:
            r = await http.get(f"{urls['feedback']}/v1/kpis", params={"campaign_id": campaign})
            return dict(r.json())

        async def counted() -> dict[str, Any] | None:
            report = await kpis()
            return report if _totals(report)["customers"] == 2 else None

        before = _totals(await eventually(counted, timeout=60, every=0.3))
        assert before["leads"] == 3 and float(before["revenue"]) == 6000.0

        # The scan sees the person everywhere before erasure (it would catch a leftover).
        dump = await _database_text(services.stack.database_url)
        seen = _found(dump, needles)
        everywhere = set().union(*seen.values())
        assert {person["email"], person["first_name"], person["last_name"]} <= everywhere
        assert {person["phone"], e164} & everywhere
        for table in ("intake", "scoring", "routing"):
            assert any(t.startswith(f'"{table}".') for t in seen), (table, seen)
        assert '"routing"."webhook_delivery"' in seen
        assert any(t.startswith('"feedback".') for t in _found(dump, [person["last_name"]]))

        unknown = await http.delete(f"{urls['intake']}/v1/leads/{uuid.uuid4()}")
        assert unknown.status_code == 404
        erased = await http.delete(f"{urls['intake']}/v1/leads/{target}")
        assert erased.status_code == 200, erased.text
        assert erased.json()["lead_id"] == target
        again = await http.delete(f"{urls['intake']}/v1/leads/{target}")
        assert again.status_code == 200 and again.json() == erased.json()

        # Every service has handled lead.erased.v1 (its processed-event record says so).
        dsn = services.stack.database_url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            event_ids = await conn.fetch(
                "SELECT event_id FROM intake.outbox_message"
                " WHERE key = $1 AND topic = 'leads.erased'",
                target,
            )
            assert len(event_ids) == 1  # erasing twice published once

            async def handled_everywhere() -> bool:
                for schema in ("scoring", "routing", "feedback"):
                    found = await conn.fetchval(
                        f"SELECT count(*) FROM {schema}.processed_event WHERE event_id = $1",
                        event_ids[0]["event_id"],
                    )
                    if not found:
                        return False
                return True

            await eventually(handled_everywhere, timeout=60, every=0.3)
        finally:
            await conn.close()

        leftovers = _found(await _database_text(services.stack.database_url), needles)
        assert leftovers == {}, f"personal data left after erasure: {leftovers}"
        for name in SERVICES:
            log = services.log(name).read_text(errors="replace")
            for needle in needles:
                assert needle.lower() not in log.lower(), f"{needle} in the {name} log"
            # No e-mail address of any lead reaches a log unmasked.
            assert not re.search(r"[\w.+-]{2,}@(?:quillfeather-labs|bigco)\.com", log)

        # The other leads are untouched; the campaign's figures are what they were.
        kept = await http.get(f"{urls['routing']}/v1/leads/{other}/assignment")
        assert kept.status_code == 200
        assert _totals(await kpis()) == before
        assert (
            await http.get(f"{urls['routing']}/v1/leads/{target}/assignment")
        ).status_code == 200
        await http.delete(f"{urls['routing']}/v1/webhooks/{hook.json()['id']}")
