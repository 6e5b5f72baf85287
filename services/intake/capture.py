"""Accepting a lead: a new lead, or a new touch of one seen within the duplicate window.

Submissions of one address are serialised by an advisory lock, so two instances receiving
the same person at once still make one lead. The lead row and its event commit together.
Idempotency keys replay the first answer to a retried request (stored in the same
transaction as the lead, so an answer exists exactly when its lead does).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import metrics, repository
from services.intake.settings import Settings
from shared.errors import FieldError, InvalidInput
from shared.events import Lead, LeadCapturedV1, LeadTouchedV1, new_event, utcnow
from shared.outbox import Outbox


@dataclass(frozen=True)
class Captured:
    lead_id: uuid.UUID
    captured_at: datetime
    status: Literal["accepted", "touched"]
    touches: int


async def capture(
    session: AsyncSession,
    outbox: Outbox,
    *,
    lead: Lead,
    source: str,
    window: timedelta,
    form_id: str | None = None,
    source_key_id: str | None = None,
) -> Captured:
    """Store the lead (or its touch) and stage its event, inside the caller's transaction."""
    now = utcnow()
    email = lead.contact.email
    await repository.lock(session, f"intake.email:{email}")
    known = await repository.recent_lead(session, email, since=now - window)
    if known is not None:
        touches = await repository.add_touch(
            session, lead_id=known.id, data=lead, at=now, form_id=form_id
        )
        touched = LeadTouchedV1(
            lead_id=str(known.id), touched_at=now, touches=touches, lead=lead, form_id=form_id
        )
        await outbox.add(session, new_event(touched, subject=str(known.id), source=source))
        _count("touched", lead)
        return Captured(known.id, known.captured_at, "touched", touches)
    lead_id = uuid.uuid4()
    await repository.add_lead(
        session,
        lead_id=lead_id,
        data=lead,
        captured_at=now,
        form_id=form_id,
        source_key_id=source_key_id,
    )
    captured = LeadCapturedV1(lead_id=str(lead_id), captured_at=now, lead=lead, form_id=form_id)
    await outbox.add(session, new_event(captured, subject=str(lead_id), source=source))
    _count("accepted", lead)
    return Captured(lead_id, now, "accepted", 1)


def _count(outcome: str, lead: Lead) -> None:
    attribution = lead.attribution
    metrics.LEADS.labels(outcome, attribution.channel or "", attribution.campaign_id or "").inc()


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


async def replay(
    session: AsyncSession, *, scope: str, key: str, body_hash: str, ttl: timedelta
) -> Replay | None:
    """The stored answer for a retried request, or None for a first one (the key is locked)."""
    if not 1 <= len(key) <= 200:
        raise InvalidInput("invalid Idempotency-Key", [_key_error("use 1 to 200 characters")])
    await repository.lock(session, f"intake.idempotency:{scope}:{key}")
    stored = await repository.stored_response(session, scope, key)
    if stored is None or stored.created_at < utcnow() - ttl:
        if stored is not None:
            await repository.forget_responses_before(session, utcnow() - ttl)
        return None
    if stored.request_hash != body_hash:
        metrics.REJECTIONS.labels("idempotency_key_reused").inc()
        raise InvalidInput(
            "Idempotency-Key reused for a different request",
            [_key_error("this key was used with a different body; use a new key")],
        )
    return Replay(stored.status_code, bytes(stored.body))


@dataclass(frozen=True)
class Retry:
    """An Idempotency-Key with what it covers: the caller's scope and the request's hash."""

    scope: str
    key: str
    body_hash: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    replayed: bool = False


async def capture_once(
    session: AsyncSession,
    outbox: Outbox,
    *,
    lead: Lead,
    settings: Settings,
    retry: Retry | None,
    render: Callable[[Captured], bytes],
    form_id: str | None = None,
    source_key_id: str | None = None,
) -> Answer:
    """``capture`` behind an idempotency key: a retried request gets its first answer back.

    The stored answer commits with the lead, so it exists exactly when the lead does.
    """
    if retry is not None:
        prior = await replay(
            session,
            scope=retry.scope,
            key=retry.key,
            body_hash=retry.body_hash,
            ttl=timedelta(hours=settings.idempotency_ttl_hours),
        )
        if prior is not None:
            return Answer(prior.status, prior.body, replayed=True)
    captured = await capture(
        session,
        outbox,
        lead=lead,
        source=settings.event_source,
        window=timedelta(days=settings.duplicate_window_days),
        form_id=form_id,
        source_key_id=source_key_id,
    )
    answer = Answer(202 if captured.status == "accepted" else 200, render(captured))
    if retry is not None:
        await repository.store_response(
            session,
            scope=retry.scope,
            key=retry.key,
            request_hash=retry.body_hash,
            status=answer.status,
            body=answer.body,
        )
    return answer


def _key_error(message: str) -> FieldError:
    return FieldError("Idempotency-Key", message)
