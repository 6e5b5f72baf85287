"""Adds routed leads and spend up into KPIs per campaign, channel, source or day.

Pure: the repository loads rows, this module decides what they mean. Leads are counted in
the period they were captured (a cohort), so a campaign's March figures keep improving as
its March leads close in April.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.feedback import kpis
from services.feedback.outcomes import QUALITY_VERDICTS, LeadHistory
from shared.events import OutcomeStatus, Priority


class GroupBy(StrEnum):
    CAMPAIGN = "campaign"
    CHANNEL = "channel"
    SOURCE = "source"
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class LeadFacts:
    """A routed lead, what sales reported about it, and its SLA record."""

    lead_id: str
    campaign_id: str | None
    channel: str | None
    source: str | None
    priority: Priority
    captured_at: datetime
    routed_at: datetime
    sla_due_at: datetime | None
    first_breached_at: datetime | None
    history: LeadHistory

    @property
    def breached(self) -> bool:
        return self.first_breached_at is not None

    def accepted_within_sla(self) -> bool:
        """Accepted by the first due time, and no breach was recorded before the acceptance."""
        accepted, due = self.history.accepted_at, self.sla_due_at
        if accepted is None or due is None or accepted > due:
            return False
        return self.first_breached_at is None or self.first_breached_at > accepted

    def followup_lost(self) -> bool:
        """Closed without a sale after sales let the SLA slip, unless the lead was junk."""
        h = self.history
        if not self.breached or h.final not in {OutcomeStatus.LOST, OutcomeStatus.DISQUALIFIED}:
            return False
        return h.disqualification_reason not in QUALITY_VERDICTS

    def never_contacted(self, stale_before: datetime) -> bool:
        """Routed long enough ago, never reached, and not dismissed as junk."""
        h = self.history
        if h.contacted_at is not None or self.routed_at > stale_before:
            return False
        return h.disqualification_reason not in QUALITY_VERDICTS


@dataclass(frozen=True)
class SpendRow:
    campaign_id: str
    kind: str
    period_start: date
    period_end: date
    amount: Decimal


def prorated(row: SpendRow, start: date | None, end: date | None) -> Decimal:
    """The share of a spend row that falls in [start, end], by days (whole row when open)."""
    lo = max(row.period_start, start) if start else row.period_start
    hi = min(row.period_end, end) if end else row.period_end
    if hi < lo:
        return Decimal(0)
    days = (row.period_end - row.period_start).days + 1
    return row.amount * ((hi - lo).days + 1) / days


def group_key(lead: LeadFacts, by: GroupBy) -> str | None:
    if by is GroupBy.CAMPAIGN:
        return lead.campaign_id
    if by is GroupBy.CHANNEL:
        return lead.channel
    if by is GroupBy.SOURCE:
        return lead.source
    day = lead.captured_at.date()
    if by is GroupBy.WEEK:
        day -= timedelta(days=day.weekday())
    return day.isoformat()


@dataclass
class GroupKpis:
    """The figures of one group; ratios are derived so they always match the counts."""

    key: str | None
    leads: int = 0
    contacted: int = 0
    qualified: int = 0
    customers: int = 0
    with_outcome: int = 0
    spend: Decimal = Decimal(0)
    sales_cost: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)
    hot_routed: int = 0
    hot_within_sla: int = 0
    breached: int = 0
    lost_after_sla_breach: int = 0
    never_contacted: int = 0
    followup_failures: int = 0
    speed_seconds: list[float] = field(default_factory=list)
    close_seconds: list[float] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, lead: LeadFacts, stale_before: datetime) -> None:
        h = lead.history
        self.leads += 1
        self.contacted += h.contacted_at is not None
        self.qualified += h.qualified
        self.customers += h.final is OutcomeStatus.WON
        self.with_outcome += h.has_outcome
        self.revenue += h.revenue
        if lead.priority is Priority.HOT and lead.sla_due_at is not None:
            self.hot_routed += 1
            self.hot_within_sla += lead.accepted_within_sla()
        self.breached += lead.breached
        lost, cold = lead.followup_lost(), lead.never_contacted(stale_before)
        self.lost_after_sla_breach += lost
        self.never_contacted += cold
        self.followup_failures += lost or cold
        if h.contacted_at is not None:
            self.speed_seconds.append((h.contacted_at - lead.captured_at).total_seconds())
        if h.won_at is not None:
            self.close_seconds.append((h.won_at - lead.captured_at).total_seconds())
        if h.disqualification_reason is not None:
            self.reasons[h.disqualification_reason] += 1

    def figures(self) -> dict[str, Any]:
        """The published figures, exactly the DESIGN formulas; None where undefined."""
        cost = self.spend + self.sales_cost
        worked = self.leads - self.followup_failures
        return {
            "leads": self.leads,
            "contacted": self.contacted,
            "qualified": self.qualified,
            "customers": self.customers,
            "conversion_rate_pct": kpis.conversion_rate_pct(self.customers, self.leads),
            "spend": kpis.money(self.spend),
            "sales_cost": kpis.money(self.sales_cost),
            "revenue": kpis.money(self.revenue),
            "cost_per_qualified_lead": kpis.cost_per_qualified_lead(self.spend, self.qualified),
            "cac": kpis.cac(cost, self.customers),
            "roi_pct": kpis.roi_pct(self.revenue, cost),
            "speed_to_lead_p50_seconds": kpis.percentile(self.speed_seconds, 50),
            "speed_to_lead_p90_seconds": kpis.percentile(self.speed_seconds, 90),
            "hot_leads_routed": self.hot_routed,
            "hot_leads_accepted_within_sla": self.hot_within_sla,
            "sla_compliance_pct": kpis.pct(self.hot_within_sla, self.hot_routed),
            "sla_breached_leads": self.breached,
            "campaign_to_close_p50_seconds": kpis.percentile(self.close_seconds, 50),
            "campaign_to_close_p90_seconds": kpis.percentile(self.close_seconds, 90),
            "leads_with_outcome": self.with_outcome,
            "feedback_coverage_pct": kpis.pct(self.with_outcome, self.leads),
            "disqualification_reasons": dict(sorted(self.reasons.items())),
            "lost_after_sla_breach": self.lost_after_sla_breach,
            "never_contacted": self.never_contacted,
            "worked_leads": worked,
            "worked_conversion_rate_pct": kpis.conversion_rate_pct(self.customers, worked),
        }


def aggregate(
    leads: Iterable[LeadFacts],
    spend: Iterable[SpendRow],
    *,
    by: GroupBy,
    start: date | None,
    end: date | None,
    stale_before: datetime,
) -> tuple[list[GroupKpis], GroupKpis]:
    """Groups (ordered by key, unattributed last) and the total over everything.

    A campaign's spend goes to the groups its leads fall in, in proportion to its leads
    there; a campaign without leads in the period keeps its spend under its own id (by
    campaign) or under no group.
    """
    groups: dict[str | None, GroupKpis] = {}
    total = GroupKpis(key=None)
    per_campaign: defaultdict[str | None, Counter[str | None]] = defaultdict(Counter)
    for lead in leads:
        key = group_key(lead, by)
        groups.setdefault(key, GroupKpis(key=key)).add(lead, stale_before)
        total.add(lead, stale_before)
        per_campaign[lead.campaign_id][key] += 1
    for row in spend:
        amount = prorated(row, start, end)
        if amount == 0:
            continue
        _charge(total, row.kind, amount)
        shares: Mapping[str | None, int] = per_campaign.get(row.campaign_id) or {
            row.campaign_id if by is GroupBy.CAMPAIGN else None: 1
        }
        whole = sum(shares.values())
        for key, count in shares.items():
            _charge(groups.setdefault(key, GroupKpis(key=key)), row.kind, amount * count / whole)
    ordered = sorted(groups.values(), key=lambda g: (g.key is None, g.key or ""))
    return ordered, total


def _charge(group: GroupKpis, kind: str, amount: Decimal) -> None:
    if kind == "sales":
        group.sales_cost += amount
    else:
        group.spend += amount
