"""The figures operators alert on, against the real broker and database: consumer lag asked
of the broker, outbox backlog read from PostgreSQL, failures and dead letters per topic, and
log lines that carry the event and lead they are about."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import REGISTRY
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import session_factory
from shared.kafka.lag import refresh_lag
from shared.logging import JsonFormatter
from shared.outbox import Outbox, OutboxRelay
from tests.conftest import Stack
from tests.integration.runner_fixture import Tables, build_runner, captured, provisioned
from tests.support import eventually

pytestmark = pytest.mark.integration


@dataclass
class Env:
    stack: Stack
    schema: str
    topic: str
    t: Tables
    engine: AsyncEngine
    producer: AIOKafkaProducer


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def env(stack: Stack) -> AsyncIterator[Env]:
    async with provisioned(stack.database_url, stack.bootstrap, "om", 2) as p:
        yield Env(stack, p.schema, p.topic, p.t, p.engine, p.producer)


@pytest.fixture
def runner_logs() -> Iterator[list[dict[str, object]]]:
    """The runner's log lines as the services write them (JSON), parsed back."""
    lines: list[dict[str, object]] = []
    formatter = JsonFormatter("om-test")

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(formatter.format(record)))

    handler = Keep(level=logging.WARNING)
    logger = logging.getLogger("shared.kafka.runner")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


async def test_lag_is_what_the_group_has_not_committed_and_leaves_with_the_partition(
    env: Env,
) -> None:
    for n in range(5):
        await env.producer.send_and_wait(env.topic, value=b"x%d" % n, partition=0)
    await env.producer.send_and_wait(env.topic, value=b"y", partition=1)
    consumer = AIOKafkaConsumer(
        env.topic,
        bootstrap_servers=env.stack.bootstrap,
        group_id=f"om-group-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        await eventually(lambda: _assigned(consumer), timeout=30)
        # Nothing handled yet, nothing committed: everything is lag, even with no fetch made.
        reported = await refresh_lag(consumer, set())
        lag = {
            p: sample("handoff_consumer_lag_messages", topic=env.topic, partition=p) for p in "01"
        }
        assert lag == {"0": 5.0, "1": 1.0}
        await consumer.commit({TopicPartition(env.topic, 0): 3, TopicPartition(env.topic, 1): 1})
        reported = await refresh_lag(consumer, reported)
        assert sample("handoff_consumer_lag_messages", topic=env.topic, partition="0") == 2.0
        assert sample("handoff_consumer_lag_messages", topic=env.topic, partition="1") == 0.0
        consumer.unsubscribe()
        assert await refresh_lag(consumer, reported) == set()
        assert (
            REGISTRY.get_sample_value(
                "handoff_consumer_lag_messages", {"topic": env.topic, "partition": "0"}
            )
            is None
        )
    finally:
        await consumer.stop()


async def _assigned(consumer: AIOKafkaConsumer) -> bool:
    await consumer.getmany(timeout_ms=100, max_records=1)
    return len(consumer.assignment()) == 2


async def test_failures_and_dead_letters_are_counted_per_topic_and_logged_with_ids(
    env: Env, runner_logs: list[dict[str, object]]
) -> None:
    runner, producer, engine = build_runner(
        bootstrap=env.stack.bootstrap,
        database_url=env.stack.database_url,
        schema=env.schema,
        topic=env.topic,
        group=f"om-runner-{uuid.uuid4().hex[:8]}",
    )
    # The series exists at 0 before anything failed, so the first dead letter is an increase.
    assert REGISTRY.get_sample_value("handoff_dead_letters_total", {"topic": env.topic}) == 0.0
    failing = captured("lead-om-poison", email="poison@example.com")
    failures = ("handoff_event_handler_failures_total", {"topic": env.topic, "type": failing.type})
    await producer.start()
    await runner.start()
    try:
        await env.producer.send_and_wait(env.topic, value=b"garbage", key=b"k", partition=0)
        await env.producer.send_and_wait(env.topic, value=failing.to_bytes(), partition=0)

        async def dead_lettered() -> bool:
            return sample("handoff_dead_letters_total", topic=env.topic) == 2.0

        await eventually(dead_lettered, timeout=60)
    finally:
        await runner.stop()
        await producer.stop()
        await engine.dispose()
    assert sample(failures[0], **failures[1]) == 3.0  # the first try and two retries
    assert sample("handoff_events_consumed_total", topic=env.topic, outcome="dead_lettered") == 2.0

    about_failing = [line for line in runner_logs if line.get("event_id") == str(failing.id)]
    assert {line["level"] for line in about_failing} == {"WARNING", "ERROR"}
    assert all(line["lead_id"] == "lead-om-poison" for line in about_failing)
    assert any(str(line["message"]).startswith("dead-lettering") for line in about_failing)
    # An undecodable message has no event or lead to name, and its line says none.
    [garbage] = [
        line
        for line in runner_logs
        if str(line["message"]).startswith("dead-lettering") and line not in about_failing
    ]
    assert "event_id" not in garbage and "lead_id" not in garbage


async def test_outbox_backlog_and_age_are_read_from_postgresql_alike_by_every_instance(
    env: Env,
) -> None:
    outbox = Outbox(env.t.outbox)
    sessions = session_factory(env.engine)
    relays = [
        OutboxRelay(outbox=outbox, sessions=sessions, producer=env.producer, listen_dsn=None)
        for _ in range(2)
    ]
    async with sessions() as session, session.begin():
        for n in range(3):
            await outbox.add(session, captured(f"lead-om-outbox-{n}"))
        await session.execute(
            update(env.t.outbox).values(created_at=text("now() - interval '90 seconds'"))
        )
    for relay in relays:
        await relay.update_backlog_metrics()
        assert sample("handoff_outbox_backlog_messages") == 3.0
        assert 90.0 <= sample("handoff_outbox_oldest_age_seconds") < 300.0
    async with sessions() as session, session.begin():
        await session.execute(update(env.t.outbox).values(sent_at=text("now()")))
    await relays[1].update_backlog_metrics()
    assert sample("handoff_outbox_backlog_messages") == 0.0
    assert sample("handoff_outbox_oldest_age_seconds") == 0.0
