"""What erasure keeps of a lead and what it removes, in stored leads and staged events."""

from __future__ import annotations

import json

from shared.erasure import ERASED_EMAIL, anonymise_event, anonymise_lead
from shared.events import Lead, LeadCapturedV1, new_event, utcnow

PERSON = {
    "contact": {
        "email": "grace@hopper-labs.com",
        "first_name": "Grace",
        "last_name": "Hopper",
        "phone": "+14155554567",
        "job_title": "VP Engineering",
    },
    "company": {"name": "Hopper Labs", "domain": "hopper-labs.com", "size": 450, "country": "US"},
    "interest": {"product": "GTX Pro", "message": "Call Grace on +14155554567"},
    "attribution": {
        "campaign_id": "spring",
        "channel": "paid_search",
        "landing_page": "https://x.io/?email=grace@hopper-labs.com",
    },
    "extra": {"favourite_colour": "blue"},
}


def _assert_no_person(text: str) -> None:
    for secret in ("grace@hopper-labs.com", "Grace", 'Hopper"', "4155554567", "blue"):
        assert secret not in text


def test_anonymised_lead_keeps_what_figures_need_and_is_still_a_lead() -> None:
    anonymous = anonymise_lead(PERSON)
    _assert_no_person(json.dumps(anonymous))
    lead = Lead.model_validate(anonymous)
    assert lead.contact.email == ERASED_EMAIL and lead.contact.job_title == "VP Engineering"
    assert lead.company.size == 450 and lead.attribution.campaign_id == "spring"
    assert lead.interest.product == "GTX Pro" and lead.extra == {}


def test_anonymised_event_keeps_envelope_and_non_personal_data() -> None:
    captured = LeadCapturedV1(
        lead_id="L1", captured_at=utcnow(), lead=Lead.model_validate(PERSON), form_id="f"
    )
    event = new_event(captured, subject="L1", source="test")
    anonymous = anonymise_event(event.to_bytes())
    _assert_no_person(anonymous.decode())
    parsed = json.loads(anonymous)
    assert parsed["id"] == str(event.id) and parsed["subject"] == "L1"
    assert parsed["data"]["form_id"] == "f" and parsed["data"]["lead_id"] == "L1"
    assert anonymise_event(anonymous) == anonymous
