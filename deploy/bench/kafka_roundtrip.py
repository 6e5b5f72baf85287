"""The Kafka baseline: raw aiokafka produce → consume on the bench's broker, no database.

Uses the producer settings every service publishes with (``acks=all``, idempotent), so the
figures bound what any Handoff hop can do: latency at a steady 200 messages/s, and how many
lead-sized messages a second one producer and one consumer move when pushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.kafka.producer import create_producer

TOPIC = "bench.roundtrip"
PAYLOAD = b"x" * 1500  # about the size of a lead.routed.v1 event


def _ms(ordered: list[float], pct: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(round(pct / 100 * (len(ordered) - 1)), len(ordered) - 1)] * 1000, 2)


async def roundtrip(
    bootstrap: str, *, rate: float = 200, seconds: float = 10, burst: int = 50_000
) -> dict[str, Any]:
    """Latency at ``rate`` messages/s, then throughput of ``burst`` messages sent at once."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(TOPIC, 6, 1)])
    finally:
        await admin.close()
    producer = create_producer(bootstrap, client_id="bench-roundtrip")
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"bench-roundtrip-{int(time.time())}",
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    await producer.start()
    await consumer.start()
    try:
        for _ in range(100):  # until the group has its partitions, so nothing is skipped
            if consumer.assignment():
                break
            await consumer.getmany(timeout_ms=100)
        await consumer.seek_to_end()
        latencies: list[float] = []
        received = 0

        async def receive(expected: int, timeout: float) -> float:
            nonlocal received
            deadline = time.monotonic() + timeout
            last = time.perf_counter()
            while received < expected and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=100, max_records=5000)
                now = time.perf_counter()
                for records in batches.values():
                    for record in records:
                        received += 1
                        last = now
                        (sent,) = struct.unpack_from("d", record.value or b"")
                        if sent > 0:
                            latencies.append(now - sent)
            return last

        total = int(rate * seconds)
        reader = asyncio.create_task(receive(total, seconds + 30))
        started = time.perf_counter()
        for i in range(total):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.send(TOPIC, struct.pack("d", time.perf_counter()) + PAYLOAD)
        await reader
        latencies.sort()
        steady = {
            "rate": rate,
            "messages": total,
            "received": received,
            "p50_ms": _ms(latencies, 50),
            "p95_ms": _ms(latencies, 95),
            "p99_ms": _ms(latencies, 99),
        }
        received = 0
        reader = asyncio.create_task(receive(burst, 120))
        started = time.perf_counter()
        value = struct.pack("d", 0.0) + PAYLOAD
        for _ in range(burst):
            await producer.send(TOPIC, value)
        await producer.flush()
        produced = time.perf_counter()
        last = await reader
        return {
            "steady": steady,
            "burst": {
                "messages": burst,
                "received": received,
                "produce_per_second": round(burst / (produced - started)),
                "end_to_end_per_second": round(received / (last - started)),
            },
        }
    finally:
        await consumer.stop()
        await producer.stop()
