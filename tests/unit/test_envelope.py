import json
import uuid

import pytest
from pydantic import ValidationError

from shared.events import (
    Envelope,
    EventDecodeError,
    LeadCapturedV1,
    LeadScoredV1,
    decode,
    new_event,
    utcnow,
)
from shared.events.models import example_lead


def captured(lead_id: str = "lead-1") -> Envelope[LeadCapturedV1]:
    data = LeadCapturedV1(lead_id=lead_id, captured_at=utcnow(), lead=example_lead())
    return new_event(data, subject=lead_id, source="/handoff/intake")


def test_envelope_uses_cloudevents_attribute_names() -> None:
    body = json.loads(captured().to_bytes())
    assert set(body) == {
        "specversion",
        "id",
        "type",
        "source",
        "time",
        "subject",
        "datacontenttype",
        "data",
    }
    assert body["specversion"] == "1.0"
    assert body["type"] == "lead.captured.v1"
    assert body["subject"] == "lead-1"
    assert body["time"].endswith("Z")


def test_round_trip_gives_the_typed_payload_back() -> None:
    event = captured()
    decoded = decode(event.to_bytes())
    assert decoded == event
    assert isinstance(decoded.data, LeadCapturedV1)
    assert decoded.topic == "leads.captured"


def test_each_event_gets_a_new_id_unless_one_is_given() -> None:
    assert captured().id != captured().id
    fixed = uuid.uuid4()
    data = LeadCapturedV1(lead_id="x", captured_at=utcnow(), lead=example_lead())
    assert new_event(data, subject="x", source="s", event_id=fixed).id == fixed


def test_envelope_is_frozen() -> None:
    event = captured()
    with pytest.raises(ValidationError):
        event.subject = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "message has no value"),
        (b"not json", "not an event envelope"),
        (b'{"type": "lead.captured.v1"}', "not an event envelope: data"),
        (b'{"type": "lead.teleported.v1", "data": {}}', "unknown event type 'lead.teleported.v1'"),
        (
            b'{"type": "lead.captured.v1", "source": "s", "subject": "x", "data": {}}',
            "invalid lead.captured.v1: data.lead_id: Field required",
        ),
    ],
)
def test_decode_says_why_a_message_is_not_an_event(raw: bytes | None, message: str) -> None:
    with pytest.raises(EventDecodeError, match=message):
        decode(raw)


def test_payload_of_the_wrong_shape_is_rejected_even_with_a_known_type() -> None:
    body = json.loads(captured().to_bytes())
    body["data"]["captured_at"] = "yesterday"
    with pytest.raises(EventDecodeError, match=r"data\.captured_at"):
        decode(json.dumps(body).encode())


def test_unknown_fields_are_ignored_so_adding_optional_fields_is_not_breaking() -> None:
    body = json.loads(captured().to_bytes())
    body["data"]["added_later"] = 1
    body["data"]["lead"]["contact"]["nickname"] = "ada"
    data = decode(json.dumps(body).encode()).data
    assert isinstance(data, LeadCapturedV1)
    assert data.lead_id == "lead-1"


def test_score_out_of_range_is_invalid() -> None:
    with pytest.raises(ValidationError, match="score"):
        LeadScoredV1(
            lead_id="x",
            captured_at=utcnow(),
            scored_at=utcnow(),
            score=101,
            fit=0,
            intent=0,
            grade="A",
            priority="hot",
            reasons=(),
            config_version="c",
            model_version="m",
            lead=example_lead(),
        )
