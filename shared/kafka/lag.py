"""Consumer lag per partition, asked of the broker on a clock rather than after each batch.

The runner updates the lag gauge when it commits, which says nothing while a handler is
stuck retrying or the fetch loop has stopped — exactly when the lag alert must fire. This
loop asks the broker for each assigned partition's end offset and the group's committed
offset, so the gauge keeps rising while nothing is handled. Partitions that moved to
another instance are dropped from the gauge, so the instances of a group never report one
partition twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared import metrics

log = logging.getLogger(__name__)


async def refresh_lag(
    consumer: AIOKafkaConsumer, reported: set[TopicPartition]
) -> set[TopicPartition]:
    """Set the lag gauge of every assigned partition; returns the partitions now reported."""
    assigned = set(consumer.assignment())
    for tp in reported - assigned:
        with contextlib.suppress(KeyError):
            metrics.CONSUMER_LAG.remove(tp.topic, str(tp.partition))
    if not assigned:
        return set()
    partitions = sorted(assigned)
    ends = await consumer.end_offsets(partitions)
    committed = {tp: await consumer.committed(tp) for tp in partitions}
    # A group that never committed starts at the beginning (auto_offset_reset=earliest).
    never = [tp for tp, offset in committed.items() if offset is None]
    starts = await consumer.beginning_offsets(never) if never else {}
    for tp in partitions:
        position = committed[tp]
        done = starts[tp] if position is None else position
        metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(ends[tp] - done, 0))
    return assigned


async def report_lag(consumer: AIOKafkaConsumer, *, every: float = 10.0) -> None:
    """Refresh the lag gauges every ``every`` seconds until cancelled."""
    reported: set[TopicPartition] = set()
    while True:
        try:
            reported = await refresh_lag(consumer, reported)
        except Exception:
            # The broker being away is what the lag and service-down alerts are for.
            log.warning("consumer lag refresh failed", exc_info=True)
        await asyncio.sleep(every)
