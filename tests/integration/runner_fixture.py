"""A throwaway service for runner tests: its own schema, topic, consumer group and handler.

Also runnable as a process (``python -m tests.integration.runner_fixture ...``) so a test can
kill it with SIGKILL mid-batch, as a real crash would.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from sqlalchemy import Column, MetaData, String, Table, Uuid, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine, service_metadata, session_factory
from shared.events import Envelope, LeadCapturedV1, new_event, utcnow
from shared.events.models import example_lead
from shared.events.topics import TopicSpec, dlq_topic
from shared.kafka.admin import delete_topics, ensure_topics
from shared.kafka.producer import create_producer
from shared.kafka.retry import RetryPolicy
from shared.kafka.runner import ConsumerRunner, Handler, HandlerContext, define_processed_table
from shared.outbox import Outbox, define_outbox_table


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    applied: Table
    processed: Table
    outbox: Table


def tables(schema: str) -> Tables:
    metadata = service_metadata(schema)
    # No unique key on purpose: applying an event twice would show as two rows.
    applied = Table(
        "applied", metadata, Column("event_id", Uuid, nullable=False), Column("lead_id", String)
    )
    return Tables(
        metadata, applied, define_processed_table(metadata), define_outbox_table(metadata)
    )


def make_handler(applied: Table, delay: float = 0.0) -> Handler:
    async def on_captured(event: Envelope[LeadCapturedV1], ctx: HandlerContext) -> None:
        email = event.data.lead.contact.email
        if email.startswith("poison"):
            raise ValueError(f"cannot handle {email}")
        await ctx.session.execute(
            applied.insert().values(event_id=event.id, lead_id=event.data.lead_id)
        )
        if delay:
            await asyncio.sleep(delay)

    return on_captured


async def create_schema(database_url: str, t: Tables) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{t.metadata.schema}"'))
        await conn.run_sync(t.metadata.create_all)
    await engine.dispose()


def captured(lead_id: str, email: str = "ada@example.com") -> Envelope[LeadCapturedV1]:
    """A ``lead.captured.v1`` for ``lead_id``, as intake would publish it."""
    lead = example_lead(contact={"email": email})
    data = LeadCapturedV1(lead_id=lead_id, captured_at=utcnow(), lead=lead)
    return new_event(data, subject=lead_id, source="/test")


@dataclass(frozen=True)
class Provisioned:
    schema: str
    topic: str
    t: Tables
    engine: AsyncEngine
    producer: AIOKafkaProducer


@asynccontextmanager
async def provisioned(
    database_url: str, bootstrap: str, name: str, partitions: int
) -> AsyncIterator[Provisioned]:
    """A schema and a topic (with its DLQ) of their own, a producer and an engine; all
    removed afterwards, so runner tests never see each other's events or rows."""
    suffix = uuid.uuid4().hex[:10]
    schema, topic = f"{name}_{suffix}", f"{name}.{suffix}"
    t = tables(schema)
    await create_schema(database_url, t)
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions), TopicSpec(dlq_topic(topic), 1)])
    producer = create_producer(bootstrap, client_id=f"{name}-producer")
    await producer.start()
    engine = create_engine(database_url)
    try:
        yield Provisioned(schema, topic, t, engine, producer)
    finally:
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
        await delete_topics(bootstrap, [topic, dlq_topic(topic)])


def build_runner(
    *,
    bootstrap: str,
    database_url: str,
    schema: str,
    topic: str,
    group: str,
    delay: float = 0.0,
    producer: AIOKafkaProducer | None = None,
) -> tuple[ConsumerRunner, AIOKafkaProducer, AsyncEngine]:
    t = tables(schema)
    engine = create_engine(database_url)
    producer = producer or create_producer(bootstrap, client_id=group)
    runner = ConsumerRunner(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id=group,
        handlers={LeadCapturedV1.event_type: make_handler(t.applied, delay)},
        sessions=session_factory(engine),
        processed=t.processed,
        outbox=Outbox(t.outbox),
        producer=producer,
        policy=RetryPolicy(max_retries=2, backoff_seconds=0.05),
        topics=(topic,),
        max_records=50,
    )
    return runner, producer, engine


async def _main(args: argparse.Namespace) -> None:
    runner, producer, engine = build_runner(
        bootstrap=args.bootstrap,
        database_url=args.database_url,
        schema=args.schema,
        topic=args.topic,
        group=args.group,
        delay=args.delay,
    )
    await producer.start()
    await runner.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.stop()
    await producer.stop()
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("bootstrap", "database-url", "schema", "topic", "group"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    asyncio.run(_main(parser.parse_args()))
