"""The consumer runner against the real broker and database."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events.topics import dlq_topic
from tests.conftest import ROOT, Stack
from tests.integration.runner_fixture import Tables, build_runner, captured, provisioned
from tests.support import eventually, free_port, read_topic

pytestmark = pytest.mark.integration


@dataclass
class Env:
    stack: Stack
    schema: str
    topic: str
    group: str
    t: Tables
    engine: AsyncEngine
    producer: AIOKafkaProducer

    async def send(self, value: bytes, key: str) -> None:
        await self.producer.send_and_wait(self.topic, value=value, key=key.encode())

    async def applied(self, lead_id: str | None = None) -> int:
        query = select(func.count()).select_from(self.t.applied)
        if lead_id is not None:
            query = query.where(self.t.applied.c.lead_id == lead_id)
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def distinct_applied(self) -> int:
        query = select(func.count(func.distinct(self.t.applied.c.event_id)))
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())


@pytest.fixture
async def env(stack: Stack) -> AsyncIterator[Env]:
    async with provisioned(stack.database_url, stack.bootstrap, "it", 3) as p:
        group = f"it-group-{p.schema.removeprefix('it_')}"
        yield Env(stack, p.schema, p.topic, group, p.t, p.engine, p.producer)


@pytest.fixture
async def running(env: Env) -> AsyncIterator[Env]:
    runner, producer, engine = build_runner(
        bootstrap=env.stack.bootstrap,
        database_url=env.stack.database_url,
        schema=env.schema,
        topic=env.topic,
        group=env.group,
    )
    await producer.start()
    await runner.start()
    try:
        yield env
    finally:
        await runner.stop()
        await producer.stop()
        await engine.dispose()


async def test_a_duplicate_delivery_changes_state_once(running: Env) -> None:
    event = captured("lead-dup")
    for _ in range(3):
        await running.send(event.to_bytes(), key="lead-1")
    # Same key, same partition: once the sentinel is applied the duplicates were handled.
    await running.send(captured("sentinel").to_bytes(), key="lead-1")
    await eventually(lambda: running.applied("sentinel"))
    assert await running.applied("lead-dup") == 1


async def test_a_poison_message_goes_to_the_dlq_with_its_error_and_the_next_is_handled(
    running: Env,
) -> None:
    garbage = b"\x00 definitely not an event"
    failing = captured("lead-poison", email="poison@example.com")
    await running.send(garbage, key="lead-2")
    await running.send(failing.to_bytes(), key="lead-2")
    await running.send(captured("after-poison").to_bytes(), key="lead-2")

    await eventually(lambda: running.applied("after-poison"))
    assert await running.applied("lead-poison") == 0

    dead = await read_topic(
        running.stack.bootstrap, dlq_topic(running.topic), lambda r: True, count=2
    )
    by_value = {r.value: dict(r.headers) for r in dead}
    undecodable = by_value[garbage]
    assert undecodable["dlq.error"].startswith(b"EventDecodeError: not an event envelope")
    assert undecodable["dlq.original.topic"] == running.topic.encode()
    assert undecodable["dlq.attempts"] == b"0"
    unhandleable = by_value[failing.to_bytes()]
    assert unhandleable["dlq.error"] == b"ValueError: cannot handle poison@example.com"
    assert unhandleable["dlq.attempts"] == b"3"  # the first try and two retries
    assert unhandleable["dlq.consumer.group"] == running.group.encode()


async def _committed(env: Env) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=env.stack.bootstrap, group_id=env.group)
    await consumer.start()
    try:
        total = 0
        for partition in range(3):
            total += await consumer.committed(TopicPartition(env.topic, partition)) or 0
        return total
    finally:
        await consumer.stop()


def _start_consumer_process(env: Env) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.runner_fixture",
            "--bootstrap",
            env.stack.bootstrap,
            "--database-url",
            env.stack.database_url,
            "--schema",
            env.schema,
            "--topic",
            env.topic,
            "--group",
            env.group,
            "--delay",
            "0.01",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )


async def test_a_consumer_killed_mid_batch_resumes_without_losing_or_double_applying(
    env: Env,
) -> None:
    total = 300
    for i in range(total):
        await env.producer.send(env.topic, value=captured(f"lead-{i}").to_bytes(), key=b"%d" % i)
    await env.producer.flush()

    first = _start_consumer_process(env)
    try:
        await eventually(lambda: _at_least(env, 60), timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    applied_at_crash = await env.applied()
    committed_at_crash = await _committed(env)
    assert applied_at_crash < total, "the crash must interrupt the work to test anything"
    # Work was committed to the database but not to Kafka: it will be delivered again.
    assert committed_at_crash < applied_at_crash

    second = _start_consumer_process(env)
    try:
        await eventually(lambda: _at_least(env, total), timeout=90)
        await eventually(lambda: _committed_all(env, total), timeout=30)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert await env.applied() == total
    assert await env.distinct_applied() == total


async def _at_least(env: Env, n: int) -> bool:
    return await env.applied() >= n


async def _committed_all(env: Env, n: int) -> bool:
    return await _committed(env) == n


async def test_the_runner_waits_for_the_database_instead_of_dead_lettering(env: Env) -> None:
    """An unreachable database is an outage, not a bad message: nothing reaches the DLQ."""
    runner, producer, engine = build_runner(
        bootstrap=env.stack.bootstrap,
        database_url=f"postgresql+asyncpg://handoff@127.0.0.1:{free_port()}/handoff",
        schema=env.schema,
        topic=env.topic,
        group=env.group,
    )
    await producer.start()
    await runner.start()
    try:
        await env.send(captured("during-outage").to_bytes(), key="k")
        await asyncio.sleep(3)
        assert runner.running
    finally:
        await runner.stop(timeout=2)
        await producer.stop()
        await engine.dispose()
    assert await _committed(env) == 0
    with pytest.raises(AssertionError):
        await read_topic(env.stack.bootstrap, dlq_topic(env.topic), lambda r: True, timeout=2)
