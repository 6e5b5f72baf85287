"""Versioned rule sets and learned models in PostgreSQL, shared by every scoring instance.

Rule sets: each version is stored once with its content digest; exactly one is active
(a partial unique index guarantees it), and activating another is one transaction.
Models: every refit inserts a new row; the newest row is the model in force. Rows are never
updated, so a scoring transaction reads a complete model without waiting for a refit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import RuleSet
from services.scoring.learner import LogisticModel
from services.scoring.models import rule_set, scoring_model
from shared.errors import Conflict, NotFound
from shared.events import utcnow

# Serialises changes of the active rule set across instances (any constant works).
_RULES_LOCK = 0x73636F72696E67


async def _lock_rules(session: AsyncSession) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(_RULES_LOCK)))


@dataclass(frozen=True)
class StoredRules:
    rules: RuleSet
    active: bool
    created_at: datetime
    created_by: str
    activated_at: datetime | None


def _stored(row: Any) -> StoredRules:
    return StoredRules(
        RuleSet.model_validate(row.body), row.active, row.created_at, row.created_by,
        row.activated_at,
    )  # fmt: skip


async def active_rules_version(session: AsyncSession) -> str | None:
    """The active version and digest ("v+digest"), cheap enough to ask on every event."""
    row = (
        await session.execute(
            select(rule_set.c.version, rule_set.c.digest).where(rule_set.c.active)
        )
    ).first()
    return f"{row.version}+{row.digest}" if row else None


async def active_rules(session: AsyncSession) -> StoredRules | None:
    row = (await session.execute(select(rule_set).where(rule_set.c.active))).first()
    return _stored(row) if row else None


async def get_rules(session: AsyncSession, version: str) -> StoredRules:
    row = (await session.execute(select(rule_set).where(rule_set.c.version == version))).first()
    if row is None:
        raise NotFound(f"no rule set version {version!r}")
    return _stored(row)


async def list_rules(session: AsyncSession) -> list[StoredRules]:
    rows = await session.execute(select(rule_set).order_by(rule_set.c.created_at.desc()))
    return [_stored(r) for r in rows]


async def add_rules(session: AsyncSession, rules: RuleSet, *, created_by: str) -> bool:
    """Store a new version; False if this exact content is already stored under it.

    A version is immutable: the same name with other content is a Conflict.
    """
    inserted = await session.execute(
        insert(rule_set)
        .values(
            version=rules.version,
            digest=rules.digest,
            body=rules.model_dump(mode="json"),
            active=False,
            created_at=utcnow(),
            created_by=created_by,
        )
        .on_conflict_do_nothing(index_elements=["version"])
        .returning(rule_set.c.version)
    )
    if inserted.first() is not None:
        return True
    existing = await get_rules(session, rules.version)
    if existing.rules.digest != rules.digest:
        raise Conflict(
            f"rule set version {rules.version!r} exists with other content; choose a new version"
        )
    return False


async def activate_rules(session: AsyncSession, version: str) -> StoredRules:
    """Make ``version`` the one every instance scores with."""
    await _lock_rules(session)
    target = await get_rules(session, version)
    if not target.active:
        await session.execute(update(rule_set).where(rule_set.c.active).values(active=False))
        await session.execute(
            update(rule_set)
            .where(rule_set.c.version == version)
            .values(active=True, activated_at=utcnow())
        )
    return await get_rules(session, version)


async def seed_rules(session: AsyncSession, rules: RuleSet) -> None:
    """At start-up: make the file's rules active if the database has none yet."""
    await _lock_rules(session)
    if await active_rules_version(session) is None:
        await add_rules(session, rules, created_by="rules file")
        await activate_rules(session, rules.version)


@dataclass(frozen=True)
class StoredModel:
    version: str
    created_at: datetime
    config_version: str
    model: LogisticModel
    outcomes_learned: int
    holdout_size: int
    auc: float | None
    rules_auc: float | None
    calibration: list[dict[str, Any]]
    examples: int
    data_through: datetime


async def latest_model_version(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(scoring_model.c.version).order_by(scoring_model.c.created_at.desc()).limit(1)
    )


async def latest_model(session: AsyncSession) -> StoredModel | None:
    row = (
        await session.execute(
            select(scoring_model).order_by(scoring_model.c.created_at.desc()).limit(1)
        )
    ).first()
    if row is None:
        return None
    return StoredModel(
        version=row.version,
        created_at=row.created_at,
        config_version=row.config_version,
        model=LogisticModel(row.intercept, row.weights),
        outcomes_learned=row.outcomes_learned,
        holdout_size=row.holdout_size,
        auc=row.auc,
        rules_auc=row.rules_auc,
        calibration=row.calibration,
        examples=row.examples,
        data_through=row.data_through,
    )


async def add_model(session: AsyncSession, stored: StoredModel) -> None:
    await session.execute(
        insert(scoring_model)
        .values(
            version=stored.version,
            created_at=stored.created_at,
            config_version=stored.config_version,
            intercept=stored.model.intercept,
            weights=dict(stored.model.weights),
            outcomes_learned=stored.outcomes_learned,
            holdout_size=stored.holdout_size,
            auc=stored.auc,
            rules_auc=stored.rules_auc,
            calibration=stored.calibration,
            examples=stored.examples,
            data_through=stored.data_through,
        )
        .on_conflict_do_nothing(index_elements=["version"])
    )
