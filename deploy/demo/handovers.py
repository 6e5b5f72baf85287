"""The demo's sales tool: every hand-over routing publishes on ``leads.routed``.

Like a team's sales tool it reads the topic rather than asking routing; unlike one it reads
every partition without a consumer group, from the end, because it only cares about the
leads it is about to send.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from deploy.demo.endpoints import DemoError
from shared.events import EventDecodeError, LeadRoutedV1, decode
from shared.events.topics import LEADS_ROUTED


async def open_consumer(bootstrap: str) -> AIOKafkaConsumer:
    """A group-less consumer of every partition of ``leads.routed``, positioned at its end."""
    consumer = AIOKafkaConsumer(
        LEADS_ROUTED,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="latest",
    )
    try:
        await consumer.start()
        for _ in range(100):
            if consumer.assignment():
                break
            await asyncio.sleep(0.1)
        partitions = sorted(consumer.assignment())
        if not partitions:
            raise DemoError(f"topic {LEADS_ROUTED} not found at {bootstrap}")
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)  # resolves "end" now, before any lead is sent
    except (KafkaError, OSError) as exc:
        await consumer.stop()
        raise DemoError(f"cannot read {LEADS_ROUTED} at {bootstrap}: {exc!r}") from None
    except DemoError:
        await consumer.stop()
        raise
    return consumer


async def handovers(
    consumer: AIOKafkaConsumer, campaign_ids: Collection[str]
) -> AsyncIterator[LeadRoutedV1]:
    """Each ``lead.routed.v1`` of the given campaigns, as it arrives; runs until cancelled."""
    while True:
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        for records in batches.values():
            for record in records:
                try:
                    data = decode(record.value).data
                except EventDecodeError:
                    continue  # not ours to judge: routing's consumers dead-letter it
                if isinstance(data, LeadRoutedV1) and data.campaign_id in campaign_ids:
                    yield data
