"""The consumer runner: at-least-once delivery made idempotent, with retries and dead letters.

For each message the runner records the event id in the service's ``processed_event`` table
and runs the handler in the same database transaction; the messages of one partition share a
transaction, up to ``transaction_size`` of them (one commit, one WAL flush, instead of one
each), and only after it commits is the Kafka offset committed. If anything in a shared
transaction fails, it is rolled back and its messages are handled one at a time, each in a
transaction of its own with the retries and dead-lettering below, so one bad message never
holds back or drags down its neighbours. A redelivered event finds its id already recorded and is
skipped, so its effects (and the events it staged in the outbox) happen once. A message that
cannot be decoded, or whose handler keeps failing, goes to ``<topic>.dlq`` with the error in
its headers, and the partition moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Uuid, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.db import SessionFactory
from shared.events import Envelope, EventDecodeError, decode, registry, utcnow
from shared.events.topics import dlq_topic
from shared.faults import failpoint
from shared.kafka.retry import Action, RetryPolicy, decide
from shared.logging import event_id_var, lead_id_var
from shared.outbox import Outbox

log = logging.getLogger(__name__)


def define_processed_table(metadata: MetaData) -> Table:
    """The table of handled event ids in a service's schema."""
    return Table(
        "processed_event",
        metadata,
        Column("event_id", Uuid, primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may use: the message's transaction, the outbox, and where it came from."""

    session: AsyncSession
    outbox: Outbox
    topic: str
    partition: int
    offset: int


Handler = Callable[[Envelope[Any], HandlerContext], Awaitable[None]]


def dead_letter_headers(
    record: ConsumerRecord[bytes, bytes], error: BaseException, *, attempts: int, group: str
) -> list[tuple[str, bytes]]:
    """The original headers plus what an operator needs to understand and replay the failure."""
    extra = {
        "dlq.error": f"{type(error).__name__}: {error}"[:2000],
        "dlq.error.type": type(error).__name__,
        "dlq.original.topic": record.topic,
        "dlq.original.partition": str(record.partition),
        "dlq.original.offset": str(record.offset),
        "dlq.attempts": str(attempts),
        "dlq.consumer.group": group,
        "dlq.failed_at": utcnow().isoformat(),
    }
    original = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
    return original + [(k, v.encode()) for k, v in extra.items()]


REBALANCE_TIMEOUT_MS = 20_000


class ConsumerRunner:
    """Consumes the topics of the given handlers in one consumer group until stopped."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        client_id: str,
        handlers: Mapping[str, Handler],
        sessions: SessionFactory,
        processed: Table,
        outbox: Outbox,
        producer: AIOKafkaProducer,
        policy: RetryPolicy | None = None,
        topics: tuple[str, ...] | None = None,
        max_records: int = 200,
        transaction_size: int = 10,
    ) -> None:
        known = registry()
        unknown = set(handlers) - set(known)
        if unknown:
            raise ValueError(f"handlers for unknown event types: {sorted(unknown)}")
        self.topics = topics or tuple(sorted({known[t].topic for t in handlers}))
        for topic in self.topics:
            # At 0 from the start, so the first dead letter is an increase an alert sees.
            metrics.DEAD_LETTERS.labels(topic)
        self.handlers = dict(handlers)
        self.group_id = group_id
        self.sessions = sessions
        self.processed = processed
        self.outbox = outbox
        self.producer = producer
        self.policy = policy or RetryPolicy()
        self.max_records = max_records
        self.transaction_size = transaction_size
        self.consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # How long a rebalance waits for members of the last generation to rejoin. It
            # defaults to max_poll_interval_ms (5 min): an instance that dies mid-rebalance
            # then stalls its whole group that long (seen in make chaos). Members here rejoin
            # from the client's own task, so a short bound costs nothing.
            rebalance_timeout_ms=REBALANCE_TIMEOUT_MS,
        )
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.on_committed: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        """True while the consume loop is alive (used by ``/readyz``)."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Join the group and start consuming in the background."""
        await self.consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self.group_id}")

    async def stop(self, timeout: float = 20.0) -> None:
        """Finish the batch in hand, commit its offsets and leave the group (SIGTERM path)."""
        self._stopping = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            if not self._task.done():
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self.consumer.stop()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                batches = await self.consumer.getmany(timeout_ms=500, max_records=self.max_records)
            except KafkaError:
                log.warning("fetch failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if not batches:
                continue
            try:
                await asyncio.gather(
                    *(self._handle_partition(tp, rs) for tp, rs in batches.items())
                )
            except Exception:
                if self._stopping:
                    # Uncommitted records are redelivered to the next owner and de-duplicated.
                    return
                raise

    async def _handle_partition(
        self, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> None:
        """Handle one partition's records in order, then commit past the last one."""
        together: list[tuple[ConsumerRecord[bytes, bytes], Envelope[Any], Handler]] = []
        for record in records:
            try:
                event = decode(record.value)
            except EventDecodeError:
                await self._handle_together(together)
                together = []
                await self.handle(record)
                continue
            handler = self.handlers.get(event.type)
            if handler is None:
                metrics.EVENTS_CONSUMED.labels(record.topic, "ignored").inc()
                continue
            together.append((record, event, handler))
            if len(together) >= self.transaction_size:
                await self._handle_together(together)
                together = []
        await self._handle_together(together)
        failpoint("runner.after_db_commit")
        try:
            await self.consumer.commit({tp: records[-1].offset + 1})
        except (CommitFailedError, KafkaError):
            # The partition moved to another instance; it re-reads and skips what was handled.
            log.warning("offset commit failed for %s", tp, exc_info=True)
            return
        highwater = self.consumer.highwater(tp)
        if highwater is not None:
            lag = max(highwater - records[-1].offset - 1, 0)
            metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(lag)
        if self.on_committed is not None:
            self.on_committed()

    async def handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Handle one record exactly once in effect: skip, apply, or dead-letter it."""
        try:
            event = decode(record.value)
        except EventDecodeError as exc:
            await self._dead_letter(record, exc, attempts=0)
            return
        handler = self.handlers.get(event.type)
        if handler is None:
            # Another event type on a shared topic (leads.sla carries three): not ours.
            metrics.EVENTS_CONSUMED.labels(record.topic, "ignored").inc()
            return
        await self._handle_alone(record, event, handler)

    async def _handle_alone(
        self, record: ConsumerRecord[bytes, bytes], event: Envelope[Any], handler: Handler
    ) -> None:
        """One event in its own transaction, with its ids on every log line it causes."""
        event_token = event_id_var.set(str(event.id))
        lead_token = lead_id_var.set(event.subject)
        try:
            await self._handle_with_retries(record, event, handler)
        finally:
            event_id_var.reset(event_token)
            lead_id_var.reset(lead_token)

    async def _handle_together(
        self, items: list[tuple[ConsumerRecord[bytes, bytes], Envelope[Any], Handler]]
    ) -> None:
        """Apply decoded records in one transaction; on any failure, one by one instead."""
        if len(items) > 1:
            try:
                timings = await self._apply_together(items)
            except Exception:
                if self._stopping:
                    raise
                log.warning("a shared transaction failed; handling its messages one by one")
            else:
                for (record, event, _), seconds in zip(items, timings, strict=True):
                    if seconds is not None:
                        metrics.HANDLER_SECONDS.labels(event.type).observe(seconds)
                    outcome = "duplicate" if seconds is None else "handled"
                    metrics.EVENTS_CONSUMED.labels(record.topic, outcome).inc()
                return
        for record, event, handler in items:
            await self._handle_alone(record, event, handler)

    async def _apply_together(
        self, items: list[tuple[ConsumerRecord[bytes, bytes], Envelope[Any], Handler]]
    ) -> list[float | None]:
        """Record every event id with one statement and run each new event's handler, all in
        one transaction; returns each handler's seconds, or None for an event seen before."""
        timings: list[float | None] = []
        async with self.sessions() as session, session.begin():
            inserted = await session.execute(
                insert(self.processed)
                .values(
                    [
                        {
                            "event_id": event.id,
                            "event_type": event.type,
                            "topic": record.topic,
                            "partition": record.partition,
                            "offset": record.offset,
                        }
                        for record, event, _ in items
                    ]
                )
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(self.processed.c.event_id)
            )
            fresh = {row.event_id for row in inserted}
            for record, event, handler in items:
                if event.id not in fresh:
                    timings.append(None)
                    continue
                fresh.discard(event.id)  # the same event twice in one batch applies once
                context = HandlerContext(
                    session=session,
                    outbox=self.outbox,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                )
                event_token = event_id_var.set(str(event.id))
                lead_token = lead_id_var.set(event.subject)
                started = time.perf_counter()
                try:
                    await handler(event, context)
                finally:
                    event_id_var.reset(event_token)
                    lead_id_var.reset(lead_token)
                timings.append(time.perf_counter() - started)
        return timings

    async def _handle_with_retries(
        self, record: ConsumerRecord[bytes, bytes], event: Envelope[Any], handler: Handler
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                applied = await self._apply(record, event, handler)
            except Exception as exc:
                metrics.HANDLER_FAILURES.labels(record.topic, event.type).inc()
                decision = decide(exc, attempt, self.policy)
                if decision.action is Action.DEAD_LETTER:
                    await self._dead_letter(record, exc, attempts=attempt)
                    return
                log.warning(
                    "handling %s failed (attempt %d, %s)",
                    event.type,
                    attempt,
                    decision.action.value,
                    exc_info=True,
                )
                if self._stopping and decision.action is Action.WAIT_FOR_INFRASTRUCTURE:
                    # Leave the offset uncommitted: the next owner of the partition retries.
                    raise
                await asyncio.sleep(decision.delay)
                continue
            metrics.HANDLER_SECONDS.labels(event.type).observe(time.perf_counter() - started)
            metrics.EVENTS_CONSUMED.labels(
                record.topic, "handled" if applied else "duplicate"
            ).inc()
            return

    async def _apply(
        self, record: ConsumerRecord[bytes, bytes], event: Envelope[Any], handler: Handler
    ) -> bool:
        """Run the handler in one transaction with the processed-event row; False if seen before."""
        async with self.sessions() as session, session.begin():
            inserted = await session.execute(
                insert(self.processed)
                .values(
                    event_id=event.id,
                    event_type=event.type,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                )
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(self.processed.c.event_id)
            )
            if inserted.first() is None:
                return False
            context = HandlerContext(
                session=session,
                outbox=self.outbox,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            await handler(event, context)
        return True

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: BaseException, *, attempts: int
    ) -> None:
        """Publish the untouched message to the DLQ; wait out a broker outage, never drop it."""
        target = dlq_topic(record.topic)
        headers = dead_letter_headers(record, error, attempts=attempts, group=self.group_id)
        log.error(
            "dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, error
        )
        for attempt in range(1, 1_000_000):
            try:
                await self.producer.send_and_wait(
                    target, value=record.value, key=record.key, headers=headers
                )
                break
            except KafkaError:
                if self._stopping:
                    raise
                await asyncio.sleep(self.policy.delay(min(attempt, 6)))
        metrics.DEAD_LETTERS.labels(record.topic).inc()
        metrics.EVENTS_CONSUMED.labels(record.topic, "dead_lettered").inc()
