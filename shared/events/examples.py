"""One realistic example of every event, validated against its model, for the documentation.

The AsyncAPI document shows these as message examples; a test builds each through its model,
so an example that no longer fits its event fails the suite instead of misleading a reader.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.events.envelope import Envelope, EventData, new_event, registry

_LEAD: dict[str, Any] = {
    "contact": {
        "email": "grace@hopper-labs.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "job_title": "VP Engineering",
    },
    "company": {
        "name": "Hopper Labs",
        "domain": "hopper-labs.com",
        "size": 450,
        "industry": "software",
        "country": "US",
    },
    "interest": {"product": "GTX Pro", "form_type": "demo_request"},
    "attribution": {"channel": "paid_search", "source": "google", "campaign_id": "spring-launch"},
    "behaviour": {"visits": 4, "pages_viewed": 11.0, "time_on_site_seconds": 640},
    "consent": {"marketing_email": True, "phone_contact": False},
    "extra": {},
}
_LEAD_ID = "5b0f3e8e-6a3c-4d55-9a3e-2f1c7f2b9d10"
_ASSIGNMENT_ID = "c8a1f6d2-94b3-4a7e-8f0e-3d2b1a6c5e47"
_CAPTURED = "2026-03-02T09:00:00Z"
_REASONS = [
    {"factor": "job title: VP", "points": 18.0},
    {"factor": "form: demo request", "points": 25.0},
]

PAYLOADS: dict[str, dict[str, Any]] = {
    "lead.captured.v1": {
        "lead_id": _LEAD_ID,
        "captured_at": _CAPTURED,
        "lead": _LEAD,
        "form_id": "demo-form",
    },
    "lead.touched.v1": {
        "lead_id": _LEAD_ID,
        "touched_at": "2026-03-04T14:30:00Z",
        "touches": 2,
        "lead": _LEAD,
        "form_id": "pricing-form",
    },
    "lead.scored.v1": {
        "lead_id": _LEAD_ID,
        "captured_at": _CAPTURED,
        "scored_at": "2026-03-02T09:00:00.180Z",
        "score": 87,
        "fit": 82,
        "intent": 92,
        "grade": "A",
        "priority": "hot",
        "reasons": _REASONS,
        "config_version": "rules-3",
        "model_version": "model-20260301-0412",
        "lead": _LEAD,
    },
    "lead.routed.v1": {
        "lead_id": _LEAD_ID,
        "assignment_id": _ASSIGNMENT_ID,
        "captured_at": _CAPTURED,
        "routed_at": "2026-03-02T09:00:00.350Z",
        "team": "na-enterprise",
        "rep_id": "rep-ada",
        "rep_name": "Ada Lovelace",
        "rule": "enterprise-na",
        "reason": "rule enterprise-na: weighted round robin in na-enterprise",
        "priority": "hot",
        "score": 87,
        "sla_due_at": "2026-03-02T09:05:00.350Z",
        "attempt": 1,
        "campaign_id": "spring-launch",
        "channel": "paid_search",
        "source": "google",
        "status": "open",
        "rule_version": 7,
        "lead": _LEAD,
        "grade": "A",
        "reasons": _REASONS,
        "campaign_name": "Spring launch",
        "campaign_offer": "Free pilot for 30 days",
    },
    "lead.sla_breached.v1": {
        "lead_id": _LEAD_ID,
        "assignment_id": _ASSIGNMENT_ID,
        "team": "na-enterprise",
        "rep_id": "rep-ada",
        "due_at": "2026-03-02T09:05:00.350Z",
        "breached_at": "2026-03-02T09:05:00.900Z",
        "attempt": 1,
    },
    "lead.reassigned.v1": {
        "lead_id": _LEAD_ID,
        "team": "na-enterprise",
        "from_rep_id": "rep-ada",
        "to_rep_id": "rep-linus",
        "reason": "sla_breached",
        "attempt": 2,
    },
    "lead.escalated.v1": {
        "lead_id": _LEAD_ID,
        "team": "na-enterprise",
        "manager_id": "mgr-grace",
        "breaches": 2,
    },
    "sales.outcome_recorded.v1": {
        "outcome_id": "crm-opp-88213-won",
        "lead_id": _LEAD_ID,
        "status": "won",
        "occurred_at": "2026-04-11T16:20:00Z",
        "rep_id": "rep-ada",
        "amount": "24000.00",
        "currency": "USD",
        "note": "annual plan",
        "reopens": False,
    },
    "campaign.briefed.v1": {
        "campaign_id": "spring-launch",
        "name": "Spring launch",
        "offer": "Free pilot for 30 days",
        "channel": "paid_search",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "expected_leads": 1200,
        "budget": "30000.00",
        "currency": "USD",
    },
    "campaign.capacity_warned.v1": {
        "campaign_id": "spring-launch",
        "team": "na-enterprise",
        "expected_hot_leads": 420,
        "capacity": 260,
        "message": "na-enterprise can accept about 260 hot leads within the SLA; 420 expected",
    },
    "lead_quality.updated.v1": {
        "campaign_id": "spring-launch",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "leads": 1000,
        "qualified": 180,
        "customers": 100,
        "conversion_rate_pct": 10.0,
        "spend": "100000.00",
        "revenue": "250000.00",
        "cost_per_qualified_lead": "555.56",
        "cac": "1000.00",
        "roi_pct": 150.0,
        "computed_at": "2026-04-01T00:05:00Z",
        "currency": "USD",
        "contacted": 870,
        "speed_to_lead_p50_seconds": 240.0,
        "speed_to_lead_p90_seconds": 1800.0,
        "sla_compliance_pct": 91.5,
        "campaign_to_close_p50_seconds": 2592000.0,
        "feedback_coverage_pct": 96.0,
        "disqualification_reasons": {"bad_fit": 40, "no_budget": 25},
        "lost_after_sla_breach": 6,
        "never_contacted": 12,
        "worked_conversion_rate_pct": 10.2,
    },
    "lead.erased.v1": {
        "lead_id": _LEAD_ID,
        "erased_at": "2026-05-01T10:00:00Z",
        "requested_by": "privacy@hopper-labs.com",
    },
    "api_key.issued.v1": {
        "key_id": "k_7f3a9c",
        "name": "crm-sync",
        "scopes": ["sales"],
        "key_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "issued_at": "2026-02-20T08:00:00Z",
    },
    "api_key.revoked.v1": {"key_id": "k_7f3a9c", "revoked_at": "2026-06-01T08:00:00Z"},
}
"""An example payload per event type."""

_SUBJECT_FIELD = {"lead id": "lead_id", "campaign id": "campaign_id", "key id": "key_id"}


def example_envelope(event_type: str, *, key: str, producer: str) -> Envelope[EventData]:
    """The example of ``event_type`` in its envelope, with a stable id and time."""
    model = registry()[event_type]
    data = model.model_validate(PAYLOADS[event_type])
    subject = str(PAYLOADS[event_type][_SUBJECT_FIELD[key]])
    envelope = new_event(
        data,
        subject=subject,
        source=f"/handoff/{producer}",
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"handoff:example:{event_type}"),
    )
    stamped: Envelope[EventData] = envelope.model_copy(
        update={"time": datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)}
    )
    return stamped
