"""Intake's queries; they run on the caller's session and never commit."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.models import (
    campaign,
    form,
    idempotency_record,
    lead,
    lead_touch,
    rate_counter,
    secret,
)
from shared.events import Lead


async def lock(session: AsyncSession, name: str) -> None:
    """A transaction-scoped lock on a name, shared by every intake instance."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


async def recent_lead(session: AsyncSession, email: str, since: datetime) -> Any:
    return (
        await session.execute(
            select(lead.c.id, lead.c.captured_at, lead.c.touches)
            .where(lead.c.email == email, lead.c.last_touched_at >= since)
            .order_by(lead.c.last_touched_at.desc())
            .limit(1)
        )
    ).first()


async def add_lead(
    session: AsyncSession,
    *,
    lead_id: uuid.UUID,
    data: Lead,
    captured_at: datetime,
    form_id: str | None,
    source_key_id: str | None,
) -> None:
    await session.execute(
        insert(lead).values(
            id=lead_id,
            email=data.contact.email,
            campaign_id=data.attribution.campaign_id,
            form_id=form_id,
            source_key_id=source_key_id,
            data=data.model_dump(mode="json"),
            captured_at=captured_at,
            last_touched_at=captured_at,
        )
    )


async def add_touch(
    session: AsyncSession, *, lead_id: uuid.UUID, data: Lead, at: datetime, form_id: str | None
) -> int:
    """Record a new touch on a known lead; returns its touch count."""
    await session.execute(
        insert(lead_touch).values(
            id=uuid.uuid4(),
            lead_id=lead_id,
            form_id=form_id,
            data=data.model_dump(mode="json"),
            touched_at=at,
        )
    )
    touches = await session.execute(
        update(lead)
        .where(lead.c.id == lead_id)
        .values(touches=lead.c.touches + 1, last_touched_at=at)
        .returning(lead.c.touches)
    )
    return int(touches.scalar_one())


async def stored_response(session: AsyncSession, scope: str, key: str) -> Any:
    return (
        await session.execute(
            select(idempotency_record).where(
                idempotency_record.c.scope == scope, idempotency_record.c.key == key
            )
        )
    ).first()


async def store_response(
    session: AsyncSession, *, scope: str, key: str, request_hash: str, status: int, body: bytes
) -> None:
    await session.execute(
        insert(idempotency_record).values(
            scope=scope, key=key, request_hash=request_hash, status_code=status, body=body
        )
    )


async def forget_responses_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(
        idempotency_record.delete().where(idempotency_record.c.created_at < before)
    )


async def count_hit(session: AsyncSession, bucket: str, window_start: datetime) -> int:
    """Add one to a rate-limit window and return its count (one atomic upsert)."""
    statement = pg_insert(rate_counter).values(bucket=bucket, window_start=window_start, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["bucket", "window_start"], set_={"count": rate_counter.c.count + 1}
    )
    result = await session.execute(statement.returning(rate_counter.c.count))
    return int(result.scalar_one())


async def forget_windows_before(session: AsyncSession, before: datetime) -> None:
    await session.execute(rate_counter.delete().where(rate_counter.c.window_start < before))


async def get_or_make_secret(session: AsyncSession, name: str) -> str:
    """A secret shared by all instances: the first to start makes it."""
    await session.execute(
        pg_insert(secret)
        .values(name=name, value=secrets.token_urlsafe(48))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return str(
        (await session.execute(select(secret.c.value).where(secret.c.name == name))).scalar_one()
    )


async def get_form(session: AsyncSession, form_id: str) -> dict[str, Any] | None:
    config = (await session.execute(select(form.c.config).where(form.c.id == form_id))).scalar()
    return dict(config) if config is not None else None


async def list_forms(session: AsyncSession) -> list[dict[str, Any]]:
    return [
        dict(c)
        for c in (await session.execute(select(form.c.config).order_by(form.c.id))).scalars()
    ]


async def save_form(session: AsyncSession, form_id: str, config: dict[str, Any]) -> bool:
    """Create or replace a form; True when it was new."""
    statement = pg_insert(form).values(id=form_id, config=config)
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={"config": config, "updated_at": func.now()}
    )
    result = await session.execute(statement.returning(text("xmax = 0")))
    return bool(result.scalar_one())


async def add_campaign(session: AsyncSession, campaign_id: str, brief: dict[str, Any]) -> bool:
    result = await session.execute(
        pg_insert(campaign)
        .values(id=campaign_id, brief=brief)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(campaign.c.id)
    )
    return result.first() is not None


async def get_campaign(session: AsyncSession, campaign_id: str) -> Any:
    return (await session.execute(select(campaign).where(campaign.c.id == campaign_id))).first()


async def list_campaigns(session: AsyncSession) -> list[Any]:
    return list(await session.execute(select(campaign).order_by(campaign.c.created_at)))


async def get_lead(session: AsyncSession, lead_id: uuid.UUID) -> Any:
    return (await session.execute(select(lead).where(lead.c.id == lead_id))).first()


async def leads_by_email(session: AsyncSession, email: str, *, limit: int) -> list[Any]:
    """The leads of one address, newest first (one per duplicate window)."""
    rows = await session.execute(
        select(lead).where(lead.c.email == email).order_by(lead.c.captured_at.desc()).limit(limit)
    )
    return list(rows)


async def touches_of(session: AsyncSession, lead_id: uuid.UUID) -> list[Any]:
    rows = await session.execute(
        select(lead_touch.c.touched_at, lead_touch.c.form_id)
        .where(lead_touch.c.lead_id == lead_id)
        .order_by(lead_touch.c.touched_at)
    )
    return list(rows)
