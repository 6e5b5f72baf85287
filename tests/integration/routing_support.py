"""Helpers for routing's integration tests: a team of the test's own, scored leads, outbox reads."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

import services.routing
from services.routing import models, org_repository
from services.routing.org import OrgConfig, RepConfig, TeamConfig, load_org
from services.routing.rules import Condition, Rule, RuleSet, parse_rule_set
from services.routing.settings import Settings
from shared.db import SessionFactory
from shared.events import LeadScoredV1, Priority, new_event, utcnow
from shared.events.models import example_lead
from shared.kafka.runner import HandlerContext
from shared.outbox import Outbox

MIGRATIONS = Path(services.routing.__file__).parent / "migrations"
SOURCE = "/test/routing"
OUTBOX = Outbox(models.tables.outbox)


async def make_team(
    sessions: SessionFactory,
    reps: dict[str, dict[str, Any]],
    *,
    team: dict[str, Any] | None = None,
    accounts: tuple[Any, ...] = (),
) -> str:
    """A team (with a manager ``<team>-boss``) that leads of campaign ``<team>`` are routed to.

    The default org is seeded first and kept as the default, so the services started later in
    the same test session still route unmatched leads to it.
    """
    name = f"it-{uuid.uuid4().hex[:8]}"
    config = TeamConfig.model_validate(
        {"id": name, "name": name, "manager_id": f"{name}-boss", **(team or {})}
    )
    members = [RepConfig(id=f"{name}-boss", name="Boss", team=name, role="manager")]
    members += [
        RepConfig.model_validate({"id": f"{name}-{r}", "name": r, "team": name, **kw})
        for r, kw in reps.items()
    ]
    default_org, default_rules = load_org(Settings().org_file)
    async with sessions() as session, session.begin():
        await org_repository.seed(session, default_org, parse_rule_set(default_rules))
        await org_repository.import_org(
            session, OrgConfig(teams=(config,), reps=tuple(members), accounts=accounts)
        )
        current = await org_repository.current_rules(session)
        assert current is not None
        rule = Rule(
            id=f"campaign-{name}",
            conditions=(Condition(field="campaign_id", op="eq", value=name),),
            team=name,
        )
        rules = RuleSet(rules=(rule, *current[1].rules), default_team=current[1].default_team)
        await org_repository.save_rule_set(session, rules, created_by="test")
    return name


def scored_lead(
    campaign: str, *, priority: Priority = Priority.HOT, email: str | None = None, **lead: Any
) -> LeadScoredV1:
    lead_id = f"{campaign}-{uuid.uuid4().hex[:10]}"
    overrides = {
        "attribution": {"campaign_id": campaign, "channel": "paid_search"},
        "contact": {"email": email or f"{lead_id}@example.org"},
        "company": {"name": f"Co {lead_id}", "domain": None, "size": 50, "country": "US"},
        **lead,
    }
    return LeadScoredV1(
        lead_id=lead_id, captured_at=utcnow(), scored_at=utcnow(), score=80, fit=80, intent=80,
        grade="A", priority=priority, reasons=(), config_version="c", model_version="m",
        lead=example_lead(**overrides),
    )  # fmt: skip


async def route(sessions: SessionFactory, scored: LeadScoredV1) -> dict[str, Any]:
    """Run the real handler in its own transaction, as the consumer runner would."""
    from services.routing import handlers, repository

    event = new_event(scored, subject=scored.lead_id, source="/test")
    async with sessions() as session, session.begin():
        ctx = HandlerContext(session, OUTBOX, "t", 0, 0)
        await handlers.on_lead_scored(event, ctx, source=SOURCE)
    async with sessions() as session:
        row = await repository.get_assignment(session, scored.lead_id)
    assert row is not None
    return row


async def published(sessions: SessionFactory, lead_id: str) -> list[dict[str, Any]]:
    """The events staged for a lead, oldest first, as ``{"type", "data"}``."""
    table = models.tables.outbox
    async with sessions() as session:
        rows = await session.execute(
            select(table.c.headers, table.c.payload)
            .where(table.c.key == lead_id)
            .order_by(table.c.id)
        )
        return [{"type": r.headers["ce_type"], "data": json.loads(r.payload)["data"]} for r in rows]


async def retire_outbox(sessions: SessionFactory) -> None:
    """Mark what these tests staged as sent and stop their SLA clocks: no relay runs here,
    and the services started later in the test session must not act on test leads."""
    table = models.tables.outbox
    async with sessions() as session, session.begin():
        await session.execute(
            table.update().where(table.c.sent_at.is_(None)).values(sent_at=utcnow())
        )
        await session.execute(models.sla_timer.delete())


async def wait_for(probe: Any, timeout: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached in {timeout}s (last: {value!r})")
        await asyncio.sleep(0.1)
