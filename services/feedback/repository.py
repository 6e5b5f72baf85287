"""Feedback's writes; they run on the caller's session and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.models import (
    campaign,
    campaign_dirty,
    campaign_spend,
    lead_sla,
    outcome,
    routed_lead,
)
from services.feedback.outcomes import OutcomeEntry
from shared.events import CampaignBriefedV1, LeadRoutedV1, OutcomeStatus, SalesOutcomeRecordedV1


async def save_routed_lead(session: AsyncSession, routed: LeadRoutedV1) -> None:
    """Keep the latest routing of a lead and its first one (whose SLA counts), in any order."""
    values = {
        "lead_id": routed.lead_id,
        "campaign_id": routed.campaign_id,
        "channel": routed.channel,
        "source": routed.source,
        "team": routed.team,
        "rep_id": routed.rep_id,
        "rep_name": routed.rep_name,
        "priority": routed.priority.value,
        "captured_at": routed.captured_at,
        "routed_at": routed.routed_at,
        "sla_due_at": routed.sla_due_at,
        "attempt": routed.attempt,
    }
    statement = insert(routed_lead).values(
        **values, first_routed_at=routed.routed_at, first_sla_due_at=routed.sla_due_at
    )
    new, old = statement.excluded, routed_lead.c
    newer = new.routed_at >= old.routed_at
    earlier = new.routed_at < old.first_routed_at
    latest = {k: case((newer, getattr(new, k)), else_=getattr(old, k)) for k in values}
    latest.pop("lead_id")
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["lead_id"],
            set_={
                **latest,
                "first_routed_at": func.least(old.first_routed_at, new.routed_at),
                "first_sla_due_at": case((earlier, new.sla_due_at), else_=old.first_sla_due_at),
            },
        )
    )


async def lock_leads(session: AsyncSession, lead_ids: Iterable[str]) -> None:
    """Serialise outcome checks per lead across instances (sorted, so no deadlock)."""
    for lead_id in sorted(set(lead_ids)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('feedback.lead'), hashtext(:lead))"),
            {"lead": lead_id},
        )


async def known_outcome_ids(session: AsyncSession, outcome_ids: Iterable[str]) -> set[str]:
    ids = list(set(outcome_ids))
    if not ids:
        return set()
    rows = await session.execute(select(outcome.c.outcome_id).where(outcome.c.outcome_id.in_(ids)))
    return {r.outcome_id for r in rows}


async def outcome_entries(
    session: AsyncSession, lead_ids: Iterable[str]
) -> dict[str, list[OutcomeEntry]]:
    """Every stored outcome of these leads, as the rules see them."""
    found: dict[str, list[OutcomeEntry]] = {}
    ids = list(set(lead_ids))
    if not ids:
        return found
    rows = await session.execute(select(outcome).where(outcome.c.lead_id.in_(ids)))
    for r in rows:
        found.setdefault(r.lead_id, []).append(entry_from_row(r))
    return found


def entry_from_row(r: object) -> OutcomeEntry:
    return OutcomeEntry(
        outcome_id=r.outcome_id,  # type: ignore[attr-defined]
        status=OutcomeStatus(r.status),  # type: ignore[attr-defined]
        occurred_at=r.occurred_at,  # type: ignore[attr-defined]
        reopens=r.reopens,  # type: ignore[attr-defined]
        reason=r.reason,  # type: ignore[attr-defined]
        amount=r.amount,  # type: ignore[attr-defined]
        currency=r.currency,  # type: ignore[attr-defined]
    )


def entry_of(recorded: SalesOutcomeRecordedV1) -> OutcomeEntry:
    return OutcomeEntry(
        outcome_id=recorded.outcome_id,
        status=recorded.status,
        occurred_at=recorded.occurred_at,
        reopens=recorded.reopens,
        reason=recorded.reason,
        amount=recorded.amount,
        currency=recorded.currency,
    )


async def add_outcome(session: AsyncSession, recorded: SalesOutcomeRecordedV1) -> bool:
    """Store an outcome once; False when this ``outcome_id`` was already recorded."""
    result = await session.execute(
        insert(outcome)
        .values(
            outcome_id=recorded.outcome_id,
            lead_id=recorded.lead_id,
            status=recorded.status.value,
            reason=recorded.reason,
            amount=recorded.amount,
            currency=recorded.currency,
            rep_id=recorded.rep_id,
            occurred_at=recorded.occurred_at,
            reopens=recorded.reopens,
        )
        .on_conflict_do_nothing(index_elements=["outcome_id"])
        .returning(outcome.c.outcome_id)
    )
    return result.first() is not None


async def record_sla(
    session: AsyncSession,
    lead_id: str,
    *,
    breached_at: datetime | None = None,
    reassigned: bool = False,
    escalated: bool = False,
) -> None:
    """Count an SLA event for a lead (the runner makes each event count once)."""
    statement = insert(lead_sla).values(
        lead_id=lead_id,
        breaches=int(breached_at is not None),
        first_breached_at=breached_at,
        reassignments=int(reassigned),
        escalations=int(escalated),
    )
    new, old = statement.excluded, lead_sla.c
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["lead_id"],
            set_={
                "breaches": old.breaches + new.breaches,
                "first_breached_at": func.least(old.first_breached_at, new.first_breached_at),
                "reassignments": old.reassignments + new.reassignments,
                "escalations": old.escalations + new.escalations,
            },
        )
    )


async def save_campaign(session: AsyncSession, brief: CampaignBriefedV1, at: datetime) -> None:
    values = {
        "name": brief.name,
        "offer": brief.offer,
        "channel": brief.channel,
        "starts_on": brief.starts_on,
        "ends_on": brief.ends_on,
        "expected_leads": brief.expected_leads,
        "budget": brief.budget,
        "currency": brief.currency,
        "briefed_at": at,
    }
    statement = insert(campaign).values(campaign_id=brief.campaign_id, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id"],
            set_=values,
            where=campaign.c.briefed_at <= statement.excluded.briefed_at,
        )
    )


async def campaign_known(session: AsyncSession, campaign_id: str) -> bool:
    """Known from a brief on ``marketing.campaigns`` or from its routed leads."""
    briefed = select(campaign.c.campaign_id).where(campaign.c.campaign_id == campaign_id)
    with_leads = select(routed_lead.c.campaign_id).where(routed_lead.c.campaign_id == campaign_id)
    row = (await session.execute(briefed.union_all(with_leads).limit(1))).first()
    return row is not None


async def save_spend(
    session: AsyncSession,
    campaign_id: str,
    *,
    kind: str,
    period_start: object,
    period_end: object,
    amount: Decimal,
    currency: str,
) -> bool:
    """Record spend for a period; the same campaign, kind and period again replaces it.

    True when the period is new, False when it corrected an earlier figure.
    """
    statement = insert(campaign_spend).values(
        campaign_id=campaign_id,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        currency=currency,
    )
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=["campaign_id", "kind", "period_start", "period_end"],
            set_={"amount": amount, "currency": currency, "recorded_at": func.now()},
        ).returning(text("(xmax = 0) AS inserted"))
    )
    return bool(result.scalar_one())


async def mark_dirty(session: AsyncSession, campaign_ids: Iterable[str | None]) -> None:
    """These campaigns' figures may have changed; the lead-quality publisher will look."""
    ids = sorted({c for c in campaign_ids if c})
    if not ids:
        return
    statement = insert(campaign_dirty).values(
        [{"campaign_id": c, "dirty_since": func.now()} for c in ids]
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["campaign_id"]))


async def campaigns_of_leads(session: AsyncSession, lead_ids: Iterable[str]) -> set[str | None]:
    ids = list(set(lead_ids))
    if not ids:
        return set()
    rows = await session.execute(
        select(routed_lead.c.campaign_id).where(routed_lead.c.lead_id.in_(ids)).distinct()
    )
    return {r.campaign_id for r in rows}
