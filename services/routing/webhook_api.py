"""Admin API for CRM webhook subscriptions: create (secret shown once), list, rotate, delete."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import delete, select, update

from services.routing.models import webhook_delivery, webhook_subscription
from services.routing.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead
from shared.auth import require
from shared.errors import NotFound
from shared.events import Scope, utcnow
from shared.service import SessionDep
from shared.webhooks import new_secret

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], dependencies=[require(Scope.ADMIN)])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such subscription"}}


def _read(row: Any) -> WebhookRead:
    now = utcnow()
    until = row.previous_secret_until
    return WebhookRead(
        id=row.id,
        url=row.url,
        event_types=list(row.event_types),
        description=row.description,
        created_at=row.created_at,
        rotating_until=until if row.previous_secret and until and until > now else None,
    )


async def _get(session: SessionDep, webhook_id: str) -> Any:
    row = (
        await session.execute(
            select(webhook_subscription).where(webhook_subscription.c.id == webhook_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no webhook subscription {webhook_id}")
    return row


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated)
async def create_webhook(body: WebhookCreate, session: SessionDep) -> WebhookCreated:
    """Subscribe a URL; every matching event is POSTed to it, signed with the returned secret."""
    secret = new_secret()
    async with session.begin():
        row = (
            await session.execute(
                webhook_subscription.insert()
                .values(
                    id=secrets.token_hex(8),
                    url=str(body.url),
                    event_types=list(dict.fromkeys(body.event_types)),
                    description=body.description,
                    secret=secret,
                )
                .returning(webhook_subscription)
            )
        ).one()
    return WebhookCreated(**_read(row).model_dump(), secret=secret)


@router.get("", response_model=list[WebhookRead])
async def list_webhooks(session: SessionDep) -> list[WebhookRead]:
    rows = await session.execute(
        select(webhook_subscription).order_by(webhook_subscription.c.created_at)
    )
    return [_read(r) for r in rows]


@router.get("/{webhook_id}", response_model=WebhookRead, responses=NOT_FOUND)
async def get_webhook(webhook_id: str, session: SessionDep) -> WebhookRead:
    return _read(await _get(session, webhook_id))


@router.post(
    "/{webhook_id}/rotate",
    response_model=WebhookCreated,
    responses=NOT_FOUND,
)
async def rotate_secret(
    webhook_id: str,
    session: SessionDep,
    overlap_hours: Annotated[
        int, Query(ge=0, le=168, description="hours the old secret keeps signing too")
    ] = 24,
) -> WebhookCreated:
    """A new secret, shown once; calls carry a signature by each secret during the overlap."""
    secret = new_secret()
    async with session.begin():
        current = await _get(session, webhook_id)
        row = (
            await session.execute(
                update(webhook_subscription)
                .where(webhook_subscription.c.id == webhook_id)
                .values(
                    secret=secret,
                    previous_secret=current.secret,
                    previous_secret_until=utcnow() + timedelta(hours=overlap_hours),
                )
                .returning(webhook_subscription)
            )
        ).one()
    return WebhookCreated(**_read(row).model_dump(), secret=secret)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_webhook(webhook_id: str, session: SessionDep) -> Response:
    """Stop delivering; deliveries not yet made are cancelled."""
    async with session.begin():
        await _get(session, webhook_id)
        await session.execute(
            delete(webhook_subscription).where(webhook_subscription.c.id == webhook_id)
        )
        await session.execute(
            update(webhook_delivery)
            .where(
                webhook_delivery.c.subscription_id == webhook_id,
                webhook_delivery.c.status == "pending",
            )
            .values(status="cancelled")
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryRead], responses=NOT_FOUND)
async def list_deliveries(
    webhook_id: str,
    session: SessionDep,
    delivery_status: Annotated[
        str | None, Query(alias="status", pattern="^(pending|delivered|failed|cancelled)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryRead]:
    """The latest deliveries to a subscription, newest first (payloads are not shown)."""
    await _get(session, webhook_id)
    query = (
        select(webhook_delivery)
        .where(webhook_delivery.c.subscription_id == webhook_id)
        .order_by(webhook_delivery.c.created_at.desc())
        .limit(limit)
    )
    if delivery_status is not None:
        query = query.where(webhook_delivery.c.status == delivery_status)
    return [DeliveryRead.model_validate(r._mapping) for r in await session.execute(query)]
