"""Feedback on the real broker and database: both outcome paths, rules, spend, SLA, events."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.feedback.api import _OUTCOME_NAMESPACE
from shared.events import (
    CampaignBriefedV1,
    LeadSlaBreachedV1,
    OutcomeStatus,
    SalesOutcomeRecordedV1,
    decode,
    utcnow,
)
from shared.events.topics import MARKETING_LEAD_QUALITY, SALES_OUTCOMES, dlq_topic
from tests.integration.conftest import Feedback
from tests.support import eventually, read_topic, with_event_ids

pytestmark = pytest.mark.integration


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def campaign_row(http: httpx.AsyncClient, campaign_id: str) -> dict[str, Any]:
    rows = (await http.get("/v1/kpis", params={"campaign_id": campaign_id})).json()["groups"]
    return rows[0] if rows else {}


async def wait_for(http: httpx.AsyncClient, campaign_id: str, **expected: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        row = await campaign_row(http, campaign_id)
        return row if row and all(row[k] == v for k, v in expected.items()) else None

    return await eventually(probe, timeout=30)


async def test_rest_batch_transitions_spend_kpis_and_the_lead_quality_event(
    feedback: Feedback,
) -> None:
    campaign = new_id("it-spring")
    won_lead, junk_lead = new_id("lead"), new_id("lead")
    # Captured three days ago, so every outcome below lies in the past.
    t0 = utcnow() - timedelta(days=3)
    await feedback.route(won_lead, campaign, captured_at=t0)
    await feedback.route(junk_lead, campaign, captured_at=t0)
    async with feedback.client() as http:
        await wait_for(http, campaign, leads=2)
        batch = [
            {
                "lead_id": won_lead,
                "status": "accepted",
                "occurred_at": str(t0 + timedelta(minutes=2)),
            },
            {
                "lead_id": won_lead,
                "status": "contacted",
                "occurred_at": str(t0 + timedelta(minutes=4)),
            },
            {
                "lead_id": won_lead,
                "status": "qualified",
                "occurred_at": str(t0 + timedelta(hours=1)),
            },
            {
                "outcome_id": f"crm-{won_lead}",
                "lead_id": won_lead,
                "status": "won",
                "amount": "25000.00",
                "currency": "USD",
                "occurred_at": str(t0 + timedelta(days=2)),
            },
            {
                "lead_id": junk_lead,
                "status": "contacted",
                "occurred_at": str(t0 + timedelta(minutes=9)),
            },
            {
                "lead_id": junk_lead,
                "status": "disqualified",
                "reason": "Bad fit",
                "occurred_at": str(t0 + timedelta(minutes=20)),
            },
        ]
        response = await http.post("/v1/outcomes", json=batch)
        assert response.status_code == 202, response.text
        assert [o["status"] for o in response.json()["outcomes"]] == ["accepted"] * 6

        # The same won outcome again counts once.
        again = await http.post("/v1/outcomes", json=batch[3])
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")

        before = await campaign_row(http, campaign)
        # Won after disqualified: refused, naming the item, nothing of the batch stored.
        refused = await http.post(
            "/v1/outcomes",
            json=[
                {
                    "lead_id": won_lead,
                    "status": "contacted",
                    "occurred_at": str(t0 + timedelta(minutes=10)),
                },
                {"lead_id": junk_lead, "status": "won", "amount": "5", "currency": "USD"},
            ],
        )
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "conflict"
        assert [f["field"] for f in error["fields"]] == ["1.status"]
        assert "follows 'disqualified'" in error["fields"][0]["message"]
        bad = await http.post(
            "/v1/outcomes",
            json=[
                {"lead_id": won_lead, "status": "contacted"},
                {"lead_id": junk_lead, "status": "lost"},
                {"lead_id": junk_lead, "status": "sold"},
            ],
        )
        assert bad.status_code == 422
        assert {f["field"] for f in bad.json()["error"]["fields"]} == {"1.reason", "2.status"}
        assert await campaign_row(http, campaign) == before

        # An explicit re-open is accepted.
        reopened = await http.post(
            "/v1/outcomes",
            json={
                "lead_id": junk_lead,
                "status": "qualified",
                "reopens": True,
                "occurred_at": str(t0 + timedelta(days=1)),
            },
        )
        assert reopened.status_code == 202, reopened.text

        spend = {
            "amount": "10000.00",
            "currency": "USD",
            "period_start": str(t0.date() - timedelta(days=10)),
            "period_end": str(t0.date() + timedelta(days=20)),
        }
        created = await http.post(f"/v1/campaigns/{campaign}/spend", json=spend)
        assert created.status_code == 201, created.text
        replaced = await http.post(f"/v1/campaigns/{campaign}/spend", json=spend)
        assert (replaced.status_code, replaced.json()["status"]) == (200, "replaced")

        row = await wait_for(http, campaign, qualified=2)
        assert row["leads"] == 2 and row["customers"] == 1
        assert row["conversion_rate_pct"] == 50.0
        assert row["cost_per_qualified_lead"] == "5000.00"
        assert row["cac"] == "10000.00"
        assert row["roi_pct"] == 150.0
        assert row["revenue"] == "25000.00"
        assert row["speed_to_lead_p50_seconds"] == 390.0  # 4 and 9 minutes after capture
        assert row["campaign_to_close_p50_seconds"] == 2 * 86400.0
        assert row["disqualification_reasons"] == {}  # re-opened, so no longer disqualified
        assert row["feedback_coverage_pct"] == 100.0

        csv = (await http.get("/v1/kpis.csv", params={"campaign_id": campaign})).text
        assert campaign in csv and "cac_usd" in csv.splitlines()[0]

        # Published on sales.outcomes under an id derived from the outcome id (scoring reads it).
        event_id = str(uuid.uuid5(_OUTCOME_NAMESPACE, f"crm-{won_lead}"))
        [record] = await read_topic(
            feedback.settings.kafka_bootstrap_servers, SALES_OUTCOMES, with_event_ids({event_id})
        )
        assert json.loads(record.value)["data"]["amount"] == "25000.00"

        # marketing.lead_quality carries the same figures once they settle.
        def settled(r: Any) -> bool:
            if r.key != campaign.encode():
                return False
            data = json.loads(r.value)["data"]
            return bool(data["qualified"] == 2 and data["spend"] is not None)

        records = await read_topic(
            feedback.settings.kafka_bootstrap_servers, MARKETING_LEAD_QUALITY, settled, timeout=30
        )
        data = decode(records[-1].value).data
        assert data.model_dump(mode="json")["cac"] == "10000.00"
        assert (data.customers, data.roi_pct, data.currency) == (1, 150.0, "USD")  # type: ignore[attr-defined]


async def test_outcomes_from_kafka_count_once_in_occurred_order_and_bad_ones_go_to_the_dlq(
    feedback: Feedback,
) -> None:
    campaign, lead_id = new_id("it-kafka"), new_id("lead")
    routed = await feedback.route(lead_id, campaign)
    t0 = routed.captured_at

    def outcome(oid: str, status: OutcomeStatus, minutes: int, **kw: Any) -> SalesOutcomeRecordedV1:
        return SalesOutcomeRecordedV1(
            outcome_id=oid,
            lead_id=lead_id,
            status=status,
            occurred_at=t0 + timedelta(minutes=minutes),
            **kw,
        )

    won = outcome(new_id("o"), OutcomeStatus.WON, 60, amount="900", currency="EUR")
    late_contact = outcome(new_id("o"), OutcomeStatus.CONTACTED, 5)
    for data in (won, late_contact, late_contact):  # the contact is sent twice
        await feedback.publish(data, lead_id)
    async with feedback.client() as http:
        # The win alone already counts as contact; wait for the earlier, late-arriving contact.
        row = await wait_for(
            http, campaign, customers=1, contacted=1, speed_to_lead_p50_seconds=300.0
        )
        assert row["revenue"] == "990.00"  # EUR at the configured 1.10
        assert row["leads_with_outcome"] == 1

        disqualified = outcome(new_id("o"), OutcomeStatus.DISQUALIFIED, 30, reason="spam")
        await feedback.publish(disqualified, lead_id)

        def dead(r: Any) -> bool:
            return bool(json.loads(r.value)["data"]["outcome_id"] == disqualified.outcome_id)

        [record] = await read_topic(
            feedback.settings.kafka_bootstrap_servers, dlq_topic(SALES_OUTCOMES), dead, timeout=30
        )
        error = dict(record.headers)["dlq.error"].decode()
        assert "InvalidInput" in error and "follows 'disqualified'" in error
        assert (await campaign_row(http, campaign))["customers"] == 1


async def test_sla_breaches_follow_up_and_nudges_are_kept_apart_from_lead_quality(
    feedback: Feedback,
) -> None:
    campaign = new_id("it-sla")
    quick, slow, cold = new_id("lead"), new_id("lead"), new_id("lead")
    now = utcnow()
    await feedback.route(quick, campaign, captured_at=now - timedelta(minutes=30))
    slow_routed = await feedback.route(slow, campaign, captured_at=now - timedelta(minutes=30))
    await feedback.route(cold, campaign, captured_at=now - timedelta(hours=3), rep_id="rep-bo")
    await feedback.publish(
        CampaignBriefedV1(campaign_id=campaign, name="Spring webinar", expected_leads=40), campaign
    )
    await feedback.publish(
        LeadSlaBreachedV1(
            lead_id=slow,
            assignment_id=f"as-{slow}",
            team="emea",
            rep_id="rep-ann",
            due_at=slow_routed.sla_due_at,
            breached_at=slow_routed.sla_due_at,
            attempt=1,
        ),
        slow,
    )
    t_quick, t_slow = now - timedelta(minutes=28), now - timedelta(minutes=20)
    async with feedback.client() as http:
        await wait_for(http, campaign, leads=3, sla_breached_leads=1)
        response = await http.post(
            "/v1/outcomes",
            json=[
                {"lead_id": quick, "status": "accepted", "occurred_at": t_quick.isoformat()},
                {"lead_id": slow, "status": "accepted", "occurred_at": t_slow.isoformat()},
                {
                    "lead_id": slow,
                    "status": "lost",
                    "reason": "went with a competitor",
                    "occurred_at": (t_slow + timedelta(minutes=5)).isoformat(),
                },
            ],
        )
        assert response.status_code == 202, response.text
        row = await wait_for(http, campaign, leads_with_outcome=2, name="Spring webinar")
        assert (row["hot_leads_routed"], row["hot_leads_accepted_within_sla"]) == (3, 1)
        assert row["sla_compliance_pct"] == 33.33
        assert row["lost_after_sla_breach"] == 1
        assert row["never_contacted"] == 1  # the 3-hour-old lead nobody touched
        assert row["worked_leads"] == 1

        nudges = (await http.get("/v1/nudges")).json()
        reps = {(r["rep_id"], lead["lead_id"]) for r in nudges["reps"] for lead in r["leads"]}
        assert ("rep-bo", cold) in reps
        assert all(lead_id not in {quick, slow} for _, lead_id in reps)

        metrics = (await http.get("/metrics")).text
        assert 'handoff_feedback_outcomes_total{path="api",status="lost"}' in metrics
        assert "handoff_feedback_awaiting_outcome_leads" in metrics


async def test_bad_spend_and_kpi_queries_get_a_4xx_naming_the_field(feedback: Feedback) -> None:
    campaign, lead_id = new_id("it-spend"), new_id("lead")
    await feedback.route(lead_id, campaign)
    good = {
        "amount": "100.00",
        "currency": "USD",
        "period_start": "2025-03-01",
        "period_end": "2025-03-31",
    }
    async with feedback.client() as http:
        await wait_for(http, campaign, leads=1)
        cases = [
            ({**good, "period_end": "2025-02-01"}, "period_end"),
            ({**good, "currency": "JPY"}, "currency"),
            ({**good, "amount": "-5"}, "amount"),
            ({**good, "kind": "travel"}, "kind"),
        ]
        for body, field in cases:
            response = await http.post(f"/v1/campaigns/{campaign}/spend", json=body)
            assert response.status_code == 422, response.text
            assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
        unknown = await http.post(f"/v1/campaigns/{new_id('nope')}/spend", json=good)
        assert unknown.status_code == 404
        row = await campaign_row(http, campaign)
        assert row["spend"] == "0.00" and row["cac"] is None and row["roi_pct"] is None
        csv = (await http.get("/v1/kpis.csv", params={"campaign_id": campaign})).text
        assert "—" in csv.splitlines()[1]

        period = await http.get("/v1/kpis", params={"start": "2025-03-10", "end": "2025-03-01"})
        assert period.status_code == 422
        assert period.json()["error"]["fields"][0]["field"] == "end"
        marketing_only = await http.get("/v1/nudges", headers={"Authorization": "Bearer nope"})
        assert marketing_only.status_code == 401
