"""The AsyncAPI 3.0 document of every Handoff topic, generated from the event models.

Payload schemas come from the pydantic models, keys and headers and who sends or receives
what from ``shared.events.catalogue``; nothing is written by hand. ``python -m
shared.events.asyncapi`` writes ``docs/asyncapi.json`` (a test checks the committed file is
what the code generates); every service serves the same document at ``/asyncapi.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.events import topics
from shared.events.catalogue import (
    CATALOGUE,
    COMMON_HEADERS,
    DLQ_HEADERS,
    SERVICES,
    EventSpec,
    Header,
)
from shared.events.envelope import Envelope, EventData
from shared.events.examples import example_envelope
from shared.events.replays import DlqReplayRecord

DOCUMENT_VERSION = "1.0.0"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"
KAFKA_BINDING_VERSION = "0.5.0"
_SCHEMA_REF = "#/components/schemas/{model}"
_ENVELOPE = "CloudEventsEnvelope"


def _camel(name: str) -> str:
    """``leads.sla_breached.dlq`` → ``leadsSlaBreachedDlq`` (AsyncAPI ids allow no dots)."""
    parts = name.replace(".", "_").split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _message_id(e: EventSpec, *, dead: bool = False) -> str:
    return _camel(e.event_type) + ("DeadLetter" if dead else "")


def _channel_id(topic: str) -> str:
    return _camel(topic)


def _schemas() -> dict[str, Any]:
    """Every payload model and the envelope, as JSON Schema under components/schemas."""
    models: list[tuple[type[Any], Any]] = [(e.model, "validation") for e in CATALOGUE]
    models.append((Envelope[EventData], "validation"))
    _, top = models_json_schema(models, ref_template=_SCHEMA_REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    envelope_name = next(k for k in schemas if k.startswith("Envelope"))
    envelope = schemas.pop(envelope_name)
    envelope["title"] = "CloudEvents 1.0 envelope"
    envelope["description"] = (
        "Every event travels in this envelope (JSON, CloudEvents attribute names); "
        "`subject` is the Kafka key, `id` makes handling idempotent."
    )
    envelope["properties"]["data"] = {"type": "object", "description": "the event's payload"}
    schemas.pop("EventData", None)
    schemas[_ENVELOPE] = envelope
    return dict(sorted(schemas.items()))


def _headers_schema(headers: Sequence[Header], event_type: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for h in headers:
        prop: dict[str, Any] = {"type": "string", "description": h.description}
        if h.name == "ce_type":
            prop["const"] = event_type
        properties[h.name] = prop
    return {"type": "object", "properties": properties, "required": [h.name for h in headers]}


def _message(e: EventSpec, *, dead: bool) -> dict[str, Any]:
    headers = (*COMMON_HEADERS, *e.headers, *(DLQ_HEADERS if dead else ()))
    example = example_envelope(e.event_type, key=e.key, producer=e.producers[0])
    example_headers = {h.name: h.example for h in headers}
    example_headers |= {"ce_type": e.event_type, "ce_id": str(example.id)}
    if dead:
        example_headers["dlq.original.topic"] = e.topic
    summary = (e.model.__doc__ or "").strip().splitlines()[0]
    message: dict[str, Any] = {
        "name": e.event_type,
        "title": e.event_type + (" (dead letter)" if dead else ""),
        "summary": summary,
        "contentType": "application/json",
        "headers": _headers_schema(headers, e.event_type),
        "payload": {
            "allOf": [
                {"$ref": f"#/components/schemas/{_ENVELOPE}"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "const": e.event_type},
                        "data": {"$ref": _SCHEMA_REF.format(model=e.model.__name__)},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"the {e.key} (also the `subject`)"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {
                "name": _message_id(e, dead=dead) + "Example",
                "headers": example_headers,
                "payload": example.model_dump(mode="json"),
            }
        ],
    }
    if dead:
        message["description"] = (
            f"A `{e.event_type}` its consumer could not handle after retries, unchanged, "
            "with its original headers and the `dlq.*` headers saying why."
        )
    elif e.note:
        message["description"] = e.note[:1].upper() + e.note[1:] + "."
    return message


def _parties(e: EventSpec) -> str:
    producers = ", ".join((*e.producers, *e.external_producers))
    consumers = ", ".join((*e.consumers, *e.external_consumers)) or "nobody inside Handoff"
    return f"`{e.event_type}` from {producers} to {consumers}"


def _channels() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for spec_ in topics.TOPICS:
        dead = spec_.name.endswith(topics.DLQ_SUFFIX)
        main = spec_.name.removesuffix(topics.DLQ_SUFFIX)
        events = [e for e in CATALOGUE if e.topic == main]
        if not events:
            continue
        if dead:
            description = f"Dead letters of `{main}`: messages no consumer could handle."
        else:
            description = "; ".join(_parties(e) for e in events) + "."
        topic_binding: dict[str, Any] = {
            "partitions": spec_.partitions,
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
        if spec_.retention_ms is not None:
            topic_binding["topicConfiguration"] = {"retention.ms": spec_.retention_ms}
        channels[_channel_id(spec_.name)] = {
            "address": spec_.name,
            "title": spec_.name,
            "description": description,
            "messages": {
                _message_id(e, dead=dead): {
                    "$ref": f"#/components/messages/{_message_id(e, dead=dead)}"
                }
                for e in events
            },
            "bindings": {"kafka": topic_binding},
        }
    return channels


def _operation(
    service: str, action: str, topic: str, events: Sequence[EventSpec], *, dead: bool
) -> tuple[str, dict[str, Any]]:
    channel = _channel_id(topic)
    verb = "sends" if action == "send" else "receives"
    op_id = f"{service}{action.capitalize()}{channel[:1].upper()}{channel[1:]}"
    names = ", ".join(f"`{e.event_type}`" for e in events)
    summary = (
        f"{service} {verb} {names}"
        if not dead
        else f"{service} dead-letters the {names} it cannot handle"
    )
    return op_id, {
        "action": action,
        "title": op_id,
        "summary": summary,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [
            {"$ref": f"#/channels/{channel}/messages/{_message_id(e, dead=dead)}"} for e in events
        ],
        "tags": [{"name": service}],
    }


def _operations() -> dict[str, Any]:
    operations: dict[str, Any] = {}
    main_topics = [t.name for t in topics.TOPICS if not t.name.endswith(topics.DLQ_SUFFIX)]
    for service in SERVICES:
        for topic in main_topics:
            sent = [e for e in CATALOGUE if e.topic == topic and service in e.producers]
            received = [e for e in CATALOGUE if e.topic == topic and service in e.consumers]
            if sent:
                op_id, op = _operation(service, "send", topic, sent, dead=False)
                operations[op_id] = op
            if received:
                op_id, op = _operation(service, "receive", topic, received, dead=False)
                operations[op_id] = op
                dlq = topics.dlq_topic(topic)
                op_id, op = _operation(service, "send", dlq, received, dead=True)
                operations[op_id] = op
    return operations


@cache
def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of Handoff's events (built once per process)."""
    messages: dict[str, Any] = {}
    for e in CATALOGUE:
        messages[_message_id(e)] = _message(e, dead=False)
        messages[_message_id(e, dead=True)] = _message(e, dead=True)
    return {
        "asyncapi": "3.0.0",
        "id": "urn:handoff:events",
        "info": {
            "title": "Handoff events",
            "version": DOCUMENT_VERSION,
            "description": (
                "Every event Handoff's four services (intake, scoring, routing, feedback) "
                "exchange over Kafka. Each is a CloudEvents 1.0 envelope in JSON whose `type` "
                "is versioned (`lead.scored.v1`); its Kafka key is the envelope's `subject`. "
                "Delivery is at least once: de-duplicate on `id`. A released type only ever "
                "gains optional fields; anything else is a new version published beside it. "
                "Messages a consumer cannot handle go to the topic's `.dlq` topic."
            ),
            "license": {"name": "Apache-2.0"},
            "tags": [{"name": s} for s in SERVICES],
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The broker of a local stack (`make up`).",
            }
        },
        "channels": _channels() | _replay_channel(),
        "operations": _operations() | _replay_operation(),
        "components": {
            "schemas": _schemas() | {"DlqReplayRecord": _replay_schema()},
            "messages": messages | {"dlqReplayRecord": _replay_message()},
        },
    }


