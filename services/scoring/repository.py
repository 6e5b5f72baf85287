"""Scoring's queries on scores, kept lead profiles and outcomes; never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import erased_lead, lead_outcome, lead_profile, lead_score
from shared.erasure import anonymise_lead, is_erased, mark_erased
from shared.events import Lead, LeadScoredV1, OutcomeStatus, utcnow


async def save_score(
    session: AsyncSession,
    scored: LeadScoredV1,
    *,
    rules_score: int,
    learned_probability: float | None,
    touches: int,
    last_touch_at: datetime,
) -> None:
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
        "rules_score": rules_score,
        "learned_probability": learned_probability,
        "touches": touches,
        "last_touch_at": last_touch_at,
    }
    statement = insert(lead_score).values(**values)
    await session.execute(statement.on_conflict_do_update(index_elements=["lead_id"], set_=values))


async def get_score(session: AsyncSession, lead_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(lead_score).where(lead_score.c.lead_id == lead_id))).first()
    return dict(row._mapping) if row else None


@dataclass(frozen=True)
class Profile:
    """A lead as scoring keeps it between its touches."""

    lead: Lead
    captured_at: datetime
    touches: int
    last_touch_at: datetime


async def record_touch(
    session: AsyncSession,
    lead_id: str,
    lead: Lead,
    *,
    touched_at: datetime,
    touches: int,
) -> Profile:
    """Store the lead's latest form data and count its touches; returns the profile.

    A first capture creates the profile; a repeat (``lead.touched.v1``) replaces the lead
    data with the newer submission, keeps the capture time and the highest touch count.
    """
    table = lead_profile
    statement = insert(table).values(
        lead_id=lead_id,
        lead=lead.model_dump(mode="json"),
        captured_at=touched_at,
        touches=touches,
        last_touch_at=touched_at,
        updated_at=utcnow(),
    )
    excluded = statement.excluded
    row = (
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["lead_id"],
                set_={
                    "lead": excluded.lead,
                    "touches": func.greatest(table.c.touches, excluded.touches),
                    "last_touch_at": func.greatest(table.c.last_touch_at, excluded.last_touch_at),
                    "captured_at": func.least(table.c.captured_at, excluded.captured_at),
                    "updated_at": excluded.updated_at,
                },
            ).returning(table.c.captured_at, table.c.touches, table.c.last_touch_at)
        )
    ).one()
    return Profile(lead, row.captured_at, row.touches, row.last_touch_at)


def outcome_label(status: OutcomeStatus, reason: str | None) -> int | None:
    """What an outcome teaches: 1 good lead, 0 not, None nothing.

    Spam and duplicates say nothing about which genuine leads convert: a bot's form data is
    not a buyer's, and a duplicate's outcome belongs to the lead it duplicates.
    """
    if status in {OutcomeStatus.WON, OutcomeStatus.QUALIFIED}:
        return 1
    if status is OutcomeStatus.DISQUALIFIED and (reason or "").lower() in {"spam", "duplicate"}:
        return None
    return 0


VERDICTS = frozenset(
    {OutcomeStatus.WON, OutcomeStatus.QUALIFIED, OutcomeStatus.LOST, OutcomeStatus.DISQUALIFIED}
)


async def record_outcome(
    session: AsyncSession,
    *,
    lead_id: str,
    outcome_id: str,
    status: OutcomeStatus,
    reason: str | None,
    occurred_at: datetime,
) -> bool:
    """Keep the lead's latest verdict (a win is final); False when nothing changed.

    Accepted and contacted are steps, not verdicts, and teach nothing.
    """
    if status not in VERDICTS:
        return False
    table = lead_outcome
    statement = insert(table).values(
        lead_id=lead_id,
        outcome_id=outcome_id,
        status=status.value,
        reason=reason,
        label=outcome_label(status, reason),
        occurred_at=occurred_at,
        updated_at=utcnow(),
    )
    excluded = statement.excluded
    changed = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["lead_id"],
            set_={
                c: getattr(excluded, c)
                for c in ("outcome_id", "status", "reason", "label", "occurred_at", "updated_at")
            },
            where=(table.c.status != OutcomeStatus.WON.value)
            & or_(excluded.occurred_at >= table.c.occurred_at, excluded.status == "won"),
        ).returning(table.c.lead_id)
    )
    return changed.first() is not None


@dataclass(frozen=True)
class Example:
    """One lead with a verdict: what the model learns from."""

    lead_id: str
    lead: dict[str, Any]
    touches: int
    label: int
    updated_at: datetime


def _examples_query() -> Any:
    return (
        select(
            lead_profile.c.lead_id,
            lead_profile.c.lead,
            lead_profile.c.touches,
            lead_outcome.c.label,
            func.greatest(lead_profile.c.updated_at, lead_outcome.c.updated_at).label("updated_at"),
        )
        .join(lead_outcome, lead_outcome.c.lead_id == lead_profile.c.lead_id)
        .where(lead_outcome.c.label.is_not(None))
    )


async def training_signature(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many examples there are and when the newest changed: a refit is due when it moves."""
    q = _examples_query().subquery()
    row = (await session.execute(select(func.count(), func.max(q.c.updated_at)))).one()
    return int(row[0]), row[1]


async def training_examples(session: AsyncSession, *, limit: int) -> list[Example]:
    """The newest ``limit`` labelled leads."""
    q = _examples_query().subquery()
    rows = await session.execute(select(q).order_by(q.c.updated_at.desc()).limit(limit))
    return [Example(r.lead_id, r.lead, r.touches, int(r.label), r.updated_at) for r in rows]


async def forget_lead(session: AsyncSession, lead_id: str, at: datetime) -> None:
    """Keep the erased lead's profile for the model without the person in it."""
    await mark_erased(session, erased_lead, lead_id, at)
    row = (
        await session.execute(
            select(lead_profile.c.lead).where(lead_profile.c.lead_id == lead_id).with_for_update()
        )
    ).first()
    if row is not None:
        await session.execute(
            update(lead_profile)
            .where(lead_profile.c.lead_id == lead_id)
            .values(lead=anonymise_lead(row.lead))
        )


async def erased(session: AsyncSession, lead_id: str) -> bool:
    return await is_erased(session, erased_lead, lead_id)
