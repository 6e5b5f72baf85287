"""Example request bodies for scoring's OpenAPI document, keyed by (method, path)."""

from __future__ import annotations

from typing import Any

REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/rules"): {
        "a small rule set": {
            "version": "2026-12-enterprise",
            "weights": {"fit": 0.6, "intent": 0.4},
            "priority": {"hot": 70, "warm": 40},
            "grades": {"A": 80, "B": 60, "C": 40},
            "fit": [
                {
                    "field": "company.size",
                    "op": "gte",
                    "value": 1000,
                    "points": 40,
                    "reason": "Enterprise company (1,000+ employees)",
                },
                {
                    "field": "contact.job_title",
                    "op": "contains_any",
                    "value": ["vp", "head", "chief"],
                    "points": 30,
                    "reason": "Senior decision maker",
                },
            ],
            "intent": [
                {
                    "field": "interest.form_type",
                    "op": "eq",
                    "value": "demo_request",
                    "points": 50,
                    "reason": "Asked for a demo",
                }
            ],
        }
    },
}
