"""Example request bodies for routing's OpenAPI document, keyed by (method, path)."""

from __future__ import annotations

from typing import Any

_TEAM = {
    "id": "emea",
    "name": "EMEA",
    "region": "Europe",
    "manager_id": "mgr-ines",
    "sla_seconds": {"hot": 300, "warm": 14400},
    "nurture_priorities": ["cold"],
    "escalate_after_breaches": 2,
}
_REP = {
    "id": "rep-ada",
    "name": "Ada Lovelace",
    "team": "emea",
    "weight": 2,
    "capacity": 40,
    "timezone": "Europe/London",
    "working_hours": {"days": [0, 1, 2, 3, 4], "start": "08:30:00", "end": "17:30:00"},
    "out_of_office": [
        {"starts_at": "2026-08-03T00:00:00+00:00", "ends_at": "2026-08-17T00:00:00+00:00"}
    ],
    "manager_id": "mgr-ines",
}
_MANAGER = {"id": "mgr-ines", "name": "Ines Garcia", "team": "emea", "role": "manager"}
_RULES = {
    "rules": [
        {
            "id": "uk-enterprise",
            "description": "Large UK companies go to EMEA",
            "conditions": [
                {"field": "country", "op": "in", "value": ["GB", "IE"]},
                {"field": "company_size", "op": "gte", "value": 500},
            ],
            "team": "emea",
        },
        {
            "id": "partners",
            "conditions": [{"field": "channel", "op": "eq", "value": "partner"}],
            "rep": "rep-ada",
        },
    ],
    "default_team": "emea",
}

REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/assignments/{assignment_id}/accept"): {
        "the holder accepts": {"rep_id": "rep-ada"}
    },
    ("post", "/v1/assignments/{assignment_id}/decline"): {
        "the holder declines": {"rep_id": "rep-ada", "reason": "existing customer of a colleague"}
    },
    ("post", "/v1/simulate"): {
        "two leads under a draft rule set": {
            "leads": [
                {
                    "lead_id": "a",
                    "lead": {
                        "contact": {"email": "grace@hopper-labs.co.uk"},
                        "company": {"name": "Hopper Labs", "size": 900, "country": "GB"},
                    },
                    "priority": "hot",
                    "score": 88,
                    "grade": "A",
                },
                {
                    "lead_id": "b",
                    "lead": {"contact": {"email": "alan@bletchley.example"}},
                    "priority": "warm",
                },
            ],
            "rules": _RULES,
        }
    },
    ("post", "/v1/webhooks"): {
        "a CRM that wants hand-overs and breaches": {
            "url": "https://crm.example.com/hooks/handoff",
            "event_types": ["lead.routed.v1", "lead.sla_breached.v1"],
            "description": "Acme CRM",
        }
    },
    ("put", "/v1/teams/{team_id}"): {"a team": _TEAM},
    ("put", "/v1/reps/{rep_id}"): {"a rep": _REP},
    ("patch", "/v1/reps/{rep_id}"): {
        "away for a week": {
            "out_of_office": [
                {"starts_at": "2026-08-03T00:00:00+00:00", "ends_at": "2026-08-10T00:00:00+00:00"}
            ]
        },
        "half the share": {"weight": 1},
    },
    ("put", "/v1/accounts/{account_id}"): {
        "an owned account": {
            "id": "hopper-labs",
            "name": "Hopper Labs",
            "domain": "hopper-labs.com",
            "owner_rep_id": "rep-ada",
        }
    },
    ("post", "/v1/org"): {
        "a small org": {
            "teams": [_TEAM],
            "reps": [_MANAGER, _REP],
            "accounts": [{"id": "hopper-labs", "name": "Hopper Labs", "owner_rep_id": "rep-ada"}],
        }
    },
    ("put", "/v1/rules"): {"territory and partner rules": _RULES},
}
