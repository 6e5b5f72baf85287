"""Scoring learns from outcomes on the real database: an outcome changes the model and scores.

Each test removes what it wrote (its leads, outcomes, staged events and the models it
trained), so nothing reaches the scoring service the end-to-end tests start on this database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

import services.scoring
from services.scoring import handlers, learning, model_store, models, repository
from services.scoring.config import load_rules
from services.scoring.learning import ActiveCache
from services.scoring.settings import Settings
from shared.db import SessionFactory, create_engine, session_factory
from shared.events import (
    LeadCapturedV1,
    LeadTouchedV1,
    OutcomeStatus,
    SalesOutcomeRecordedV1,
    new_event,
    utcnow,
)
from shared.events.models import example_lead
from shared.kafka.runner import HandlerContext
from shared.migrations import upgrade
from shared.outbox import Outbox
from tests.conftest import Stack

pytestmark = pytest.mark.integration

MIGRATIONS = Path(services.scoring.__file__).parent / "migrations"
PREFIX = "it-scoring-"


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[SessionFactory]:
    await asyncio.to_thread(upgrade, MIGRATIONS, stack.database_url)
    engine = create_engine(stack.database_url, pool_size=4)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        await model_store.seed_rules(session, load_rules(Settings().rules_file))
        await session.execute(delete(models.scoring_model))
    try:
        yield factory
    finally:
        async with factory() as session, session.begin():
            await session.execute(delete(models.scoring_model))
            for table in (models.lead_score, models.lead_profile, models.lead_outcome):
                await session.execute(delete(table).where(table.c.lead_id.like(f"{PREFIX}%")))
            outbox = models.tables.outbox
            await session.execute(delete(outbox).where(outbox.c.key.like(f"{PREFIX}%")))
        await engine.dispose()


def context(session: Any) -> HandlerContext:
    return HandlerContext(session, Outbox(models.tables.outbox), "t", 0, 0)


def lead(form: str, **extra: Any) -> Any:
    return example_lead(
        contact={"email": f"{uuid.uuid4().hex[:8]}@acme.com", "job_title": "Engineer"},
        interest={"form_type": form, "product": "GTX Pro"},
        **extra,
    )


async def capture(sessions: SessionFactory, cache: ActiveCache, name: str, form: str) -> None:
    lead_id = PREFIX + name
    event = new_event(
        LeadCapturedV1(lead_id=lead_id, captured_at=utcnow(), lead=lead(form)),
        subject=lead_id,
        source="/test",
    )
    async with sessions() as session, session.begin():
        await handlers.on_lead_captured(event, context(session), cache=cache, source="/test")


async def outcome(
    sessions: SessionFactory, name: str, status: OutcomeStatus, reason: str | None = None
) -> None:
    lead_id = PREFIX + name
    recorded = SalesOutcomeRecordedV1(
        outcome_id=f"o-{uuid.uuid4().hex}",
        lead_id=lead_id,
        status=status,
        reason=reason,
        occurred_at=utcnow(),
    )
    async with sessions() as session, session.begin():
        event = new_event(recorded, subject=lead_id, source="/test")
        await handlers.on_outcome_recorded(event, context(session))


async def score_of(sessions: SessionFactory, name: str) -> dict[str, Any]:
    async with sessions() as session:
        row = await repository.get_score(session, PREFIX + name)
    assert row is not None
    return row


async def test_outcomes_train_a_new_model_that_changes_later_scores(
    sessions: SessionFactory,
) -> None:
    cache = ActiveCache()
    await capture(sessions, cache, "before-webinar", "webinar")
    before = await score_of(sessions, "before-webinar")
    assert before["model_version"] == learning.RULES_ONLY
    assert await learning.refit_if_due(sessions) is None  # nothing learned yet

    # Sales finds that webinar leads convert and demo requests do not, against the rules.
    # Half the outcomes arrive before their lead: they join it when it is captured.
    for i in range(80):
        form, won = ("webinar", True) if i % 2 else ("demo_request", False)
        status = OutcomeStatus.WON if won else OutcomeStatus.LOST
        if i % 4 < 2:
            await outcome(sessions, f"l-{i}", status)
            await capture(sessions, cache, f"l-{i}", form)
        else:
            await capture(sessions, cache, f"l-{i}", form)
            await outcome(sessions, f"l-{i}", status)
    await outcome(sessions, "l-0", OutcomeStatus.CONTACTED)  # a step, not a verdict

    version = await learning.refit_if_due(sessions)
    assert version is not None and version.startswith("logreg-")
    assert await learning.refit_if_due(sessions) is None  # nothing new since
    async with sessions() as session:
        stored = await model_store.latest_model(session)
    assert stored is not None
    assert stored.examples == 80
    assert stored.outcomes_learned + stored.holdout_size == 80
    assert stored.auc == 1.0 and stored.rules_auc is not None and stored.rules_auc < 0.5
    assert stored.model.weights["Form: webinar"] > 0 > stored.model.weights["Form: demo request"]

    await capture(sessions, cache, "after-webinar", "webinar")
    await capture(sessions, cache, "after-demo", "demo_request")
    webinar, demo = (
        await score_of(sessions, "after-webinar"),
        await score_of(sessions, "after-demo"),
    )
    assert webinar["model_version"] == demo["model_version"] == version
    assert webinar["score"] > before["score"]
    assert webinar["score"] > demo["score"]
    assert webinar["learned_probability"] > 0.5 > demo["learned_probability"]
    assert webinar["rules_score"] == before["rules_score"]
    factors = {r["factor"]: r["points"] for r in webinar["reasons"]}
    assert factors["Form: webinar"] > 0

    # One more verdict is new data: the next refit makes a new version.
    await capture(sessions, cache, "late", "webinar")
    await outcome(sessions, "late", OutcomeStatus.QUALIFIED)
    newer = await learning.refit_if_due(sessions)
    assert newer is not None and newer != version


async def test_spam_and_duplicates_teach_nothing_and_a_win_is_final(
    sessions: SessionFactory,
) -> None:
    cache = ActiveCache()
    for lead_id in ("spam", "dup", "won"):
        await capture(sessions, cache, lead_id, "webinar")
    await outcome(sessions, "spam", OutcomeStatus.DISQUALIFIED, "spam")
    await outcome(sessions, "dup", OutcomeStatus.DISQUALIFIED, "duplicate")
    await outcome(sessions, "won", OutcomeStatus.WON)
    await outcome(sessions, "won", OutcomeStatus.LOST)
    async with sessions() as session:
        count, _ = await repository.training_signature(session)
        [example] = await repository.training_examples(session, limit=10)
    assert count == 1
    assert (example.lead_id, example.label) == (PREFIX + "won", 1)


async def test_a_new_touch_rescores_the_lead_and_counts_touches(sessions: SessionFactory) -> None:
    cache = ActiveCache()
    await capture(sessions, cache, "again", "newsletter")
    first = await score_of(sessions, "again")
    touched = LeadTouchedV1(
        lead_id=PREFIX + "again",
        touched_at=utcnow() + timedelta(seconds=5),
        touches=2,
        lead=lead("demo_request"),
    )
    async with sessions() as session, session.begin():
        await handlers.on_lead_touched(
            new_event(touched, subject=PREFIX + "again", source="/t"),
            context(session),
            cache=cache,
            source="/t",
        )
    second = await score_of(sessions, "again")
    assert second["touches"] == 2
    assert second["score"] > first["score"]
    assert any(r["factor"] == "Demo request form" for r in second["reasons"])
    async with sessions() as session:
        outbox = models.tables.outbox
        staged = (
            await session.execute(outbox.select().where(outbox.c.key == PREFIX + "again"))
        ).all()
    assert len(staged) == 2  # lead.scored.v1 published again
