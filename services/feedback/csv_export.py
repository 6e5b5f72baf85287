"""KPI rows as CSV for spreadsheets; an undefined ratio is written "—", as on the dashboard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

MISSING = "—"

COLUMNS: tuple[str, ...] = (
    "key",
    "name",
    "leads",
    "contacted",
    "qualified",
    "customers",
    "conversion_rate_pct",
    "spend",
    "sales_cost",
    "revenue",
    "cost_per_qualified_lead",
    "cac",
    "roi_pct",
    "speed_to_lead_p50_seconds",
    "speed_to_lead_p90_seconds",
    "hot_leads_routed",
    "hot_leads_accepted_within_sla",
    "sla_compliance_pct",
    "sla_breached_leads",
    "campaign_to_close_p50_seconds",
    "campaign_to_close_p90_seconds",
    "leads_with_outcome",
    "feedback_coverage_pct",
    "disqualification_reasons",
    "lost_after_sla_breach",
    "never_contacted",
    "worked_leads",
    "worked_conversion_rate_pct",
)


def cell(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def to_csv(rows: Iterable[Mapping[str, Any]], *, currency: str) -> str:
    """A header naming the currency of money columns, then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    money = {"spend", "sales_cost", "revenue", "cost_per_qualified_lead", "cac"}
    writer.writerow([f"{c}_{currency.lower()}" if c in money else c for c in COLUMNS])
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in COLUMNS])
    return out.getvalue()