def _replay_schema() -> dict[str, Any]:
    return DlqReplayRecord.model_json_schema(ref_template="#/components/schemas/{model}")


def _replay_message() -> dict[str, Any]:
    return {
        "name": "DlqReplayRecord",
        "title": "A replayed dead letter",
        "summary": "Written by `handoff dlq replay` after it sends a dead letter back.",
        "contentType": "application/json",
        "payload": {"$ref": "#/components/schemas/DlqReplayRecord"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "<dlq topic>/<partition>/<offset>"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {
                "name": "replayed",
                "payload": {
                    "dlq_topic": "leads.scored.dlq",
                    "partition": 0,
                    "offset": 3,
                    "event_id": "0b6f7c1e-3c1d-4d6e-9f57-1f9a4f7d2b10",
                    "replayed_to": "leads.scored/2/1042",
                    "replayed_at": "2026-04-02T09:15:00+00:00",
                },
            }
        ],
    }


def _replay_channel() -> dict[str, Any]:
    spec_ = next(t for t in topics.TOPICS if t.name == topics.DLQ_REPLAYS)
    binding: dict[str, Any] = {
        "partitions": spec_.partitions,
        "bindingVersion": KAFKA_BINDING_VERSION,
    }
    if spec_.retention_ms is not None:
        binding["topicConfiguration"] = {"retention.ms": spec_.retention_ms}
    return {
        _channel_id(spec_.name): {
            "address": spec_.name,
            "title": spec_.name,
            "description": "The `handoff dlq` ledger: one record per replayed dead letter.",
            "messages": {"dlqReplayRecord": {"$ref": "#/components/messages/dlqReplayRecord"}},
            "bindings": {"kafka": binding},
        }
    }


def _replay_operation() -> dict[str, Any]:
    channel = _channel_id(topics.DLQ_REPLAYS)
    op_id = f"cliSend{channel[:1].upper()}{channel[1:]}"
    return {
        op_id: {
            "action": "send",
            "title": op_id,
            "summary": "`handoff dlq replay` records each dead letter it replayed",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/dlqReplayRecord"}],
        }
    }


def render() -> str:
    """The document as committed: JSON, two-space indent, newline at the end."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the document, or with ``--check`` say whether the committed one is current."""
    parser = argparse.ArgumentParser(prog="python -m shared.events.asyncapi")
    parser.add_argument("--output", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run python -m shared.events.asyncapi", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
