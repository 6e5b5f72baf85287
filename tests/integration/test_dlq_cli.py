"""``handoff dlq`` against the real broker: dead-letter, fix, replay once, replay again."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine, session_factory
from shared.events import Envelope, LeadCapturedV1, new_event, utcnow
from shared.events.models import example_lead
from shared.events.topics import TopicSpec, dlq_topic
from shared.kafka.admin import delete_topics, ensure_topics
from shared.kafka.producer import create_producer
from shared.kafka.retry import RetryPolicy
from shared.kafka.runner import ConsumerRunner, HandlerContext
from shared.outbox import Outbox
from tests.conftest import ROOT, Stack
from tests.integration.runner_fixture import Tables, create_schema, tables
from tests.support import eventually

pytestmark = pytest.mark.integration


@dataclass
class Broken:
    """A handler whose bug can be fixed while it runs, as a deploy would."""

    t: Tables
    fixed: bool = False

    async def __call__(self, event: Envelope[LeadCapturedV1], ctx: HandlerContext) -> None:
        if not self.fixed:
            raise ValueError("no territory for this lead")
        await ctx.session.execute(
            self.t.applied.insert().values(event_id=event.id, lead_id=event.data.lead_id)
        )


@dataclass
class Env:
    stack: Stack
    topic: str
    handler: Broken
    engine: AsyncEngine
    producer: AIOKafkaProducer

    async def applied(self, lead_id: str) -> int:
        query = (
            select(func.count())
            .select_from(self.handler.t.applied)
            .where(self.handler.t.applied.c.lead_id == lead_id)
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def cli(self, *args: str, expect: int = 0) -> tuple[Any, str]:
        """Run ``handoff --json dlq ...`` as a process; its JSON output and its stderr."""
        env = {**os.environ, "HANDOFF_KAFKA_BOOTSTRAP_SERVERS": self.stack.bootstrap}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli",
            "--json",
            "dlq",
            *args,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == expect, (process.returncode, out, err)
        return (json.loads(out) if out.strip() else None), err.decode()


def captured(lead_id: str) -> Envelope[LeadCapturedV1]:
    data = LeadCapturedV1(lead_id=lead_id, captured_at=utcnow(), lead=example_lead())
    return new_event(data, subject=lead_id, source="/test")


@pytest.fixture
async def env(stack: Stack) -> AsyncIterator[Env]:
    suffix = uuid.uuid4().hex[:10]
    schema, topic = f"dlq_{suffix}", f"it.dlq{suffix}"
    t = tables(schema)
    await create_schema(stack.database_url, t)
    await ensure_topics(stack.bootstrap, [TopicSpec(topic, 3), TopicSpec(dlq_topic(topic), 1)])
    engine = create_engine(stack.database_url)
    producer = create_producer(stack.bootstrap, client_id="test-dlq")
    await producer.start()
    handler = Broken(t)
    runner = ConsumerRunner(
        bootstrap_servers=stack.bootstrap,
        group_id=f"it-dlq-{suffix}",
        client_id="it-dlq",
        handlers={LeadCapturedV1.event_type: handler},
        sessions=session_factory(engine),
        processed=t.processed,
        outbox=Outbox(t.outbox),
        producer=producer,
        policy=RetryPolicy(max_retries=1, backoff_seconds=0.05),
        topics=(topic,),
    )
    await runner.start()
    try:
        yield Env(stack, topic, handler, engine, producer)
    finally:
        await runner.stop()
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
        await delete_topics(stack.bootstrap, [topic, dlq_topic(topic)])


async def test_a_dead_letter_replayed_after_the_fix_is_handled_once(env: Env) -> None:
    event = captured("lead-dlq")
    await env.producer.send_and_wait(
        env.topic,
        event.to_bytes(),
        key=b"lead-dlq",
        headers=[("ce_type", event.type.encode()), ("ce_id", str(event.id).encode())],
    )

    async def listed() -> list[dict[str, Any]]:
        entries, _ = await env.cli("list", "--topic", env.topic)
        return list(entries)

    (entry,) = await eventually(listed, timeout=60, every=0.5)
    assert entry["topic"] == dlq_topic(env.topic)
    assert entry["event_id"] == str(event.id)
    assert entry["type"] == "lead.captured.v1"
    assert entry["original_topic"] == env.topic
    assert entry["error"] == "ValueError: no territory for this lead"
    assert entry["replayed_at"] is None
    assert await env.applied("lead-dlq") == 0

    env.handler.fixed = True
    result, _ = await env.cli("replay", "--topic", env.topic, "--offset", str(entry["offset"]))
    assert [r["event_id"] for r in result["replayed"]] == [str(event.id)]
    await eventually(lambda: env.applied("lead-dlq"), timeout=60)

    again, _ = await env.cli("replay", "--topic", env.topic, "--all")
    assert again["replayed"] == []
    assert [s["event_id"] for s in again["skipped_already_replayed"]] == [str(event.id)]

    shown, _ = await env.cli("show", "--topic", env.topic, "--offset", str(entry["offset"]))
    assert shown["replayed_at"] is not None
    assert shown["key"] == "lead-dlq"
    assert shown["headers"]["dlq.original.topic"] == env.topic
    assert shown["payload"]["id"] == str(event.id)

    # A replay repeated behind the CLI's back (a crash before its record) is skipped by the
    # consumer: a later event on the same key is applied, the repeated one is not.
    await env.producer.send_and_wait(env.topic, event.to_bytes(), key=b"lead-dlq")
    after = captured("lead-dlq-after")
    await env.producer.send_and_wait(env.topic, after.to_bytes(), key=b"lead-dlq")
    await eventually(lambda: env.applied("lead-dlq-after"), timeout=60)
    assert await env.applied("lead-dlq") == 1


async def test_unknown_topic_offset_or_event_id_is_a_clear_error(env: Env) -> None:
    _, err = await env.cli("list", "--topic", "no.such.topic", expect=1)
    assert "no dead-letter topic 'no.such.topic.dlq'" in err
    _, err = await env.cli("show", "--topic", env.topic, "--offset", "99", expect=1)
    assert f"no dead letter at offset 99 (partition 0) on {dlq_topic(env.topic)}" in err
    _, err = await env.cli("replay", "--topic", env.topic, "--offset", "7", expect=1)
    assert "no dead letter at offset 7" in err
    missing = str(uuid.uuid4())
    _, err = await env.cli("replay", "--event-id", missing, expect=1)
    assert f"no dead letter with event id {missing}" in err
    _, err = await env.cli("replay", "--offset", "0", expect=1)
    assert "--offset needs --topic" in err
