"""Lead-quality KPI formulas, exactly as the field uses them (see DESIGN: KPIs).

Every ratio whose denominator is zero is ``None`` (shown as "—"), never zero and never an
error: a campaign without spend has no cost per lead, not a free one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def pct(part: int, whole: int) -> float | None:
    """part / whole x 100, rounded to 2 decimals; None when whole is 0."""
    if whole <= 0:
        return None
    return round(part / whole * 100, 2)


def conversion_rate_pct(converted: int, leads: int) -> float | None:
    """Lead conversion rate (%) = converted leads / all leads x 100."""
    return pct(converted, leads)


def money(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def cost_per(cost: Decimal, count: int) -> Decimal | None:
    """Cost per qualified lead = spend / qualified leads; CAC = cost / new customers."""
    if count <= 0:
        return None
    return money(cost / count)


def cost_per_qualified_lead(spend: Decimal, qualified: int) -> Decimal | None:
    return cost_per(spend, qualified) if spend > 0 else None


def cac(cost: Decimal, customers: int) -> Decimal | None:
    """Customer acquisition cost = marketing and sales cost / new customers."""
    return cost_per(cost, customers) if cost > 0 else None


def roi_pct(revenue: Decimal, cost: Decimal) -> float | None:
    """ROI (%) = (revenue - cost) / cost x 100; None without cost."""
    if cost <= 0:
        return None
    return round(float((revenue - cost) / cost * 100), 2)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 3)
