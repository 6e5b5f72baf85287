"""Routing's event handlers."""

from __future__ import annotations

import uuid

from services.routing import repository
from services.routing.assigner import TeamConfig, pick, sla_due
from shared.events import Envelope, LeadRoutedV1, LeadScoredV1, new_event, utcnow
from shared.kafka.runner import HandlerContext


async def on_lead_scored(
    event: Envelope[LeadScoredV1], ctx: HandlerContext, *, team: TeamConfig, source: str
) -> None:
    """Consumes ``lead.scored.v1``; assigns a rep by round robin and emits ``lead.routed.v1``.

    Idempotent twice over: the runner skips a redelivered event, and a lead that already has
    an assignment (a second score of the same lead) is never assigned again.
    """
    scored = event.data
    if await repository.get_assignment(ctx.session, scored.lead_id) is not None:
        return
    weights = await repository.eligible_weights(ctx.session, team.team)
    position = await repository.take_position(ctx.session, team.team)
    rep_id = pick(weights, position)
    routed_at = utcnow()
    if rep_id is None:
        queue, reason = f"{team.team}.queue", "no active rep in the team: held in the team queue"
        rep_name = None
    else:
        queue, reason = None, f"round robin in team {team.team} (position {position})"
        rep_name = await repository.rep_name(ctx.session, rep_id)
    assignment_id = uuid.uuid4()
    due = sla_due(team, scored.priority, routed_at) if rep_id else None
    added = await repository.add_assignment(
        ctx.session,
        {
            "id": assignment_id,
            "lead_id": scored.lead_id,
            "team": team.team,
            "rep_id": rep_id,
            "queue": queue,
            "rule": "default",
            "reason": reason,
            "priority": scored.priority.value,
            "score": scored.score,
            "captured_at": scored.captured_at,
            "routed_at": routed_at,
            "sla_due_at": due,
        },
    )
    if not added:
        return
    attribution = scored.lead.attribution
    routed = LeadRoutedV1(
        lead_id=scored.lead_id,
        assignment_id=str(assignment_id),
        captured_at=scored.captured_at,
        routed_at=routed_at,
        team=team.team,
        rep_id=rep_id,
        rep_name=rep_name,
        queue=queue,
        rule="default",
        reason=reason,
        priority=scored.priority,
        score=scored.score,
        sla_due_at=due,
        campaign_id=attribution.campaign_id,
        channel=attribution.channel,
        source=attribution.source,
    )
    await ctx.outbox.add(
        ctx.session,
        new_event(routed, subject=scored.lead_id, source=source),
        headers={"team": team.team},
    )
