"""Round robin shared by concurrent routing instances, on the real database."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

import services.routing
from services.routing import handlers, models, repository
from services.routing.assigner import RepConfig, TeamConfig
from shared.db import SessionFactory, create_engine, session_factory
from shared.events import LeadScoredV1, Priority, new_event, utcnow
from shared.events.models import example_lead
from shared.kafka.runner import HandlerContext
from shared.migrations import upgrade
from shared.outbox import Outbox
from tests.conftest import Stack

pytestmark = pytest.mark.integration

MIGRATIONS = Path(services.routing.__file__).parent / "migrations"


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[SessionFactory]:
    await asyncio.to_thread(upgrade, MIGRATIONS, stack.database_url)
    engine = create_engine(stack.database_url, pool_size=8)
    yield session_factory(engine)
    await engine.dispose()


def team(name: str, weights: dict[str, int]) -> TeamConfig:
    return TeamConfig(
        team=name,
        sla_minutes={Priority.HOT: 5},
        reps=tuple(RepConfig(id=f"{name}-{r}", name=r, weight=w) for r, w in weights.items()),
    )


async def route(sessions: SessionFactory, config: TeamConfig, lead_id: str) -> None:
    scored = LeadScoredV1(
        lead_id=lead_id,
        captured_at=utcnow(),
        scored_at=utcnow(),
        score=80,
        fit=80,
        intent=80,
        grade="A",
        priority=Priority.HOT,
        reasons=(),
        config_version="c",
        model_version="m",
        lead=example_lead(),
    )
    event = new_event(scored, subject=lead_id, source="/test")
    for _attempt in range(20):
        try:
            async with sessions() as session, session.begin():
                context = HandlerContext(session, Outbox(models.tables.outbox), "t", 0, 0)
                await handlers.on_lead_scored(event, context, team=config, source="/test")
            return
        except Exception as exc:  # a serialisation conflict is retried, as the runner would
            last = exc
            await asyncio.sleep(0.05)
    raise last


async def assignments(sessions: SessionFactory, team_name: str) -> list[tuple[str, str]]:
    table = models.assignment
    async with sessions() as session:
        rows = await session.execute(
            select(table.c.lead_id, table.c.rep_id).where(table.c.team == team_name)
        )
        return [(r.lead_id, r.rep_id) for r in rows]


async def test_two_instances_at_once_keep_one_fair_weighted_rotation(
    sessions: SessionFactory,
) -> None:
    name = f"it-{uuid.uuid4().hex[:8]}"
    config = team(name, {"ann": 2, "bob": 1, "cy": 1})
    async with sessions() as session, session.begin():
        await repository.sync_team(session, config)

    leads = [f"{name}-lead-{i}" for i in range(40)]

    async def instance(mine: list[str]) -> None:
        for lead_id in mine:
            await route(sessions, config, lead_id)

    await asyncio.gather(instance(leads[::2]), instance(leads[1::2]))
    rows = await assignments(sessions, name)
    assert sorted(lead for lead, _ in rows) == sorted(leads)
    assert Counter(rep for _, rep in rows) == {
        f"{name}-ann": 20,
        f"{name}-bob": 10,
        f"{name}-cy": 10,
    }


async def test_a_lead_scored_twice_is_assigned_once(sessions: SessionFactory) -> None:
    name = f"it-{uuid.uuid4().hex[:8]}"
    config = team(name, {"ann": 1, "bob": 1})
    async with sessions() as session, session.begin():
        await repository.sync_team(session, config)
    await asyncio.gather(*(route(sessions, config, f"{name}-same") for _ in range(4)))
    assert len(await assignments(sessions, name)) == 1


async def test_a_team_with_nobody_active_holds_leads_in_its_queue(sessions: SessionFactory) -> None:
    name = f"it-{uuid.uuid4().hex[:8]}"
    config = team(name, {"ann": 1})
    config = config.model_copy(
        update={"reps": (config.reps[0].model_copy(update={"active": False}),)}
    )
    async with sessions() as session, session.begin():
        await repository.sync_team(session, config)
    await route(sessions, config, f"{name}-lead")
    async with sessions() as session:
        row = await repository.get_assignment(session, f"{name}-lead")
    assert row is not None
    assert row["rep_id"] is None
    assert row["queue"] == f"{name}.queue"
    assert "no active rep" in row["reason"]
