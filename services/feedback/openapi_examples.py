"""Example request bodies for feedback's OpenAPI document, keyed by (method, path)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.feedback.schemas import OutcomeIn

MODELS: tuple[type[BaseModel], ...] = (OutcomeIn,)
"""Schemas ``POST /v1/outcomes`` references by hand (it takes one outcome or a list)."""

_LEAD = "5b0f3e8e-6a3c-4d55-9a3e-2f1c7f2b9d10"

_OUTCOMES: dict[str, Any] = {
    "one outcome": {
        "outcome_id": "crm-opp-88213-won",
        "lead_id": _LEAD,
        "status": "won",
        "amount": "24000.00",
        "currency": "USD",
        "rep_id": "rep-ada",
        "occurred_at": "2026-04-11T16:20:00Z",
    },
    "a batch, all or nothing": [
        {"lead_id": _LEAD, "status": "contacted", "occurred_at": "2026-03-02T09:04:00Z"},
        {
            "lead_id": _LEAD,
            "status": "disqualified",
            "reason": "no_budget",
            "occurred_at": "2026-03-09T11:00:00Z",
        },
    ],
}

REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/outcomes"): _OUTCOMES,
    ("post", "/v1/webhooks/{source_id}/outcomes"): _OUTCOMES,
    ("post", "/v1/webhook-sources"): {"a CRM": {"id": "acme-crm", "description": "Acme CRM"}},
    ("post", "/v1/campaigns/{campaign_id}/spend"): {
        "a month of ads": {
            "amount": "8000.00",
            "currency": "USD",
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "kind": "marketing",
        }
    },
}
