"""Scoring's queries; they run on the caller's session and never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import lead_score
from shared.events import LeadScoredV1


async def save_score(session: AsyncSession, scored: LeadScoredV1) -> None:
    """Keep the latest score of each lead."""
    values: dict[str, Any] = {
        "lead_id": scored.lead_id,
        "score": scored.score,
        "fit": scored.fit,
        "intent": scored.intent,
        "grade": scored.grade,
        "priority": scored.priority.value,
        "reasons": [r.model_dump() for r in scored.reasons],
        "config_version": scored.config_version,
        "model_version": scored.model_version,
        "scored_at": scored.scored_at,
    }
    statement = insert(lead_score).values(**values)
    await session.execute(statement.on_conflict_do_update(index_elements=["lead_id"], set_=values))


async def get_score(session: AsyncSession, lead_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(lead_score).where(lead_score.c.lead_id == lead_id))).first()
    return dict(row._mapping) if row else None
