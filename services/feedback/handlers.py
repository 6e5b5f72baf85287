"""Feedback's event handlers."""

from __future__ import annotations

from services.feedback import repository
from shared.events import Envelope, LeadRoutedV1, SalesOutcomeRecordedV1
from shared.kafka.runner import HandlerContext


async def on_lead_routed(event: Envelope[LeadRoutedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.routed.v1``; records the lead under its campaign. Emits nothing.

    Idempotent: the runner skips redeliveries and the row is an upsert by lead id.
    """
    await repository.save_routed_lead(ctx.session, event.data)


async def on_outcome_recorded(event: Envelope[SalesOutcomeRecordedV1], ctx: HandlerContext) -> None:
    """Consumes ``sales.outcome_recorded.v1`` from sales tools (and feedback's own API).

    Emits nothing; idempotent by ``outcome_id``, so an outcome posted to the API and read
    back from the topic counts once.
    """
    await repository.add_outcome(ctx.session, event.data)
