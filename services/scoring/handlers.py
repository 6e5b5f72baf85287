"""Scoring's event handlers: score captured leads, re-score touched ones, learn from outcomes."""

from __future__ import annotations

import time
from datetime import datetime

from services.scoring import metrics, repository
from services.scoring.features import lead_features
from services.scoring.learning import ActiveCache
from services.scoring.repository import Profile
from services.scoring.scorer import Learned, blend_weight, decay_factor, score_lead
from shared.erasure import anonymise_lead, forget_in_outbox
from shared.events import (
    Envelope,
    Lead,
    LeadCapturedV1,
    LeadErasedV1,
    LeadScoredV1,
    LeadTouchedV1,
    SalesOutcomeRecordedV1,
    new_event,
    utcnow,
)
from shared.kafka.runner import HandlerContext


async def score_profile(
    ctx: HandlerContext,
    lead_id: str,
    profile: Profile,
    *,
    cache: ActiveCache,
    source: str,
    trigger: str,
) -> LeadScoredV1:
    """Score a kept lead with the active rules and model, store it and stage ``leads.scored``."""
    started = time.perf_counter()
    active = await cache.current(ctx.session)
    rules, stored = active.rules, active.model
    now = utcnow()
    learned = None
    if stored is not None:
        learned = Learned(stored.model, blend_weight(stored.outcomes_learned, rules.learning))
    features = lead_features(
        profile.lead, touches=profile.touches, extra_fields=rules.learning.extra_fields
    )
    result = score_lead(
        profile.lead,
        rules,
        features=features,
        learned=learned,
        decay=decay_factor(_last_touch(profile), now, rules.decay.half_life_hours),
    )
    scored = LeadScoredV1(
        lead_id=lead_id,
        captured_at=profile.captured_at,
        scored_at=now,
        score=result.score,
        fit=result.fit,
        intent=result.intent,
        grade=result.grade,
        priority=result.priority,
        reasons=result.reasons,
        config_version=rules.config_version,
        model_version=active.model_version,
        lead=profile.lead,
    )
    await repository.save_score(
        ctx.session,
        scored,
        rules_score=result.rules_score,
        learned_probability=result.learned_probability,
        touches=profile.touches,
        last_touch_at=profile.last_touch_at,
    )
    await ctx.outbox.add(ctx.session, new_event(scored, subject=lead_id, source=source))
    metrics.SCORES.labels(result.grade, result.priority.value, trigger).inc()
    metrics.LATENCY.observe(time.perf_counter() - started)
    return scored


def _last_touch(profile: Profile) -> datetime:
    """The newest sign of life: the last submission, or later site activity if reported."""
    activity = profile.lead.behaviour.last_activity_at
    if activity is not None and activity > profile.last_touch_at:
        return activity
    return profile.last_touch_at


async def _without_erased(ctx: HandlerContext, lead_id: str, lead: Lead) -> Lead:
    """The lead as given, or without its personal data when its erasure came first."""
    if await repository.erased(ctx.session, lead_id):
        return Lead.model_validate(anonymise_lead(lead.model_dump(mode="json")))
    return lead


async def on_lead_captured(
    event: Envelope[LeadCapturedV1], ctx: HandlerContext, *, cache: ActiveCache, source: str
) -> None:
    """Consumes ``lead.captured.v1``; keeps the lead, scores it and emits ``lead.scored.v1``.

    Idempotent through the runner's processed-event record: a redelivery is skipped.
    """
    captured = event.data
    lead = await _without_erased(ctx, captured.lead_id, captured.lead)
    profile = await repository.record_touch(
        ctx.session, captured.lead_id, lead, touched_at=captured.captured_at, touches=1
    )
    await score_profile(
        ctx, captured.lead_id, profile, cache=cache, source=source, trigger="captured"
    )


async def on_lead_touched(
    event: Envelope[LeadTouchedV1], ctx: HandlerContext, *, cache: ActiveCache, source: str
) -> None:
    """Consumes ``lead.touched.v1`` (a known lead came back); re-scores and re-emits.

    The newer submission replaces the kept lead data and the touch count only ever rises,
    so a redelivered or late touch cannot lower it. Idempotent by event id like every event.
    """
    touched = event.data
    profile = await repository.record_touch(
        ctx.session,
        touched.lead_id,
        await _without_erased(ctx, touched.lead_id, touched.lead),
        touched_at=touched.touched_at,
        touches=touched.touches,
    )
    await score_profile(
        ctx, touched.lead_id, profile, cache=cache, source=source, trigger="touched"
    )


async def on_outcome_recorded(event: Envelope[SalesOutcomeRecordedV1], ctx: HandlerContext) -> None:
    """Consumes ``sales.outcome_recorded.v1``; records the verdict the model learns from.

    Emits nothing: the background refit picks the verdict up. The outcome may come before
    the lead's score (its features join it when the lead arrives) or after. Idempotent by
    event id; a repeat of an older verdict never overwrites a newer one.
    """
    outcome = event.data
    changed = await repository.record_outcome(
        ctx.session,
        lead_id=outcome.lead_id,
        outcome_id=outcome.outcome_id,
        status=outcome.status,
        reason=outcome.reason,
        occurred_at=outcome.occurred_at,
    )
    label = repository.outcome_label(outcome.status, outcome.reason)
    kind = "ignored" if not changed else {1: "positive", 0: "negative", None: "excluded"}[label]
    metrics.OUTCOMES.labels(kind).inc()


async def on_lead_erased(event: Envelope[LeadErasedV1], ctx: HandlerContext) -> None:
    """Consumes ``lead.erased.v1``: the kept profile loses the person (its features and score
    stay, so the model and its figures are unchanged) and so do the staged ``lead.scored.v1``
    events. Emits nothing; erasing twice changes nothing."""
    lead_id = event.data.lead_id
    await repository.forget_lead(ctx.session, lead_id, event.data.erased_at)
    await forget_in_outbox(ctx.session, ctx.outbox.table, lead_id)
