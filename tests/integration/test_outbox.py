"""The transactional outbox and its relay against the real broker and database."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import SessionFactory, asyncpg_dsn, create_engine, session_factory
from shared.events import Envelope, LeadErasedV1, new_event, utcnow
from shared.events.topics import LEADS_ERASED
from shared.kafka.producer import create_producer
from shared.outbox import Outbox, OutboxRelay
from tests.conftest import Stack
from tests.integration.runner_fixture import Tables, create_schema, tables
from tests.support import eventually, read_topic, with_event_ids

pytestmark = pytest.mark.integration


@dataclass
class Env:
    stack: Stack
    t: Tables
    outbox: Outbox
    sessions: SessionFactory
    producer: AIOKafkaProducer

    def relay(self, cls: type[OutboxRelay] = OutboxRelay) -> OutboxRelay:
        return cls(
            outbox=self.outbox,
            sessions=self.sessions,
            producer=self.producer,
            listen_dsn=asyncpg_dsn(self.stack.database_url),
            poll_seconds=0.2,
            batch_size=50,
        )

    async def unsent(self) -> int:
        table = self.t.outbox
        async with self.sessions() as session:
            query = select(func.count()).where(table.c.sent_at.is_(None))
            return int((await session.execute(query)).scalar_one())


@pytest.fixture
async def env(stack: Stack) -> AsyncIterator[Env]:
    schema = f"it_{uuid.uuid4().hex[:10]}"
    t = tables(schema)
    await create_schema(stack.database_url, t)
    engine = create_engine(stack.database_url)
    producer = create_producer(stack.bootstrap, client_id="test-outbox")
    await producer.start()
    try:
        yield Env(stack, t, Outbox(t.outbox), session_factory(engine), producer)
    finally:
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


def erased(lead_id: str) -> Envelope[LeadErasedV1]:
    return new_event(
        LeadErasedV1(lead_id=lead_id, erased_at=utcnow()), subject=lead_id, source="/test"
    )


async def stage(
    session: AsyncSession, outbox: Outbox, events: list[Envelope[LeadErasedV1]]
) -> None:
    for event in events:
        await outbox.add(session, event, headers={"team": "t1"})


async def _all_sent(env: Env) -> bool:
    return await env.unsent() == 0


async def run_relay(relay: OutboxRelay) -> asyncio.Task[None]:
    return asyncio.create_task(relay.run())


async def stop_relay(relay: OutboxRelay, task: asyncio.Task[None]) -> None:
    await relay.stop()
    await asyncio.wait_for(task, 10)


async def test_an_event_is_published_only_when_its_transaction_commits(env: Env) -> None:
    kept, dropped = erased("kept"), erased("dropped")
    async with env.sessions() as session, session.begin():
        await stage(session, env.outbox, [kept])
    async with env.sessions() as session:
        await session.begin()
        await stage(session, env.outbox, [dropped])
        await session.rollback()

    relay = env.relay()
    task = await run_relay(relay)
    try:
        ids = {str(kept.id), str(dropped.id)}
        [record] = await read_topic(env.stack.bootstrap, LEADS_ERASED, with_event_ids(ids))
        await eventually(lambda: _all_sent(env))
    finally:
        await stop_relay(relay, task)
    assert record.key == b"kept"
    headers = dict(record.headers)
    assert headers["ce_type"] == b"lead.erased.v1"
    assert headers["ce_id"] == str(kept.id).encode()
    assert headers["team"] == b"t1"
    with pytest.raises(AssertionError):
        await read_topic(
            env.stack.bootstrap, LEADS_ERASED, with_event_ids({str(dropped.id)}), timeout=2
        )


class CrashBeforeMarkingSent(OutboxRelay):
    """Kafka acknowledged the batch, then the relay died before recording that."""

    async def _mark_sent(self, session: AsyncSession, ids: list[int]) -> None:
        raise ConnectionResetError("relay crashed between publish and mark-sent")


async def test_a_relay_crash_after_publishing_republishes_with_the_same_event_ids(
    env: Env,
) -> None:
    events = [erased(f"crash-{i}") for i in range(5)]
    async with env.sessions() as session, session.begin():
        await stage(session, env.outbox, events)
    with pytest.raises(ConnectionResetError):
        await env.relay(CrashBeforeMarkingSent).publish_pending()
    assert await env.unsent() == 5

    assert await env.relay().publish_pending() == 5
    assert await env.unsent() == 0
    ids = {str(e.id) for e in events}
    records = await read_topic(
        env.stack.bootstrap, LEADS_ERASED, with_event_ids(ids), count=10, settle=1.0
    )
    copies = Counter(dict(r.headers)["ce_id"] for r in records)
    # Each event twice, under one id: consumers' processed-event records absorb the copy.
    assert set(copies.values()) == {2} and len(copies) == 5


async def test_two_relays_share_the_backlog_without_publishing_anything_twice(env: Env) -> None:
    events = [erased(f"pair-{i}") for i in range(400)]
    async with env.sessions() as session, session.begin():
        await stage(session, env.outbox, events)
    first, second = env.relay(), env.relay()
    tasks = [await run_relay(first), await run_relay(second)]
    try:
        ids = {str(e.id) for e in events}
        await eventually(lambda: _all_sent(env), timeout=60)
        records = await read_topic(
            env.stack.bootstrap, LEADS_ERASED, with_event_ids(ids), count=400, settle=2.0
        )
    finally:
        await stop_relay(first, tasks[0])
        await stop_relay(second, tasks[1])
    assert len(records) == 400
    assert len({dict(r.headers)["ce_id"] for r in records}) == 400


async def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(env: Env) -> None:
    """The writer wakes its relay after commit; with an hour-long poll only that can publish."""
    relay = OutboxRelay(
        outbox=env.outbox,
        sessions=env.sessions,
        producer=env.producer,
        listen_dsn=None,
        poll_seconds=3600,
    )
    task = await run_relay(relay)
    try:
        await asyncio.sleep(1)  # the relay's first drain is done; it now sleeps
        event = erased("woken")
        async with env.sessions() as session, session.begin():
            await stage(session, env.outbox, [event])
        await read_topic(
            env.stack.bootstrap, LEADS_ERASED, with_event_ids({str(event.id)}), timeout=30
        )
    finally:
        await stop_relay(relay, task)
