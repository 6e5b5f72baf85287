"""Keeps every instance on the shared rules and model, and refits the model in the background.

Design: the model is a sequence of immutable rows in ``scoring_model``; the newest is in
force. Outcome handlers only record the verdict (one small upsert in their transaction).
Each instance runs a refit loop; the instance that wins a PostgreSQL advisory lock checks
whether labelled data or the configuration changed since the newest model, and if so fits
a new one in a worker thread and inserts it. Scoring never takes that lock and never waits
for a fit: it reads the active versions (two indexed single-row queries) and re-reads the
bodies only when a version changed, so all instances switch within one event of a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring import metrics, model_store, repository
from services.scoring.config import RuleSet
from services.scoring.model_store import StoredModel
from services.scoring.training import train
from shared.db import SessionFactory
from shared.events import utcnow

log = logging.getLogger(__name__)

RULES_ONLY = "rules-only"
_REFIT_LOCK = 0x7265666974


@dataclass(frozen=True)
class Active:
    """What scores a lead now: the active rule set and, once trained, the newest model."""

    rules: RuleSet
    model: StoredModel | None

    @property
    def model_version(self) -> str:
        return self.model.version if self.model else RULES_ONLY


class ActiveCache:
    """This instance's copy of the active rules and model, refreshed by version."""

    def __init__(self) -> None:
        self._active: Active | None = None

    async def current(self, session: AsyncSession) -> Active:
        rules_version = await model_store.active_rules_version(session)
        model_version = await model_store.latest_model_version(session)
        cached = self._active
        if (
            cached is not None
            and cached.rules.config_version == rules_version
            and (cached.model.version if cached.model else None) == model_version
        ):
            return cached
        stored = await model_store.active_rules(session)
        if stored is None:
            raise RuntimeError("no active rule set: the service seeds one at start-up")
        model = await model_store.latest_model(session)
        self._active = Active(stored.rules, model)
        metrics.observe_model(model)
        return self._active


async def refit_if_due(sessions: SessionFactory, *, max_examples: int = 100_000) -> str | None:
    """Fit and store a new model when the data or configuration moved; its version or None.

    Only one instance fits at a time (advisory lock, released at commit); others skip.
    """
    async with sessions() as session, session.begin():
        if not await session.scalar(select(func.pg_try_advisory_xact_lock(_REFIT_LOCK))):
            return None
        stored = await model_store.active_rules(session)
        if stored is None:
            return None
        rules = stored.rules
        count, newest = await repository.training_signature(session)
        latest = await model_store.latest_model(session)
        if count < rules.learning.min_outcomes or newest is None:
            return None
        if (
            latest is not None
            and latest.examples == count
            and latest.data_through >= newest
            and latest.config_version == rules.config_version
        ):
            return None
        examples = await repository.training_examples(session, limit=max_examples)
        model = await asyncio.to_thread(train, examples, rules, now=utcnow())
        if model is None:
            return None
        await model_store.add_model(session, model)
    log.info(
        "new model %s from %d outcomes (holdout AUC %s, rules %s)",
        model.version,
        model.outcomes_learned,
        model.auc,
        model.rules_auc,
    )
    return model.version


async def refit_loop(sessions: SessionFactory, *, every: float, max_examples: int) -> None:
    """Run until cancelled; a failed refit is logged and tried again next round."""
    while True:
        await asyncio.sleep(every)
        try:
            await refit_if_due(sessions, max_examples=max_examples)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("refit failed; the current model stays in force")


@contextlib.asynccontextmanager
async def background_refits(
    sessions: SessionFactory, *, every: float, max_examples: int
) -> AsyncIterator[None]:
    """Run the refit loop for as long as the block runs."""
    task = asyncio.create_task(
        refit_loop(sessions, every=every, max_examples=max_examples), name="scoring-refit"
    )
    try:
        yield None
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
