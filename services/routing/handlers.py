"""Routing's event handlers: scored leads, campaign briefs and sales outcomes."""

from __future__ import annotations

from datetime import timedelta

from services.routing import dispatch, lifecycle, metrics, org_repository, repository, webhooks
from services.routing.capacity import campaign_days, check_capacity
from services.routing.rules import Facts
from shared.erasure import anonymise_lead, forget_in_outbox
from shared.events import (
    CampaignBriefedV1,
    CampaignCapacityWarnedV1,
    Envelope,
    Lead,
    LeadErasedV1,
    LeadScoredV1,
    SalesOutcomeRecordedV1,
    new_event,
    utcnow,
)
from shared.kafka.runner import HandlerContext

HISTORY = timedelta(days=30)
MIN_HISTORY_LEADS = 50


async def on_lead_scored(
    event: Envelope[LeadScoredV1], ctx: HandlerContext, *, source: str
) -> None:
    """Consumes ``lead.scored.v1``; assigns the lead and emits ``lead.routed.v1``.

    Idempotent twice over: the runner skips a redelivered event, and a lead that already has
    an assignment (a second score of the same lead) is never assigned again.
    """
    scored = event.data
    erased = await repository.erased(ctx.session, scored.lead_id)
    if erased:
        # Its erasure overtook it: route it (the counts stay true) without the person.
        lead = anonymise_lead(scored.lead.model_dump(mode="json"))
        scored = scored.model_copy(update={"lead": Lead.model_validate(lead)})
    await dispatch.route_scored(ctx.session, ctx.outbox, scored, source=source, now=utcnow())
    if erased:
        await repository.forget_lead(ctx.session, scored.lead_id)


async def on_sales_outcome(event: Envelope[SalesOutcomeRecordedV1], ctx: HandlerContext) -> None:
    """Consumes ``sales.outcome_recorded.v1``: ``accepted`` stops the SLA clock, a closing
    outcome frees the rep's capacity. Emits nothing; applying an outcome twice changes nothing.
    """
    await lifecycle.record_outcome(ctx.session, event.data, now=utcnow())


async def on_lead_erased(event: Envelope[LeadErasedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.erased.v1``: forgets the lead's personal data (the copy of the lead kept
    for reassignment, the contact hash, the lead in staged events and webhook deliveries). Who
    had the lead and why stays, as an audit of routing without a person in it. Emits nothing;
    erasing twice changes nothing."""
    lead_id = event.data.lead_id
    await repository.mark_lead_erased(ctx.session, lead_id, event.data.erased_at)
    await repository.forget_lead(ctx.session, lead_id)
    await forget_in_outbox(ctx.session, ctx.outbox.table, lead_id)
    await webhooks.forget_lead(ctx.session, lead_id)


async def on_campaign_briefed(
    event: Envelope[CampaignBriefedV1],
    ctx: HandlerContext,
    *,
    source: str,
    default_hot_share: float,
) -> None:
    """Consumes ``campaign.briefed.v1``; may emit ``campaign.capacity_warned.v1``.

    The brief is stored (``lead.routed.v1`` carries its name and offer); the runner's
    processed-event record keeps a redelivered brief from warning twice.
    """
    brief = event.data
    now = utcnow()
    await repository.save_campaign(ctx.session, brief, now)
    org, current = await org_repository.snapshot(ctx.session)
    if brief.expected_leads is None or current is None:
        return
    _, rules = current
    facts: Facts = {"campaign_id": brief.campaign_id, "channel": brief.channel, "priority": "hot"}
    rule = rules.first_match(facts)
    team_id = rules.default_team
    if rule is not None:
        team_id = rule.team or org.reps[rule.rep or ""].team
    team = org.teams[team_id]
    hot, total = await repository.hot_share(ctx.session, team.id, since=now - HISTORY)
    share = hot / total if total >= MIN_HISTORY_LEADS else default_hot_share
    result = check_capacity(
        team=team,
        reps=org.reps.values(),
        open_leads=await org_repository.open_leads(ctx.session),
        expected_leads=brief.expected_leads,
        hot_share=share,
        days=campaign_days(brief.starts_on, brief.ends_on, now.date()),
    )
    if not result.short:
        return
    warning = CampaignCapacityWarnedV1(
        campaign_id=brief.campaign_id,
        team=team.id,
        expected_hot_leads=result.expected_hot_leads,
        capacity=result.capacity,
        message=result.message(),
    )
    await ctx.outbox.add(ctx.session, new_event(warning, subject=brief.campaign_id, source=source))
    metrics.CAMPAIGN_WARNINGS.labels(team.id).inc()
