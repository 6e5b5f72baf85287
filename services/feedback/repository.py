"""Feedback's queries; they run on the caller's session and never commit."""

from __future__ import annotations

from sqlalchemy import String, case, cast, distinct, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.kpis import CampaignKpis
from services.feedback.models import outcome, routed_lead
from shared.events import LeadRoutedV1, OutcomeStatus, SalesOutcomeRecordedV1


async def save_routed_lead(session: AsyncSession, routed: LeadRoutedV1) -> None:
    """Remember the latest routing of a lead, for KPIs by campaign, channel and source."""
    values = {
        "lead_id": routed.lead_id,
        "campaign_id": routed.campaign_id,
        "channel": routed.channel,
        "source": routed.source,
        "team": routed.team,
        "rep_id": routed.rep_id,
        "priority": routed.priority.value,
        "captured_at": routed.captured_at,
        "routed_at": routed.routed_at,
    }
    await session.execute(
        insert(routed_lead)
        .values(**values)
        .on_conflict_do_update(index_elements=["lead_id"], set_=values)
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
        )
        .on_conflict_do_nothing(index_elements=["outcome_id"])
        .returning(outcome.c.outcome_id)
    )
    return result.first() is not None


async def campaign_kpis(
    session: AsyncSession, campaign_id: str | None = None
) -> list[CampaignKpis]:
    """Leads, qualified leads and customers of each campaign, from routed leads and outcomes."""
    qualified_statuses = [OutcomeStatus.QUALIFIED.value, OutcomeStatus.WON.value]
    per_lead = (
        select(
            outcome.c.lead_id,
            func.bool_or(outcome.c.status.in_(qualified_statuses)).label("qualified"),
            func.bool_or(outcome.c.status == OutcomeStatus.WON.value).label("won"),
        )
        .group_by(outcome.c.lead_id)
        .subquery()
    )
    statement = (
        select(
            routed_lead.c.campaign_id,
            func.count(distinct(routed_lead.c.lead_id)).label("leads"),
            func.count(case((per_lead.c.qualified, 1))).label("qualified"),
            func.count(case((per_lead.c.won, 1))).label("customers"),
        )
        .select_from(routed_lead.outerjoin(per_lead, per_lead.c.lead_id == routed_lead.c.lead_id))
        .group_by(routed_lead.c.campaign_id)
        .order_by(cast(routed_lead.c.campaign_id, String).nulls_last())
    )
    if campaign_id is not None:
        statement = statement.where(routed_lead.c.campaign_id == campaign_id)
    rows = await session.execute(statement)
    return [
        CampaignKpis(r.campaign_id, int(r.leads), int(r.qualified), int(r.customers)) for r in rows
    ]
