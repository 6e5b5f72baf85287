"""Transactional outbox: events commit with the rows that caused them, a relay publishes them.

The writer takes the caller's session and never commits, so an event exists exactly when
the change it announces does. The relay drains unsent rows with ``FOR UPDATE SKIP LOCKED``
(several instances share the work) and marks them sent only after Kafka acknowledged them;
a crash in between publishes again with the same event id, which consumers de-duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
    text,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared import metrics
from shared.db import SessionFactory
from shared.events import Envelope
from shared.faults import failpoint

log = logging.getLogger(__name__)

_WAKE_HOOK = "outbox_wake_hook"


def define_outbox_table(metadata: MetaData) -> Table:
    """The outbox table in a service's schema."""
    return Table(
        "outbox_message",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        Index("ix_outbox_message_unsent", "id", postgresql_where=text("sent_at IS NULL")),
    )


class Outbox:
    """Writes events into one service's outbox table inside the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.channel = f"{table.schema}_outbox"
        self._wakers: list[Callable[[], None]] = []

    async def add(
        self,
        session: AsyncSession,
        event: Envelope[Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Stage ``event`` for publishing when the caller's transaction commits."""
        all_headers = {"ce_type": event.type, "ce_id": str(event.id), **(headers or {})}
        await session.execute(
            self.table.insert().values(
                event_id=event.id,
                topic=event.topic,
                key=event.subject,
                payload=event.to_bytes(),
                headers=all_headers,
            )
        )
        # Wake this process' relays once the transaction commits. A NOTIFY here would make
        # every committing transaction of the database queue for one lock held through its
        # WAL flush (measured: about 50 lead captures/s); other instances' relays poll.
        if self._wakers and not session.info.get(_WAKE_HOOK):
            session.info[_WAKE_HOOK] = True
            sa_event.listen(session.sync_session, "after_commit", self._committed)

    def on_commit(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` after each commit of a transaction that staged events."""
        self._wakers.append(wake)

    def _committed(self, _session: Session) -> None:
        for wake in self._wakers:
            wake()


class OutboxRelay:
    """Publishes committed outbox rows to Kafka, in id order, and marks them sent."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        sessions: SessionFactory,
        producer: AIOKafkaProducer,
        listen_dsn: str | None,
        poll_seconds: float = 0.5,
        batch_size: int = 200,
        retention: timedelta = timedelta(days=1),
        gauges_seconds: float = 5.0,
    ) -> None:
        self.outbox = outbox
        self.sessions = sessions
        self.producer = producer
        self.listen_dsn = listen_dsn
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.retention = retention
        self.gauges_seconds = gauges_seconds
        self._wake = asyncio.Event()
        outbox.on_commit(self.wake)
        self._stopping = False
        self._listener: asyncpg.Connection | None = None

    def wake(self) -> None:
        """Ask the relay to drain now."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows; returns how many were sent."""
        table = self.outbox.table
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(table.c.id, table.c.topic, table.c.key, table.c.payload, table.c.headers)
                    .where(table.c.sent_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            acks = [
                await self.producer.send(
                    row.topic,
                    value=row.payload,
                    key=row.key.encode(),
                    headers=[(k, str(v).encode()) for k, v in row.headers.items()],
                )
                for row in rows
            ]
            await asyncio.gather(*acks)
            failpoint("outbox.after_publish")
            await self._mark_sent(session, [r.id for r in rows])
        for row in rows:
            metrics.EVENTS_PUBLISHED.labels(row.topic).inc()
        return len(rows)

    async def _mark_sent(self, session: AsyncSession, ids: list[int]) -> None:
        table = self.outbox.table
        await session.execute(update(table).where(table.c.id.in_(ids)).values(sent_at=func.now()))

    async def purge_sent(self) -> None:
        """Delete rows published longer ago than the retention; they only serve audits."""
        table = self.outbox.table
        async with self.sessions() as session, session.begin():
            await session.execute(
                table.delete().where(table.c.sent_at < func.now() - self.retention)
            )

    async def update_backlog_metrics(self) -> None:
        """Refresh the backlog gauges operators alert on."""
        table = self.outbox.table
        async with self.sessions() as session:
            count, oldest_age = (
                await session.execute(
                    select(
                        func.count(),
                        func.extract("epoch", func.now() - func.min(table.c.created_at)),
                    ).where(table.c.sent_at.is_(None))
                )
            ).one()
        metrics.OUTBOX_BACKLOG.set(count)
        metrics.OUTBOX_OLDEST_AGE.set(float(oldest_age or 0))

    async def run(self) -> None:
        """Drain until stopped; survives Kafka and PostgreSQL outages by retrying with backoff."""
        await self._listen()
        failures = 0
        rounds = 0
        gauges_due = 0.0
        while not self._stopping:
            self._wake.clear()
            # On a clock and apart from publishing: the backlog must be reported while
            # Kafka is down, which is when it grows. A database failure here shows as the
            # relay's own failure just below.
            if time.monotonic() >= gauges_due:
                gauges_due = time.monotonic() + self.gauges_seconds
                with contextlib.suppress(Exception):
                    await self.update_backlog_metrics()
            try:
                sent = await self.publish_pending()
                rounds += 1
                if rounds % 100 == 1:
                    await self.purge_sent()
                failures = 0
            except Exception:
                metrics.OUTBOX_RELAY_FAILURES.inc()
                failures += 1
                delay = min(0.2 * 2**failures, 5.0)
                log.warning("outbox relay failed; retrying in %.1fs", delay, exc_info=True)
                await self._sleep(delay)
                if self._listener is None or self._listener.is_closed():
                    await self._listen()
                continue
            if sent < self.batch_size:
                await self._sleep(self.poll_seconds)

    async def stop(self) -> None:
        """Finish the batch in hand, then stop."""
        self._stopping = True
        self._wake.set()
        if self._listener is not None and not self._listener.is_closed():
            with contextlib.suppress(Exception):
                await self._listener.close(timeout=2)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _listen(self) -> None:
        """LISTEN on the outbox channel, so a NOTIFY (an operator forcing a drain) wakes the relay
        at once; writers no longer notify (see ``Outbox.add``), and polling covers the rest."""
        if self.listen_dsn is None:
            return
        try:
            self._listener = await asyncpg.connect(self.listen_dsn, timeout=5)
            await self._listener.add_listener(self.outbox.channel, lambda *_: self._wake.set())
        except Exception:
            self._listener = None
            log.warning("outbox LISTEN unavailable; relying on polling", exc_info=True)


__all__ = ["Outbox", "OutboxRelay", "define_outbox_table"]
