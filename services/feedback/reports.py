"""One place that turns a filter into KPI groups, for the API, the CSV and the events."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback import metrics, queries
from services.feedback.aggregate import GroupBy, GroupKpis, aggregate
from services.feedback.queries import LeadFilter
from services.feedback.settings import Settings


@dataclass(frozen=True)
class Report:
    group_by: GroupBy
    filter: LeadFilter
    currency: str
    groups: list[GroupKpis]
    total: GroupKpis
    names: dict[str, str]

    def rows(self) -> list[dict[str, Any]]:
        return [self.row(g) for g in self.groups]

    def row(self, group: GroupKpis) -> dict[str, Any]:
        name = self.names.get(group.key or "") if self.group_by is GroupBy.CAMPAIGN else None
        return {"key": group.key, "name": name or group.key, **group.figures()}


async def kpi_report(
    session: AsyncSession,
    f: LeadFilter,
    *,
    by: GroupBy,
    settings: Settings,
    now: datetime,
    what: str,
) -> Report:
    started = clock.perf_counter()
    currency, rates = settings.reporting_currency, settings.exchange_rates
    leads = await queries.lead_facts(session, f, reporting_currency=currency, rates=rates)
    spend = await queries.spend_rows(session, f, reporting_currency=currency, rates=rates)
    groups, total = aggregate(
        leads,
        spend,
        by=by,
        start=f.start,
        end=f.end,
        stale_before=now - timedelta(hours=settings.nudge_after_hours),
    )
    names = await queries.campaign_names(session) if by is GroupBy.CAMPAIGN else {}
    metrics.KPI_COMPUTE_SECONDS.labels(what).observe(clock.perf_counter() - started)
    return Report(by, f, settings.reporting_currency, groups, total, names)
