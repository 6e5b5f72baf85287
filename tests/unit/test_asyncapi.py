"""The AsyncAPI document: generated from the code, committed, and valid AsyncAPI 3.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from shared.events import asyncapi, topics
from shared.events.catalogue import CATALOGUE, DLQ_HEADERS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "docs" / "asyncapi-schema" / "3.0.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_the_committed_document_is_what_the_code_generates() -> None:
    committed = (ROOT / "docs" / "asyncapi.json").read_text()
    assert committed == asyncapi.render(), "run: python -m shared.events.asyncapi"


def test_the_document_validates_against_the_official_asyncapi_3_schema(
    validator: jsonschema.Draft7Validator,
) -> None:
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(asyncapi.document())]
    assert errors == []


def test_the_official_schema_catches_a_broken_document(
    validator: jsonschema.Draft7Validator,
) -> None:
    broken: dict[str, Any] = json.loads(asyncapi.render())
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2 wording
    del broken["info"]["title"]
    paths = {e.json_path for e in validator.iter_errors(broken)}
    assert paths, "the schema accepted an invalid document"


def test_every_topic_and_dead_letter_topic_is_a_channel() -> None:
    addresses = {c["address"] for c in asyncapi.document()["channels"].values()}
    assert addresses == {t.name for t in topics.TOPICS}


def test_each_message_carries_its_key_headers_and_an_example_valid_against_its_payload() -> None:
    doc = asyncapi.document()
    messages = doc["components"]["messages"]
    for entry in CATALOGUE:
        for dead in (False, True):
            name = asyncapi._message_id(entry, dead=dead)
            message = messages[name]
            assert entry.key in message["bindings"]["kafka"]["key"]["description"]
            header_names = set(message["headers"]["properties"])
            assert {"ce_type", "ce_id"} <= header_names
            assert {h.name for h in entry.headers} <= header_names
            assert ({h.name for h in DLQ_HEADERS} <= header_names) is dead
            (example,) = message["examples"]
            assert example["payload"]["type"] == entry.event_type
            assert example["headers"]["ce_type"] == entry.event_type
            jsonschema.Draft7Validator(message["headers"]).validate(example["headers"])
            # Resolve the payload's $refs against the whole document.
            payload_schema = {**doc, "$ref": f"#/components/messages/{name}/payload"}
            jsonschema.Draft7Validator(payload_schema).validate(example["payload"])
            bad = {**example["payload"], "data": {}}
            assert not jsonschema.Draft7Validator(payload_schema).is_valid(bad)


def test_routed_leads_carry_the_team_header() -> None:
    routed = asyncapi.document()["components"]["messages"]["leadRoutedV1"]
    assert "team" in routed["headers"]["required"]
    example = routed["examples"][0]
    assert example["headers"]["team"] == example["payload"]["data"]["team"]


def test_operations_say_which_service_sends_and_receives_each_event() -> None:
    operations = asyncapi.document()["operations"]
    assert operations["routingSendLeadsRouted"]["action"] == "send"
    assert operations["feedbackReceiveLeadsRouted"]["action"] == "receive"
    assert operations["scoringReceiveLeadsCaptured"]["messages"] == [
        {"$ref": "#/channels/leadsCaptured/messages/leadCapturedV1"},
        {"$ref": "#/channels/leadsCaptured/messages/leadTouchedV1"},
    ]
    assert operations["feedbackSendSalesOutcomesDlq"]["action"] == "send"
    for op in operations.values():
        channel = op["channel"]["$ref"].removeprefix("#/channels/")
        for ref in op["messages"]:
            assert ref["$ref"].startswith(f"#/channels/{channel}/messages/")
