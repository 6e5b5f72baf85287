"""One lead's whole journey through the four services, read back from Kafka and the APIs."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from shared.events import LeadRoutedV1, decode
from shared.events.topics import LEADS_ROUTED
from tests.conftest import Stack
from tests.e2e.conftest import Services
from tests.support import eventually, read_topic

pytestmark = pytest.mark.e2e

LEAD = {
    "contact": {"email": "Grace@Hopper-Labs.com", "first_name": "Grace", "job_title": "VP Eng"},
    "company": {"name": "Hopper Labs", "size": 450, "country": "us"},
    "interest": {"product": "GTX Pro", "form_type": "demo_request"},
    "attribution": {"channel": "paid_search", "source": "google", "campaign_id": "e2e-spring"},
    "behaviour": {"visits": 3, "pages_viewed": 7},
}


async def test_a_lead_is_captured_scored_routed_and_its_outcome_reaches_the_kpis(
    stack: Stack, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        started = time.perf_counter()
        response = await http.post(f"{services.urls['intake']}/v1/leads", json=LEAD)
        assert response.status_code == 202, response.text
        lead_id = response.json()["lead_id"]

        [record] = await read_topic(
            stack.bootstrap, LEADS_ROUTED, lambda r: r.key == lead_id.encode(), timeout=60
        )
        elapsed = time.perf_counter() - started
        routed = decode(record.value)
        assert isinstance(routed.data, LeadRoutedV1)
        pipeline = (routed.data.routed_at - routed.data.captured_at).total_seconds()
        with capsys.disabled():
            print(
                f"\n  POST /v1/leads -> leads.routed read by an independent consumer: "
                f"{elapsed:.3f}s (captured_at -> routed_at inside Handoff: {pipeline:.3f}s)"
            )
        assert isinstance(routed.data, LeadRoutedV1)
        assert routed.subject == lead_id
        assert routed.data.campaign_id == "e2e-spring"
        assert routed.data.rep_id is not None
        assert dict(record.headers)["team"] == routed.data.team.encode()

        score = (await http.get(f"{services.urls['scoring']}/v1/leads/{lead_id}/score")).json()
        assert score["score"] == routed.data.score
        assert any(r["factor"] == "Demo request form" for r in score["reasons"])
        assignment = await http.get(f"{services.urls['routing']}/v1/leads/{lead_id}/assignment")
        assert assignment.json()["rep_id"] == routed.data.rep_id

        outcome = {"lead_id": lead_id, "status": "won", "amount": "9000.00", "currency": "USD"}
        response = await http.post(f"{services.urls['feedback']}/v1/outcomes", json=outcome)
        assert response.status_code == 202, response.text

        async def campaign() -> dict[str, object] | None:
            kpis = await http.get(
                f"{services.urls['feedback']}/v1/kpis", params={"campaign_id": "e2e-spring"}
            )
            rows = kpis.json()["groups"]
            return rows[0] if rows and rows[0]["customers"] == 1 else None

        row = await eventually(campaign, timeout=30)
        assert {k: row[k] for k in ("key", "leads", "qualified", "customers")} == {
            "key": "e2e-spring",
            "leads": 1,
            "qualified": 1,
            "customers": 1,
        }
        assert row["conversion_rate_pct"] == 100.0
        assert row["revenue"] == "9000.00"


async def test_bad_input_gets_a_422_naming_each_field_and_changes_nothing(
    services: Services,
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        before = (await http.get(f"{services.urls['feedback']}/v1/kpis")).json()
        bad = {"contact": {"email": "not-an-email"}, "company": {"size": -3}, "score": 99}
        response = await http.post(f"{services.urls['intake']}/v1/leads", json=bad)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert {f["field"] for f in error["fields"]} == {"contact.email", "company.size", "score"}

        response = await http.post(
            f"{services.urls['feedback']}/v1/outcomes",
            json={"lead_id": "x", "status": "lost", "amount": "5", "currency": "USD"},
        )
        assert response.status_code == 422
        assert "amount is only reported with status 'won'" in response.text

        unknown = await http.get(f"{services.urls['routing']}/v1/leads/{uuid.uuid4()}/assignment")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"
        assert (await http.get(f"{services.urls['feedback']}/v1/kpis")).json() == before


async def test_an_outcome_sent_twice_counts_once(services: Services) -> None:
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        body = {"outcome_id": f"crm-{uuid.uuid4()}", "lead_id": "lead-x", "status": "contacted"}
        first = await http.post(f"{services.urls['feedback']}/v1/outcomes", json=body)
        second = await http.post(f"{services.urls['feedback']}/v1/outcomes", json=body)
        assert (first.status_code, first.json()["status"]) == (202, "accepted")
        assert (second.status_code, second.json()["status"]) == (200, "duplicate")


def test_every_service_exposes_health_and_metrics(services: Services) -> None:
    for name, url in services.urls.items():
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}, name  # no key needed
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["status"] == "ready", (name, ready)
        metrics = httpx.get(f"{url}/metrics").text
        assert "handoff_http_request_duration_seconds" in metrics, name
    assert (
        json.loads(httpx.get(f"{services.urls['scoring']}/readyz").text)["checks"]["consumer"]
        == "ok"
    )
