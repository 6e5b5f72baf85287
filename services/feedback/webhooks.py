"""Outcomes from CRMs by signed webhook, and the admin API for the CRMs allowed to send them.

A CRM posts the same body as ``POST /v1/outcomes`` to ``/v1/webhooks/{source}/outcomes``,
signed Stripe-style with its source's secret (``shared.webhooks``): no API key, the signature
is the proof. A missing or wrong signature, or a timestamp outside the tolerance window, is a
401; a call whose signature was already accepted is a replay and gets a 409. Signatures are
kept in PostgreSQL for the window, and recorded in the same transaction as the outcomes, so
every instance refuses a replay and a refused call does not burn its signature.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.api import _OUTCOMES_BODY, accept_outcomes
from services.feedback.models import webhook_seen, webhook_source
from services.feedback.schemas import OutcomeAccepted, OutcomesAccepted
from services.feedback.settings import Settings
from shared.auth import require
from shared.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthenticated
from shared.events import Scope, utcnow
from shared.service import RuntimeDep, SessionDep
from shared.webhooks import SIGNATURE_HEADER, SignatureError, new_secret, verify

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
admin = APIRouter(
    prefix="/v1/webhook-sources", tags=["webhooks"], dependencies=[require(Scope.ADMIN)]
)
SOURCE_ID = r"^[a-z0-9][a-z0-9._-]{0,63}$"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such source"}}


async def _secrets(session: AsyncSession, settings: Settings, source_id: str) -> list[str]:
    """Every secret that may sign for a source now: configured, current, previous in overlap."""
    found = [s.get_secret_value() for k, s in settings.webhook_secrets.items() if k == source_id]
    row = (
        await session.execute(select(webhook_source).where(webhook_source.c.id == source_id))
    ).first()
    if row is not None:
        found.append(row.secret)
        if (
            row.previous_secret
            and row.previous_secret_until
            and row.previous_secret_until > utcnow()
        ):
            found.append(row.previous_secret)
    return found


@router.post(
    "/{source_id}/outcomes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OutcomeAccepted | OutcomesAccepted,
    summary="Outcomes from a CRM, signed with its source's secret",
    responses={
        200: {"description": "Every outcome_id was already recorded; nothing changed"},
        401: {"description": "Missing or wrong signature, or a timestamp out of tolerance"},
        409: {"description": "A replayed call, or an outcome that cannot follow the history"},
        413: {"description": "Body over the size limit"},
        422: {"description": "Not JSON, or a field is invalid; the error names it"},
    },
    openapi_extra=_OUTCOMES_BODY,
)
async def signed_outcomes(
    source_id: str,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    signature: Annotated[
        str | None,
        Header(alias=SIGNATURE_HEADER, description="t=<unix seconds>,v1=<hex HMAC-SHA256>"),
    ] = None,
) -> OutcomeAccepted | OutcomesAccepted:
    """Verify the signature over the raw body, refuse replays, then record like ``/v1/outcomes``."""
    settings: Settings = runtime.settings
    raw = await request.body()
    async with session.begin():
        keys = await _secrets(session, settings, source_id)
        if not keys:
            raise Unauthenticated("no valid signature for this source")
        try:
            verified = verify(raw, signature, keys, tolerance=settings.webhook_tolerance_seconds)
        except SignatureError as exc:
            raise Unauthenticated(f"no valid signature: {exc}") from None
        try:
            payload = json.loads(raw)
        except ValueError:
            raise InvalidInput("the body is not JSON", [FieldError("body", "not JSON")]) from None
        fresh = (
            await session.execute(
                insert(webhook_seen)
                .values(source_id=source_id, signature=verified.signature)
                .on_conflict_do_nothing()
                .returning(webhook_seen.c.signature)
            )
        ).first()
        if fresh is None:
            raise Conflict("this signed call was already accepted (a replay)")
        window = timedelta(seconds=2 * settings.webhook_tolerance_seconds)
        await session.execute(
            delete(webhook_seen).where(webhook_seen.c.seen_at < utcnow() - window)
        )
        return await accept_outcomes(payload, session, runtime, response)


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SOURCE_ID, examples=["acme-crm"])
    description: str | None = Field(default=None, max_length=200)


class SourceRead(BaseModel):
    id: str
    description: str | None
    created_at: datetime


class SourceCreated(SourceRead):
    secret: str = Field(description="Shown once: sign calls with it")


@admin.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SourceCreated,
    responses={409: {"description": "The source exists (rotate its secret instead)"}},
)
async def create_source(body: SourceCreate, session: SessionDep) -> SourceCreated:
    """Allow a CRM to post signed outcomes; its secret is shown once."""
    secret = new_secret()
    async with session.begin():
        row = (
            await session.execute(
                insert(webhook_source)
                .values(id=body.id, description=body.description, secret=secret)
                .on_conflict_do_nothing()
                .returning(webhook_source)
            )
        ).first()
    if row is None:
        raise Conflict(f"source {body.id} exists")
    return SourceCreated(
        id=row.id, description=row.description, created_at=row.created_at, secret=secret
    )


@admin.get("", response_model=list[SourceRead])
async def list_sources(session: SessionDep) -> list[SourceRead]:
    rows = await session.execute(select(webhook_source).order_by(webhook_source.c.id))
    return [SourceRead(id=r.id, description=r.description, created_at=r.created_at) for r in rows]


@admin.post("/{source_id}/rotate", response_model=SourceCreated, responses=NOT_FOUND)
async def rotate_source(
    source_id: str,
    session: SessionDep,
    overlap_hours: Annotated[int, Query(ge=0, le=168)] = 24,
) -> SourceCreated:
    """A new secret, shown once; the old one still verifies during the overlap."""
    secret = new_secret()
    async with session.begin():
        row = (
            await session.execute(
                update(webhook_source)
                .where(webhook_source.c.id == source_id)
                .values(
                    secret=secret,
                    previous_secret=webhook_source.c.secret,
                    previous_secret_until=utcnow() + timedelta(hours=overlap_hours),
                )
                .returning(webhook_source)
            )
        ).first()
    if row is None:
        raise NotFound(f"no source {source_id}")
    return SourceCreated(
        id=row.id, description=row.description, created_at=row.created_at, secret=secret
    )


@admin.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_source(source_id: str, session: SessionDep) -> Response:
    async with session.begin():
        gone = await session.execute(
            delete(webhook_source)
            .where(webhook_source.c.id == source_id)
            .returning(webhook_source.c.id)
        )
        if gone.first() is None:
            raise NotFound(f"no source {source_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


__all__ = ["admin", "router"]
