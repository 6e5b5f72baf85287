"""Lead-quality KPI formulas, exactly as the field uses them (see DESIGN: KPIs)."""

from __future__ import annotations

from dataclasses import dataclass


def conversion_rate_pct(converted: int, leads: int) -> float | None:
    """Lead conversion rate (%) = converted leads / all leads x 100; None without leads."""
    if leads <= 0:
        return None
    return round(converted / leads * 100, 2)


@dataclass(frozen=True)
class CampaignKpis:
    campaign_id: str | None
    leads: int
    qualified: int
    customers: int

    @property
    def conversion_rate_pct(self) -> float | None:
        return conversion_rate_pct(self.customers, self.leads)
