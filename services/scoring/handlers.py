"""Scoring's event handlers."""

from __future__ import annotations

from services.scoring import repository
from services.scoring.scorer import RuleSet, score_lead
from shared.events import Envelope, LeadCapturedV1, LeadScoredV1, new_event, utcnow
from shared.kafka.runner import HandlerContext

# Until outcomes train a model (the learning issue), rules alone decide.
MODEL_VERSION = "rules-only"


async def on_lead_captured(
    event: Envelope[LeadCapturedV1], ctx: HandlerContext, *, rules: RuleSet, source: str
) -> None:
    """Consumes ``lead.captured.v1``; stores the score and emits ``lead.scored.v1``.

    Idempotent through the runner's processed-event record: a redelivery is skipped.
    """
    captured = event.data
    result = score_lead(captured.lead, rules)
    scored = LeadScoredV1(
        lead_id=captured.lead_id,
        captured_at=captured.captured_at,
        scored_at=utcnow(),
        score=result.score,
        fit=result.fit,
        intent=result.intent,
        grade=result.grade,
        priority=result.priority,
        reasons=result.reasons,
        config_version=f"{rules.version}+{rules.digest}",
        model_version=MODEL_VERSION,
        lead=captured.lead,
    )
    await repository.save_score(ctx.session, scored)
    await ctx.outbox.add(ctx.session, new_event(scored, subject=captured.lead_id, source=source))
