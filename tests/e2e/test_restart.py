"""Leads accepted while a downstream service is stopped are routed once it is back."""

from __future__ import annotations

import signal

import httpx
import pytest

from shared.events.topics import LEADS_ROUTED
from tests.conftest import Stack
from tests.e2e.conftest import Services
from tests.support import read_topic

pytestmark = pytest.mark.e2e


async def test_a_service_stopped_with_sigterm_exits_cleanly_and_loses_nothing(
    stack: Stack, services: Services
) -> None:
    # uvicorn drains (consumer, outbox, connections), then re-raises SIGTERM to exit.
    assert services.stop("routing") in (0, -signal.SIGTERM)
    log = services.log("routing").read_text()
    assert "Application shutdown complete" in log

    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        lead_ids = []
        for i in range(5):
            body = {"contact": {"email": f"restart-{i}@example.org"}}
            response = await http.post(f"{services.urls['intake']}/v1/leads", json=body)
            assert response.status_code == 202
            lead_ids.append(response.json()["lead_id"])

    services.start("routing")
    services.wait_ready("routing")
    keys = {lead.encode() for lead in lead_ids}
    records = await read_topic(
        stack.bootstrap, LEADS_ROUTED, lambda r: r.key in keys, count=5, timeout=60, settle=1.0
    )
    assert sorted(r.key for r in records) == sorted(keys)  # each routed, none twice
