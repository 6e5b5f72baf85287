"""Two routing instances in one consumer group on the real broker: 1,000 leads, each assigned
once, in the proportions of the reps' weights."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial

import pytest
from sqlalchemy import func, select

from services.routing import handlers, models
from shared.db import SessionFactory, create_engine, session_factory
from shared.events import LeadScoredV1, Priority, new_event
from shared.events.topics import TopicSpec, dlq_topic
from shared.kafka.admin import delete_topics, ensure_topics
from shared.kafka.producer import create_producer
from shared.kafka.retry import RetryPolicy
from shared.kafka.runner import ConsumerRunner
from shared.migrations import upgrade
from tests.conftest import Stack
from tests.integration.routing_support import (
    MIGRATIONS,
    OUTBOX,
    SOURCE,
    make_team,
    retire_outbox,
    scored_lead,
)

pytestmark = pytest.mark.integration

LEADS = 1000
WEIGHTS = {"ann": 3, "bob": 2, "cy": 1}


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[SessionFactory]:
    await asyncio.to_thread(upgrade, MIGRATIONS, stack.database_url)
    engine = create_engine(stack.database_url, pool_size=8)
    factory = session_factory(engine)
    yield factory
    await retire_outbox(factory)
    await engine.dispose()


async def test_two_instances_in_one_group_assign_1000_leads_once_each_by_weight(
    stack: Stack, sessions: SessionFactory
) -> None:
    team = await make_team(
        sessions, {name: {"weight": w} for name, w in WEIGHTS.items()}, team={"sla_seconds": {}}
    )
    topic = f"it-scored-{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.bootstrap, [TopicSpec(topic, 6), TopicSpec(dlq_topic(topic), 1)])
    producer = create_producer(stack.bootstrap, client_id="it-routing-scale")
    await producer.start()
    engines = [create_engine(stack.database_url, pool_size=4) for _ in range(2)]
    runners = [
        ConsumerRunner(
            bootstrap_servers=stack.bootstrap,
            group_id=f"it-routing-{topic}",
            client_id=f"routing-{i}",
            handlers={LeadScoredV1.event_type: partial(handlers.on_lead_scored, source=SOURCE)},
            sessions=session_factory(engine),
            processed=models.tables.processed,
            outbox=OUTBOX,
            producer=producer,
            policy=RetryPolicy(max_retries=5, backoff_seconds=0.05),
            topics=(topic,),
            max_records=50,
        )
        for i, engine in enumerate(engines)
    ]
    try:
        for runner in runners:
            await runner.start()
        leads = [scored_lead(team, priority=Priority.WARM) for _ in range(LEADS)]
        for lead in leads:
            event = new_event(lead, subject=lead.lead_id, source="/test/scoring")
            await producer.send(topic, value=event.to_bytes(), key=lead.lead_id.encode())
        # Each lead a second time: redelivery must not assign anyone twice.
        for lead in leads[:100]:
            event = new_event(lead, subject=lead.lead_id, source="/test/scoring")
            await producer.send(topic, value=event.to_bytes(), key=lead.lead_id.encode())
        await producer.flush()

        async def routed() -> int:
            async with sessions() as session:
                count = await session.execute(
                    select(func.count()).where(models.assignment.c.team == team)
                )
                return int(count.scalar_one())

        deadline = asyncio.get_running_loop().time() + 240
        while await routed() < LEADS:
            assert asyncio.get_running_loop().time() < deadline, await routed()
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # the duplicates, if any were to be assigned again
        async with sessions() as session:
            reps = Counter(
                r.rep_id
                for r in await session.execute(
                    select(models.assignment.c.rep_id).where(models.assignment.c.team == team)
                )
            )
            attempts = (
                await session.execute(
                    select(func.count())
                    .select_from(models.assignment_attempt)
                    .join(
                        models.assignment,
                        models.assignment.c.id == models.assignment_attempt.c.assignment_id,
                    )
                    .where(models.assignment.c.team == team)
                )
            ).scalar_one()
            outbox = models.tables.outbox
            routed_events = (
                await session.execute(
                    select(func.count()).where(
                        outbox.c.key.in_([lead.lead_id for lead in leads]),
                        outbox.c.headers["ce_type"].astext == "lead.routed.v1",
                    )
                )
            ).scalar_one()
        assert sum(reps.values()) == LEADS
        assert attempts == LEADS
        assert routed_events == LEADS
        total = sum(WEIGHTS.values())
        for name, weight in WEIGHTS.items():
            assert abs(reps[f"{team}-{name}"] - LEADS * weight / total) <= 1, reps
        # Both instances did part of the work.
        assert all(r.consumer.assignment() for r in runners)
    finally:
        for runner in runners:
            await runner.stop()
        await producer.stop()
        for engine in engines:
            await engine.dispose()
        await delete_topics(stack.bootstrap, [topic, dlq_topic(topic)])
