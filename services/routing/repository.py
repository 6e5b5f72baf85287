"""Routing's queries; they run on the caller's session and never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.assigner import TeamConfig
from services.routing.models import assignment, rep, team_cursor


async def sync_team(session: AsyncSession, team: TeamConfig) -> None:
    """Make the stored reps match the team file (reps left out become inactive)."""
    for r in team.reps:
        values = {"id": r.id, "team": team.team, "name": r.name, "weight": r.weight}
        statement = insert(rep).values(**values, active=r.active)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"], set_={**values, "active": r.active}
            )
        )
    await session.execute(
        update(rep)
        .where(rep.c.team == team.team, rep.c.id.not_in([r.id for r in team.reps]))
        .values(active=False)
    )
    await session.execute(
        insert(team_cursor).values(team=team.team, position=0).on_conflict_do_nothing()
    )


async def eligible_weights(session: AsyncSession, team: str) -> dict[str, int]:
    rows = await session.execute(
        select(rep.c.id, rep.c.weight).where(rep.c.team == team, rep.c.active.is_(True))
    )
    return {row.id: row.weight for row in rows}


async def take_position(session: AsyncSession, team: str) -> int:
    """Read and advance the team's rotation under a row lock held until commit."""
    position = (
        await session.execute(
            select(team_cursor.c.position).where(team_cursor.c.team == team).with_for_update()
        )
    ).scalar_one()
    await session.execute(
        update(team_cursor).where(team_cursor.c.team == team).values(position=position + 1)
    )
    return int(position)


async def rep_name(session: AsyncSession, rep_id: str) -> str | None:
    return (await session.execute(select(rep.c.name).where(rep.c.id == rep_id))).scalar()


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
