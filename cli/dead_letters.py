"""Dead letters on the broker: read a DLQ topic, replay entries, remember what was replayed.

A replay re-produces the dead-lettered message, untouched, to the topic it failed on, with its
original key and headers minus the ``dlq.*`` ones the runner added. Each replay is then
recorded on ``dlq.replays`` (kept forever, keyed ``<dlq topic>/<partition>/<offset>``), and a
later replay skips recorded entries. A replay log on the broker, rather than a committed
consumer-group offset, lets an operator replay single entries out of order and still have
"replay everything" skip them. If the CLI dies between the replay and its record, the entry
is replayed again later with the same event id, and the consumers' processed-event records
make that second delivery a no-op.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events.replays import DlqReplayRecord
from shared.events.topics import DLQ_REPLAYS, DLQ_SUFFIX, TopicSpec
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import create_producer

READ_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class DeadLetter:
    """One message on a DLQ topic, with the failure the runner recorded in its headers."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    replayed_at: str | None = field(default=None, compare=False)

    @property
    def ref(self) -> str:
        """The entry's stable name in the replay log."""
        return f"{self.topic}/{self.partition}/{self.offset}"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode(errors="replace")
        return None

    def _envelope(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.value or b"")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    @property
    def event_id(self) -> str | None:
        """From the ``ce_id`` header, else the payload's ``id`` (None for unreadable bytes)."""
        found = self.header("ce_id") or self._envelope().get("id")
        return str(found) if found is not None else None

    @property
    def event_type(self) -> str | None:
        found = self.header("ce_type") or self._envelope().get("type")
        return str(found) if found is not None else None

    @property
    def original_topic(self) -> str:
        """Where the message failed; derived from the DLQ name if the header is missing."""
        return self.header("dlq.original.topic") or self.topic.removesuffix(DLQ_SUFFIX)

    def replay_headers(self) -> list[tuple[str, bytes]]:
        """The original headers: what the producer sent, without the runner's ``dlq.*``."""
        return [(k, v) for k, v in self.headers if not k.startswith("dlq.")]

    def summary(self) -> dict[str, Any]:
        """The fields ``handoff dlq list`` shows."""
        original_partition = self.header("dlq.original.partition")
        original_offset = self.header("dlq.original.offset")
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "event_id": self.event_id,
            "type": self.event_type,
            "original_topic": self.original_topic,
            "original_partition": int(original_partition) if original_partition else None,
            "original_offset": int(original_offset) if original_offset else None,
            "error": self.header("dlq.error"),
            "attempts": int(self.header("dlq.attempts") or 0),
            "consumer_group": self.header("dlq.consumer.group"),
            "failed_at": self.header("dlq.failed_at") or self.timestamp.isoformat(),
            "replayed_at": self.replayed_at,
        }

    def detail(self) -> dict[str, Any]:
        """Everything ``handoff dlq show`` prints: the summary, the key, headers and payload."""
        payload: Any
        try:
            payload = json.loads(self.value or b"")
        except ValueError:
            payload = (self.value or b"").decode(errors="replace")
        return {
            **self.summary(),
            "key": self.key.decode(errors="replace") if self.key is not None else None,
            "headers": {k: v.decode(errors="replace") for k, v in self.headers},
            "payload": payload,
        }


async def read_topic(
    bootstrap: str, topic: str, *, timeout: float = READ_TIMEOUT_SECONDS
) -> list[tuple[int, int, int, bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]]:
    """Every record of ``topic`` now on the broker: (partition, offset, ms, key, value, headers).

    Reads without a consumer group, so looking never moves anybody's offsets.
    """
    tps = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
    if not tps:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[
            tuple[int, int, int, bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]
        ] = []
        deadline = time.monotonic() + timeout
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} took over {timeout:.0f}s")
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                out.extend(
                    (tp.partition, r.offset, r.timestamp, r.key, r.value, tuple(r.headers or ()))
                    for r in records
                    if r.offset < ends[tp]
                )
        return sorted(out, key=lambda r: (r[0], r[1]))
    finally:
        await consumer.stop()


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    """The partition numbers of ``topic``; empty when it does not exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="handoff-cli")
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        int(p["partition"])
        for t in described
        if t.get("error_code", 0) == 0
        for p in t.get("partitions") or []
    )


async def replay_log(bootstrap: str) -> dict[str, str]:
    """Replayed entries: ``ref`` -> when, from ``dlq.replays``."""
    done: dict[str, str] = {}
    for *_, key, value, _headers in await read_topic(bootstrap, DLQ_REPLAYS):
        if key is None or value is None:
            continue
        try:
            done[key.decode()] = str(json.loads(value)["replayed_at"])
        except (ValueError, KeyError, TypeError):
            continue
    return done


async def dead_letters(bootstrap: str, topic: str, replayed: dict[str, str]) -> list[DeadLetter]:
    """The entries of one DLQ topic, each marked with when it was replayed, if it was."""
    letters = []
    for partition, offset, ms, key, value, headers in await read_topic(bootstrap, topic):
        letter = DeadLetter(
            topic=topic,
            partition=partition,
            offset=offset,
            timestamp=datetime.fromtimestamp(ms / 1000, UTC),
            key=key,
            value=value,
            headers=headers,
        )
        letters.append(DeadLetter(**{**letter.__dict__, "replayed_at": replayed.get(letter.ref)}))
    return letters


async def replay(bootstrap: str, letters: Iterable[DeadLetter]) -> list[dict[str, Any]]:
    """Re-produce each entry to its original topic, then record it; returns what was sent."""
    await ensure_topics(bootstrap, [TopicSpec(DLQ_REPLAYS, 1, retention_ms=-1)])
    producer: AIOKafkaProducer = create_producer(bootstrap, client_id="handoff-cli-dlq")
    await producer.start()
    sent: list[dict[str, Any]] = []
    try:
        for letter in letters:
            meta = await producer.send_and_wait(
                letter.original_topic,
                value=letter.value,
                key=letter.key,
                headers=letter.replay_headers(),
            )
            record = DlqReplayRecord(
                dlq_topic=letter.topic,
                partition=letter.partition,
                offset=letter.offset,
                event_id=letter.event_id,
                replayed_to=f"{meta.topic}/{meta.partition}/{meta.offset}",
                replayed_at=datetime.now(UTC),
            ).model_dump(mode="json")
            await producer.send_and_wait(
                DLQ_REPLAYS, value=json.dumps(record).encode(), key=letter.ref.encode()
            )
            sent.append(record)
    finally:
        await producer.stop()
    return sent


__all__ = ["DeadLetter", "dead_letters", "read_topic", "replay", "replay_log"]
