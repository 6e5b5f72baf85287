"""Feedback's event handlers.

Each runs in the consumer runner's transaction, which also records the event id, so a
redelivered event is skipped; what a handler stores is keyed so a replay changes nothing.
"""

from __future__ import annotations

from services.feedback import repository
from services.feedback.recording import count_stored, record_outcomes
from services.feedback.settings import Settings
from shared.erasure import forget_in_outbox
from shared.errors import Conflict, InvalidInput
from shared.events import (
    CampaignBriefedV1,
    Envelope,
    LeadErasedV1,
    LeadEscalatedV1,
    LeadReassignedV1,
    LeadRoutedV1,
    LeadSlaBreachedV1,
    SalesOutcomeRecordedV1,
)
from shared.kafka.runner import HandlerContext


async def on_lead_routed(event: Envelope[LeadRoutedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.routed.v1``; records the lead under its campaign, first and latest routing.

    Emits nothing directly; marks the campaign for a ``lead_quality.updated.v1``.
    """
    await repository.save_routed_lead(ctx.session, event.data)
    await repository.mark_dirty(ctx.session, [event.data.campaign_id])


async def on_outcome_recorded(
    event: Envelope[SalesOutcomeRecordedV1], ctx: HandlerContext, *, settings: Settings
) -> None:
    """Consumes ``sales.outcome_recorded.v1`` from sales tools, routing and feedback's own API.

    Idempotent by ``outcome_id``: an outcome posted to the API and read back from the topic
    counts once. An outcome that breaks the rules goes to the dead-letter topic with why.
    """
    try:
        stored = await record_outcomes(ctx.session, [event.data], settings=settings, path="kafka")
    except (Conflict, InvalidInput) as exc:
        # The dead-letter header carries only the message, so it spells out every field.
        why = "; ".join(f"{f.field}: {f.message}" for f in exc.fields)
        raise InvalidInput(f"{exc.message}: {why}", exc.fields) from exc
    count_stored([event.data], stored, "kafka")


async def on_sla_breached(event: Envelope[LeadSlaBreachedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.sla_breached.v1``: counts the breach and keeps the first one's time."""
    await repository.record_sla(ctx.session, event.data.lead_id, breached_at=event.data.breached_at)
    await _touch(ctx, event.data.lead_id)


async def on_reassigned(event: Envelope[LeadReassignedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.reassigned.v1``: counts the reassignment."""
    await repository.record_sla(ctx.session, event.data.lead_id, reassigned=True)


async def on_escalated(event: Envelope[LeadEscalatedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.escalated.v1``: counts the escalation."""
    await repository.record_sla(ctx.session, event.data.lead_id, escalated=True)


async def on_campaign_briefed(event: Envelope[CampaignBriefedV1], ctx: HandlerContext) -> None:
    """Consumes ``campaign.briefed.v1``: the campaign's name and plan; a newer brief wins."""
    await repository.save_campaign(ctx.session, event.data, event.time)


async def on_lead_erased(event: Envelope[LeadErasedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.erased.v1``. Feedback keeps no one's contact details (ids, campaigns,
    outcomes and amounts only, so the KPIs stay whole); the outcomes it staged lose their
    free-text notes. Emits nothing; erasing twice changes nothing."""
    await forget_in_outbox(ctx.session, ctx.outbox.table, event.data.lead_id)


async def _touch(ctx: HandlerContext, lead_id: str) -> None:
    await repository.mark_dirty(
        ctx.session, await repository.campaigns_of_leads(ctx.session, [lead_id])
    )
