"""Intake's queries; they run on the caller's session and never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import lead
from shared.events import Lead


async def add_lead(
    session: AsyncSession, *, lead_id: uuid.UUID, data: Lead, captured_at: datetime
) -> None:
    await session.execute(
        insert(lead).values(
            id=lead_id,
            email=data.contact.email,
            campaign_id=data.attribution.campaign_id,
            data=data.model_dump(mode="json"),
            captured_at=captured_at,
        )
    )
