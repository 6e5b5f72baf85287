"""The benchmark's independent witness: a plain aiokafka consumer of ``leads.routed``.

``python -m deploy.bench.observer --bootstrap HOST:PORT --out DIR --seconds N`` runs in a
process of its own (so the load driver's loop never delays a receive time) and appends:

* ``routed.jsonl``: one line per first routing of a bench lead — lead id, campaign,
  ``captured_at`` and ``routed_at`` from the event, and the wall-clock time it arrived;
* ``lag.jsonl``: every second, the scoring and routing consumer groups' lag (end offset
  minus committed offset, summed over partitions) — growing lag means the pipeline is
  falling behind.

It stops by itself after ``--seconds`` (a bounded run) or on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events.topics import LEADS_CAPTURED, LEADS_ROUTED, LEADS_SCORED, TOPICS

GROUPS = {"handoff-scoring": LEADS_CAPTURED, "handoff-routing": LEADS_SCORED}


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def _lags(
    admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, parts: dict[str, list[TopicPartition]]
) -> dict[str, int]:
    lags: dict[str, int] = {}
    for group, topic in GROUPS.items():
        committed = await admin.list_consumer_group_offsets(group)
        ends = await consumer.end_offsets(parts[topic])
        lags[group] = sum(
            max(end - (committed[tp].offset if tp in committed else 0), 0)
            for tp, end in ends.items()
        )
    return lags


async def observe(bootstrap: str, out: Path, seconds: float, ready: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    consumer = AIOKafkaConsumer(
        LEADS_ROUTED,
        bootstrap_servers=bootstrap,
        group_id=f"bench-observer-{int(time.time())}",
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    parts = {
        spec.name: [TopicPartition(spec.name, p) for p in range(spec.partitions)]
        for spec in TOPICS
        if spec.name in GROUPS.values()
    }
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    next_lag = 0.0
    signalled = False
    try:
        with (out / "routed.jsonl").open("a") as routed, (out / "lag.jsonl").open("a") as lag:
            while not stop.is_set() and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=100, max_records=2000)
                received = time.time()
                if not signalled and consumer.assignment():
                    signalled = True
                    ready.write_bytes(b"")  # noqa: ASYNC240 - once, an empty file
                for records in batches.values():
                    for record in records:
                        data: dict[str, Any] = json.loads(record.value or b"{}").get("data", {})
                        lead_id = data.get("lead_id")
                        if not lead_id or data.get("attempt", 1) != 1 or lead_id in seen:
                            continue
                        seen.add(lead_id)
                        line = {
                            "lead_id": lead_id,
                            "campaign": data.get("campaign_id"),
                            "captured_at": _epoch(data["captured_at"]),
                            "routed_at": _epoch(data["routed_at"]),
                            "received_at": received,
                        }
                        routed.write(json.dumps(line) + "\n")
                routed.flush()
                if time.monotonic() >= next_lag:
                    next_lag = time.monotonic() + 1.0
                    lags = await _lags(admin, consumer, parts)
                    lag.write(json.dumps({"at": time.time(), **lags}) + "\n")
                    lag.flush()
    finally:
        await consumer.stop()
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench.observer", description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=3600)
    args = parser.parse_args()
    asyncio.run(observe(args.bootstrap, args.out, args.seconds, args.out / "observer.ready"))


if __name__ == "__main__":
    main()
