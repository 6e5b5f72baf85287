"""Messages a chaos run writes straight to the topics: duplicates and poison.

A duplicate is an already-published record produced again, byte for byte, with its key and
headers (so the same event id): what a producer retry or a relay crash causes. Poison is a
record no consumer can ever handle: bytes that are not JSON, an envelope of an unknown type,
and a known type whose data breaks its schema. Each poison record carries the header
``chaos.poison`` so the checks can find its dead letters.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from cli.dead_letters import partitions_of
from shared.events import registry, utcnow

POISON_HEADER = "chaos.poison"


@dataclass(frozen=True)
class Poison:
    """One poison record: where it went and what kind of bad it is."""

    id: str
    topic: str
    kind: str


async def duplicate(bootstrap: str, producer: AIOKafkaProducer, topic: str, count: int) -> int:
    """Re-produce up to ``count`` records from the start of each partition of ``topic``."""
    tps = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    sent = 0
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        per_partition = max(1, count // max(len(tps), 1))
        for tp in tps:
            if ends[tp] == 0:
                continue
            batch = await consumer.getmany(tp, timeout_ms=5000, max_records=per_partition)
            for record in batch.get(tp, [])[:per_partition]:
                if any(k == POISON_HEADER for k, _ in record.headers or ()):
                    continue
                await producer.send_and_wait(
                    topic, value=record.value, key=record.key, headers=list(record.headers or ())
                )
                sent += 1
    finally:
        await consumer.stop()
    return sent


def _poison_values(topic: str) -> dict[str, bytes]:
    """The three kinds of poison for one topic."""
    known = sorted(t for t, model in registry().items() if model.topic == topic)
    envelope = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/chaos",
        "time": utcnow().isoformat(),
        "subject": "chaos-poison",
        "datacontenttype": "application/json",
    }
    values = {
        "bad_json": b"{not json at all",
        "unknown_type": json.dumps({**envelope, "type": "chaos.unknown.v1", "data": {}}).encode(),
    }
    if known:
        values["schema_invalid"] = json.dumps(
            {**envelope, "id": str(uuid.uuid4()), "type": known[0], "data": {"bogus": True}}
        ).encode()
    return values


async def poison(producer: AIOKafkaProducer, topics: list[str]) -> list[Poison]:
    """Send each kind of poison to each topic; returns what was sent."""
    sent: list[Poison] = []
    for topic in topics:
        for kind, value in _poison_values(topic).items():
            marker = f"{kind}-{uuid.uuid4().hex[:12]}"
            await producer.send_and_wait(
                topic,
                value=value,
                key=f"chaos-poison-{marker}".encode(),
                headers=[(POISON_HEADER, marker.encode())],
            )
            sent.append(Poison(marker, topic, kind))
    return sent
