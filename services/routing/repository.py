"""Queries on assignments, their attempts, SLA timers and campaigns; they never commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import (
    assignment,
    assignment_attempt,
    campaign,
    erased_lead,
    sla_timer,
)
from shared.erasure import is_erased, mark_erased
from shared.events import CampaignBriefedV1


async def add_assignment(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert unless the lead already has an assignment; False means it had one."""
    result = await session.execute(
        insert(assignment)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["lead_id"])
        .returning(assignment.c.id)
    )
    return result.first() is not None


async def get_assignment(session: AsyncSession, lead_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(assignment).where(assignment.c.lead_id == lead_id))).first()
    return dict(row._mapping) if row else None


async def lock_assignment(session: AsyncSession, assignment_id: uuid.UUID) -> dict[str, Any] | None:
    """The assignment, locked until commit so accept, decline and breach never interleave."""
    row = (
        await session.execute(
            select(assignment).where(assignment.c.id == assignment_id).with_for_update()
        )
    ).first()
    return dict(row._mapping) if row else None


async def update_assignment(
    session: AsyncSession, assignment_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await session.execute(
        update(assignment).where(assignment.c.id == assignment_id).values(**values)
    )


async def forget_lead(session: AsyncSession, lead_id: str) -> None:
    await session.execute(
        update(assignment)
        .where(assignment.c.lead_id == lead_id)
        .values(event=None, contact_key=None)
    )


async def mark_lead_erased(session: AsyncSession, lead_id: str, at: datetime) -> None:
    await mark_erased(session, erased_lead, lead_id, at)


async def erased(session: AsyncSession, lead_id: str) -> bool:
    return await is_erased(session, erased_lead, lead_id)


async def add_attempt(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(assignment_attempt).values(**values))


async def end_attempt(
    session: AsyncSession, assignment_id: uuid.UUID, attempt: int, *, ending: str, at: datetime
) -> None:
    await session.execute(
        update(assignment_attempt)
        .where(
            assignment_attempt.c.assignment_id == assignment_id,
            assignment_attempt.c.attempt == attempt,
            assignment_attempt.c.ended_at.is_(None),
        )
        .values(ended_at=at, ending=ending)
    )


async def attempts(session: AsyncSession, assignment_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(assignment_attempt)
        .where(assignment_attempt.c.assignment_id == assignment_id)
        .order_by(assignment_attempt.c.attempt)
    )
    return [dict(r._mapping) for r in rows]


async def reps_who_missed(session: AsyncSession, assignment_id: uuid.UUID) -> set[str]:
    """Reps who let this lead's SLA pass or declined it: it never goes back to them."""
    rows = await session.execute(
        select(assignment_attempt.c.rep_id).where(
            assignment_attempt.c.assignment_id == assignment_id,
            assignment_attempt.c.ending.in_(("breached", "declined")),
            assignment_attempt.c.rep_id.is_not(None),
        )
    )
    return {r.rep_id for r in rows}


async def rep_of_contact(session: AsyncSession, contact_key: str) -> str | None:
    """The rep who holds the latest earlier lead of the same person (a repeat lead)."""
    return (
        await session.execute(
            select(assignment.c.rep_id)
            .where(assignment.c.contact_key == contact_key, assignment.c.rep_id.is_not(None))
            .order_by(assignment.c.routed_at.desc())
            .limit(1)
        )
    ).scalar()


async def set_timer(
    session: AsyncSession, assignment_id: uuid.UUID, lead_id: str, attempt: int, due_at: datetime
) -> None:
    values = {"lead_id": lead_id, "attempt": attempt, "due_at": due_at}
    await session.execute(
        insert(sla_timer)
        .values(assignment_id=assignment_id, **values)
        .on_conflict_do_update(index_elements=["assignment_id"], set_=values)
    )


async def lock_timer(session: AsyncSession, assignment_id: uuid.UUID) -> None:
    await session.execute(
        select(sla_timer.c.assignment_id)
        .where(sla_timer.c.assignment_id == assignment_id)
        .with_for_update()
    )


async def clear_timer(session: AsyncSession, assignment_id: uuid.UUID) -> None:
    await session.execute(sla_timer.delete().where(sla_timer.c.assignment_id == assignment_id))


async def claim_due_timers(session: AsyncSession, *, limit: int) -> list[dict[str, Any]]:
    """Timers past due that no other instance holds; they stay locked until commit."""
    rows = await session.execute(
        select(sla_timer)
        .where(sla_timer.c.due_at <= func.now())
        .order_by(sla_timer.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [dict(r._mapping) for r in rows]


async def next_due(session: AsyncSession) -> datetime | None:
    due: datetime | None = (await session.execute(select(func.min(sla_timer.c.due_at)))).scalar()
    return due


async def save_campaign(session: AsyncSession, brief: CampaignBriefedV1, at: datetime) -> None:
    values = {
        "name": brief.name,
        "offer": brief.offer,
        "channel": brief.channel,
        "starts_on": brief.starts_on,
        "ends_on": brief.ends_on,
        "expected_leads": brief.expected_leads,
        "briefed_at": at,
    }
    await session.execute(
        insert(campaign)
        .values(campaign_id=brief.campaign_id, **values)
        .on_conflict_do_update(index_elements=["campaign_id"], set_=values)
    )


async def get_campaign(session: AsyncSession, campaign_id: str) -> dict[str, Any] | None:
    row = (
        await session.execute(select(campaign).where(campaign.c.campaign_id == campaign_id))
    ).first()
    return dict(row._mapping) if row else None


async def hot_share(session: AsyncSession, team_id: str, *, since: datetime) -> tuple[int, int]:
    """``(hot leads, all leads)`` routed to a team since ``since``."""
    hot, total = (
        await session.execute(
            select(
                func.count().filter(assignment.c.priority == "hot"),
                func.count(),
            ).where(assignment.c.team == team_id, assignment.c.routed_at >= since)
        )
    ).one()
    return int(hot), int(total)


async def first_assignments(
    session: AsyncSession, team_id: str, *, since: datetime | None
) -> dict[str, int]:
    """Leads each rep got from the team's rotation (first attempts only), for fairness."""
    query = (
        select(assignment_attempt.c.rep_id, func.count())
        .join(assignment, assignment.c.id == assignment_attempt.c.assignment_id)
        .where(
            assignment.c.team == team_id,
            assignment_attempt.c.attempt == 1,
            assignment_attempt.c.rep_id.is_not(None),
            assignment_attempt.c.kind == "rotation",
        )
        .group_by(assignment_attempt.c.rep_id)
    )
    if since is not None:
        query = query.where(assignment_attempt.c.assigned_at >= since)
    return {row[0]: int(row[1]) for row in await session.execute(query)}
