"""Feedback's reads for KPIs, nudges and gauges; they never write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.aggregate import LeadFacts, SpendRow
from services.feedback.models import campaign, campaign_spend, lead_sla, outcome, routed_lead
from services.feedback.outcomes import OutcomeEntry, summarise, to_reporting
from services.feedback.repository import entry_from_row
from shared.events import Priority


@dataclass(frozen=True)
class LeadFilter:
    """Leads captured in [start, end] (whole UTC days), of one campaign, channel or source."""

    start: date | None = None
    end: date | None = None
    campaign_id: str | None = None
    channel: str | None = None
    source: str | None = None


def _leads_where(statement: Select[tuple[str]] | Select[object], f: LeadFilter) -> Select[object]:
    c = routed_lead.c
    if f.start is not None:
        statement = statement.where(c.captured_at >= datetime.combine(f.start, time(), UTC))
    if f.end is not None:
        end = datetime.combine(f.end + timedelta(days=1), time(), UTC)
        statement = statement.where(c.captured_at < end)
    for column, value in (
        (c.campaign_id, f.campaign_id),
        (c.channel, f.channel),
        (c.source, f.source),
    ):
        if value is not None:
            statement = statement.where(column == value)
    return statement


async def lead_facts(
    session: AsyncSession, f: LeadFilter, *, reporting_currency: str, rates: Mapping[str, Decimal]
) -> list[LeadFacts]:
    """Every matching routed lead with its outcomes folded and its SLA record."""
    leads = _leads_where(
        select(routed_lead, lead_sla.c.first_breached_at).select_from(
            routed_lead.outerjoin(lead_sla, lead_sla.c.lead_id == routed_lead.c.lead_id)
        ),
        f,
    )
    ids = _leads_where(select(routed_lead.c.lead_id), f).scalar_subquery()
    entries: dict[str, list[OutcomeEntry]] = {}
    for r in await session.execute(select(outcome).where(outcome.c.lead_id.in_(ids))):
        entries.setdefault(r.lead_id, []).append(entry_from_row(r))
    facts = []
    for r in await session.execute(leads):
        history = summarise(
            entries.get(r.lead_id, []), reporting_currency=reporting_currency, rates=rates
        )
        facts.append(
            LeadFacts(
                lead_id=r.lead_id,
                campaign_id=r.campaign_id,
                channel=r.channel,
                source=r.source,
                priority=Priority(r.priority),
                captured_at=r.captured_at,
                routed_at=r.first_routed_at or r.routed_at,
                sla_due_at=r.first_sla_due_at,
                first_breached_at=r.first_breached_at,
                history=history,
            )
        )
    return facts


async def spend_rows(
    session: AsyncSession, f: LeadFilter, *, reporting_currency: str, rates: Mapping[str, Decimal]
) -> list[SpendRow]:
    """Spend overlapping the period, converted to the reporting currency.

    Spend belongs to a campaign, so a channel or source filter keeps the spend of the
    campaigns that have leads there (the aggregation shares it out by leads).
    """
    s = campaign_spend.c
    statement = select(campaign_spend)
    if f.start is not None:
        statement = statement.where(s.period_end >= f.start)
    if f.end is not None:
        statement = statement.where(s.period_start <= f.end)
    if f.campaign_id is not None:
        statement = statement.where(s.campaign_id == f.campaign_id)
    if f.channel is not None or f.source is not None:
        statement = statement.where(
            s.campaign_id.in_(_leads_where(select(routed_lead.c.campaign_id), f).scalar_subquery())
        )
    return [
        SpendRow(
            campaign_id=r.campaign_id,
            kind=r.kind,
            period_start=r.period_start,
            period_end=r.period_end,
            amount=to_reporting(r.amount, r.currency, reporting_currency, rates),
        )
        for r in await session.execute(statement)
    ]


async def campaign_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(campaign.c.campaign_id, campaign.c.name))
    return {r.campaign_id: r.name for r in rows}


@dataclass(frozen=True)
class WaitingLead:
    lead_id: str
    team: str
    rep_id: str | None
    rep_name: str | None
    campaign_id: str | None
    priority: str
    routed_at: datetime


async def leads_awaiting_outcome(
    session: AsyncSession, routed_before: datetime, *, limit: int
) -> list[WaitingLead]:
    """Routed leads with no outcome at all, routed before the cut-off, oldest first."""
    c = routed_lead.c
    has_outcome = select(outcome.c.lead_id).where(outcome.c.lead_id == c.lead_id).exists()
    rows = await session.execute(
        select(c.lead_id, c.team, c.rep_id, c.rep_name, c.campaign_id, c.priority, c.routed_at)
        .where(c.routed_at < routed_before, ~has_outcome)
        .order_by(c.routed_at, c.lead_id)
        .limit(limit)
    )
    return [WaitingLead(**r._mapping) for r in rows]


async def coverage_figures(
    session: AsyncSession, routed_since: datetime, routed_before: datetime
) -> tuple[int, int, int]:
    """(routed since, of which with an outcome, routed before the cut-off without one)."""
    c = routed_lead.c
    has_outcome = select(outcome.c.lead_id).where(outcome.c.lead_id == c.lead_id).exists()
    row = (
        await session.execute(
            select(
                func.count().filter(c.routed_at >= routed_since),
                func.count().filter(c.routed_at >= routed_since, has_outcome),
                func.count().filter(c.routed_at < routed_before, ~has_outcome),
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def lead_history(session: AsyncSession, lead_id: str) -> dict[str, object] | None:
    """What feedback knows of one lead: its routing, SLA record and outcomes by time."""
    routed = (
        await session.execute(select(routed_lead).where(routed_lead.c.lead_id == lead_id))
    ).first()
    sla = (await session.execute(select(lead_sla).where(lead_sla.c.lead_id == lead_id))).first()
    outcomes = list(
        await session.execute(
            select(outcome)
            .where(outcome.c.lead_id == lead_id)
            .order_by(outcome.c.occurred_at, outcome.c.recorded_at)
        )
    )
    if routed is None and sla is None and not outcomes:
        return None
    return {
        "lead_id": lead_id,
        "routed": dict(routed._mapping) if routed else None,
        "sla": dict(sla._mapping) if sla else None,
        "outcomes": [dict(o._mapping) for o in outcomes],
    }
