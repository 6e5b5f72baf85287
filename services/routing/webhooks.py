"""Routing's outbound webhooks: lead assignments and SLA events for CRMs that cannot read Kafka.

Deliveries are rows in routing's PostgreSQL, written in the same transaction as the event
they carry (``WebhookOutbox`` adds them beside the outbox row), so a delivery exists exactly
when its event does. Any routing instance claims due deliveries with ``FOR UPDATE SKIP
LOCKED`` and leases them (``next_attempt_at`` moves past the call's timeout) before calling
out, so no transaction stays open during the HTTP call and a crashed instance's deliveries
come due again. Each call is signed (``shared.webhooks``) and carries ``Handoff-Delivery-Id``
so a receiver can drop the duplicate an at-least-once retry may bring. A non-2xx answer or a
network error is retried with exponential backoff; after ``max_attempts`` the delivery is
marked failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import metrics
from services.routing.models import webhook_delivery, webhook_subscription
from shared.db import SessionFactory
from shared.erasure import anonymise_event
from shared.events import (
    Envelope,
    LeadEscalatedV1,
    LeadReassignedV1,
    LeadRoutedV1,
    LeadSlaBreachedV1,
    utcnow,
)
from shared.outbox import Outbox
from shared.webhooks import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)

WEBHOOK_EVENT_TYPES = (
    LeadRoutedV1.event_type,
    LeadSlaBreachedV1.event_type,
    LeadReassignedV1.event_type,
    LeadEscalatedV1.event_type,
)


class WebhookOutbox(Outbox):
    """Routing's outbox: an event a CRM subscribed to also becomes one delivery per CRM."""

    async def add(
        self,
        session: AsyncSession,
        event: Envelope[Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        await super().add(session, event, headers=headers)
        if event.type in WEBHOOK_EVENT_TYPES:
            await enqueue(session, event)


async def enqueue(session: AsyncSession, event: Envelope[Any]) -> int:
    """One pending delivery of ``event`` per subscription to its type; how many."""
    subscribers = (
        await session.execute(
            select(webhook_subscription.c.id).where(
                webhook_subscription.c.event_types.any(event.type)
            )
        )
    ).scalars()
    payload = event.to_bytes()
    rows = [
        {
            "id": uuid.uuid4(),
            "subscription_id": subscription_id,
            "event_id": event.id,
            "event_type": event.type,
            "lead_id": event.subject,
            "payload": payload,
        }
        for subscription_id in subscribers
    ]
    if rows:
        await session.execute(webhook_delivery.insert(), rows)
    return len(rows)


async def forget_lead(session: AsyncSession, lead_id: str) -> None:
    """Anonymise an erased lead in its deliveries, sent or still to send."""
    rows = await session.execute(
        select(webhook_delivery.c.id, webhook_delivery.c.payload)
        .where(webhook_delivery.c.lead_id == lead_id)
        .with_for_update()
    )
    for row in rows:
        await session.execute(
            update(webhook_delivery)
            .where(webhook_delivery.c.id == row.id)
            .values(payload=anonymise_event(bytes(row.payload)))
        )


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    event_type: str
    attempts: int
    payload: bytes
    url: str
    secrets: tuple[str, ...]


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Seconds before the next try after ``attempts`` failed ones: doubling, capped."""
    return float(min(cap, base * 2 ** max(attempts - 1, 0)))


class WebhookSender:
    """Delivers due webhook rows until cancelled; every routing instance runs one."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        client: httpx.AsyncClient,
        max_attempts: int,
        backoff_seconds: float,
        backoff_max_seconds: float,
        timeout_seconds: float,
        poll_seconds: float = 0.5,
        batch_size: int = 20,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.timeout_seconds = timeout_seconds
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size

    async def claim(self) -> list[Claimed]:
        """Lease up to ``batch_size`` due deliveries no other instance holds."""
        lease = timedelta(seconds=self.timeout_seconds * 2 + 5)
        async with self.sessions() as session, session.begin():
            due = (
                select(webhook_delivery.c.id)
                .where(
                    webhook_delivery.c.status == "pending",
                    webhook_delivery.c.next_attempt_at <= func.now(),
                )
                .order_by(webhook_delivery.c.next_attempt_at)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            leased = (
                await session.execute(
                    update(webhook_delivery)
                    .where(webhook_delivery.c.id.in_(due))
                    .values(
                        attempts=webhook_delivery.c.attempts + 1,
                        next_attempt_at=func.now() + lease,
                    )
                    .returning(
                        webhook_delivery.c.id,
                        webhook_delivery.c.subscription_id,
                        webhook_delivery.c.event_type,
                        webhook_delivery.c.attempts,
                        webhook_delivery.c.payload,
                    )
                )
            ).all()
            if not leased:
                return []
            now = utcnow()
            subscriptions = {
                s.id: s
                for s in await session.execute(
                    select(webhook_subscription).where(
                        webhook_subscription.c.id.in_({r.subscription_id for r in leased})
                    )
                )
            }
            claimed: list[Claimed] = []
            for row in leased:
                sub = subscriptions.get(row.subscription_id)
                if sub is None:
                    # Deleted since: nobody to deliver to.
                    await self._finish(session, row.id, "cancelled", None, "subscription deleted")
                    continue
                secrets = [sub.secret]
                if sub.previous_secret and (sub.previous_secret_until or now) > now:
                    secrets.append(sub.previous_secret)
                claimed.append(
                    Claimed(
                        row.id,
                        row.event_type,
                        row.attempts,
                        bytes(row.payload),
                        sub.url,
                        tuple(secrets),
                    )
                )
            return claimed

    async def send(self, delivery: Claimed) -> None:
        """One signed POST; its result is recorded in its own transaction."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(delivery.payload, delivery.secrets),
            "Handoff-Delivery-Id": str(delivery.id),
            "Handoff-Event-Type": delivery.event_type,
            "User-Agent": "Handoff-Webhooks/1",
        }
        started = time.perf_counter()
        code: int | None = None
        error: str | None = None
        try:
            response = await self.client.post(
                delivery.url,
                content=delivery.payload,
                headers=headers,
                timeout=self.timeout_seconds,
            )
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)
        async with self.sessions() as session, session.begin():
            if error is None:
                await self._finish(session, delivery.id, "delivered", code, None)
                metrics.WEBHOOK_DELIVERIES.labels("delivered").inc()
            elif delivery.attempts >= self.max_attempts:
                await self._finish(session, delivery.id, "failed", code, error)
                metrics.WEBHOOK_DELIVERIES.labels("failed").inc()
                log.warning("webhook delivery %s failed for good: %s", delivery.id, error)
            else:
                delay = backoff(
                    delivery.attempts, base=self.backoff_seconds, cap=self.backoff_max_seconds
                )
                await session.execute(
                    update(webhook_delivery)
                    .where(webhook_delivery.c.id == delivery.id)
                    .values(
                        next_attempt_at=func.now() + timedelta(seconds=delay),
                        last_status_code=code,
                        last_error=error,
                    )
                )
                metrics.WEBHOOK_DELIVERIES.labels("retried").inc()

    @staticmethod
    async def _finish(
        session: AsyncSession,
        delivery_id: uuid.UUID,
        status: str,
        code: int | None,
        error: str | None,
    ) -> None:
        await session.execute(
            update(webhook_delivery)
            .where(webhook_delivery.c.id == delivery_id)
            .values(
                status=status,
                last_status_code=code,
                last_error=error,
                delivered_at=func.now() if status == "delivered" else None,
            )
        )

    async def deliver_due(self) -> int:
        claimed = await self.claim()
        await asyncio.gather(*(self.send(d) for d in claimed))
        return len(claimed)

    async def run(self) -> None:
        """Loop until cancelled; an outage only delays deliveries, it never loses them."""
        failures = 0
        while True:
            try:
                sent = await self.deliver_due()
                failures = 0
                if sent < self.batch_size:
                    await asyncio.sleep(self.poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                delay = min(0.2 * 2**failures, 5.0)
                log.warning("webhook sender failed; retrying in %.1fs", delay, exc_info=True)
                await asyncio.sleep(delay)
