"""Example request bodies for intake's OpenAPI document, keyed by (method, path)."""

from __future__ import annotations

from typing import Any

REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/leads"): {
        "demo request": {
            "contact": {
                "email": "Grace@Hopper-Labs.com",
                "first_name": "Grace",
                "job_title": "VP Engineering",
            },
            "company": {"name": "Hopper Labs", "size": 450, "country": "United States"},
            "interest": {"form_type": "demo_request", "product": "GTX Pro"},
            "attribution": {"channel": "paid_search", "source": "google", "campaign_id": "spring"},
            "behaviour": {"visits": 4, "pages_viewed": 11, "time_on_site_seconds": 640},
        }
    },
    ("post", "/v1/campaigns"): {
        "a webinar": {
            "id": "spring-webinar",
            "name": "Spring webinar: routing in minutes",
            "channel": "webinar",
            "offer": "Free 30-day pilot",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "expected_leads": 400,
            "cost": "12000.00",
            "currency": "USD",
        }
    },
    ("put", "/v1/forms/{form_id}"): {
        "a demo form": {
            "id": "spring-demo",
            "name": "Spring demo request",
            "allowed_origins": ["https://www.example.com"],
            "fields": [
                {
                    "name": "email",
                    "label": "Work e-mail",
                    "lead_field": "contact.email",
                    "type": "email",
                    "required": True,
                },
                {"name": "company", "label": "Company", "lead_field": "company.name"},
                {"name": "team_size", "label": "How many sellers?", "type": "number"},
            ],
            "form_type": "demo_request",
            "campaign_id": "spring-webinar",
            "channel": "organic",
            "thank_you_url": "https://www.example.com/thanks",
        }
    },
    ("post", "/v1/api-keys"): {"a webinar tool": {"name": "webinar-tool", "scopes": ["ingest"]}},
}
