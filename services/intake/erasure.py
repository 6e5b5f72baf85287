"""Erasing a lead in intake: its personal data goes, the fact it was captured stays.

The lead row keeps its id, campaign, form and times (so counts per campaign stay true) but
loses the person: the e-mail becomes a placeholder unique to the lead, the stored lead and
its touches are anonymised, idempotency answers naming it are deleted and the events it
staged are anonymised in the outbox. ``lead.erased.v1`` tells every other service to do
the same, in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import idempotency_record, lead, lead_touch
from shared.erasure import anonymise_lead, forget_in_outbox
from shared.errors import NotFound
from shared.events import LeadErasedV1, new_event, utcnow
from shared.outbox import Outbox


async def erase(
    session: AsyncSession,
    outbox: Outbox,
    lead_id: uuid.UUID,
    *,
    requested_by: str,
    source: str,
) -> datetime:
    """Erase the lead once and return when; erasing it again changes nothing."""
    row = (
        await session.execute(
            select(lead.c.id, lead.c.data, lead.c.erased_at)
            .where(lead.c.id == lead_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"no lead {lead_id}")
    if row.erased_at is not None:
        erased_at: datetime = row.erased_at
        return erased_at
    now = utcnow()
    await session.execute(
        update(lead)
        .where(lead.c.id == lead_id)
        .values(
            email=f"erased+{lead_id}@erased.invalid", data=anonymise_lead(row.data), erased_at=now
        )
    )
    touches = await session.execute(
        select(lead_touch.c.id, lead_touch.c.data).where(lead_touch.c.lead_id == lead_id)
    )
    for touch in touches:
        await session.execute(
            update(lead_touch)
            .where(lead_touch.c.id == touch.id)
            .values(data=anonymise_lead(touch.data))
        )
    # A retried request's stored answer names the lead; its key and hash came from the person.
    await session.execute(
        idempotency_record.delete().where(
            func.strpos(func.convert_from(idempotency_record.c.body, "UTF8"), str(lead_id)) > 0
        )
    )
    await forget_in_outbox(session, outbox.table, str(lead_id))
    erased = LeadErasedV1(lead_id=str(lead_id), erased_at=now, requested_by=requested_by)
    await outbox.add(session, new_event(erased, subject=str(lead_id), source=source))
    return now
