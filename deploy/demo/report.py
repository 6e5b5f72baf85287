"""The marketing report printed at the end: every figure as feedback's and scoring's APIs give it.

Per campaign (one per channel or whatever field the mapping groups by) from
``GET /v1/kpis?campaign_id=``, the stack's totals for the days of the run from
``GET /v1/kpis?start=&end=``, and the model's AUC at each version seen during the replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from rich import box
from rich.console import Console
from rich.table import Table

from deploy.demo.endpoints import Endpoints, call
from deploy.demo.prepare import Campaign
from deploy.demo.replay import ModelPoint, Result

ORDER = (
    "captured", "known already (a touch)", "refused by intake", "sent to marketing nurture",
    "accepted", "declined", "too late to decline", "too late to accept (lead moved on)",
    "handed over again", "escalated to a manager", "outcome contacted", "outcome qualified",
    "outcome won", "outcome lost", "outcome disqualified", "outcome refused", "errors",
    "still open at the end",
)  # fmt: skip


def summary(tally: Mapping[str, int]) -> str:
    """The replay's counts in the order a lead lives them."""
    known = [f"{tally[k]} {k}" for k in ORDER if tally.get(k)]
    other = [f"{v} {k}" for k, v in sorted(tally.items()) if k not in ORDER and v]
    return ", ".join(known + other)


def milestones(points: Sequence[ModelPoint]) -> list[ModelPoint]:
    """The first model, the first to learn from each doubling of outcomes, and the last."""
    kept: list[ModelPoint] = []
    threshold = 0
    for point in points:
        if not kept or point.outcomes_learned >= threshold:
            kept.append(point)
            threshold = max(30, 2 * point.outcomes_learned)
    if points and kept[-1] is not points[-1]:
        kept.append(points[-1])
    return kept


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def money(value: str | Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


async def fetch(
    http: httpx.AsyncClient, e: Endpoints, campaigns: list[Campaign], first: date, last: date
) -> tuple[list[tuple[Campaign, dict[str, Any]]], dict[str, Any]]:
    """Each campaign's KPI row and the totals of everything captured on the run's days."""
    rows = []
    for c in campaigns:
        body = (await call(http, "GET", f"{e.feedback}/v1/kpis?campaign_id={c.id}")).json()
        rows.append((c, body["totals"]))
    url = f"{e.feedback}/v1/kpis?start={first.isoformat()}&end={last.isoformat()}"
    totals: dict[str, Any] = (await call(http, "GET", url)).json()
    return rows, totals


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title, box=box.SQUARE, title_justify="left")
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=True)
    return table


def render(
    console: Console,
    rows: list[tuple[Campaign, dict[str, Any]]],
    totals: dict[str, Any],
    result: Result,
    *,
    speed: float,
    note: str | None,
) -> None:
    currency = totals["currency"]
    quality = _table(
        f"Lead quality per campaign ({currency}, from feedback GET /v1/kpis)",
        ["campaign", "leads", "contacted", "qualified", "customers", "conversion",
         "spend", "cost per qualified lead", "CAC", "revenue", "ROI"],
    )  # fmt: skip
    speed_table = _table(
        "Speed to lead and SLA per campaign (real seconds of the demo)",
        ["campaign", "speed to lead p50", "speed to lead p90", "hot routed",
         "hot accepted within SLA", "SLA compliance", "SLA breached leads", "feedback coverage"],
    )  # fmt: skip
    everything = [(c.id, r) for c, r in rows] + [("all leads of these days", totals["totals"])]
    for name, r in everything:
        quality.add_row(
            name, str(r["leads"]), str(r["contacted"]), str(r["qualified"]), str(r["customers"]),
            pct(r["conversion_rate_pct"]), money(r["spend"]), money(r["cost_per_qualified_lead"]),
            money(r["cac"]), money(r["revenue"]), pct(r["roi_pct"]),
        )  # fmt: skip
        speed_table.add_row(
            name, seconds(r["speed_to_lead_p50_seconds"]), seconds(r["speed_to_lead_p90_seconds"]),
            str(r["hot_leads_routed"]), str(r["hot_leads_accepted_within_sla"]),
            pct(r["sla_compliance_pct"]), str(r["sla_breached_leads"]),
            pct(r["feedback_coverage_pct"]),
        )  # fmt: skip
    console.print()
    console.print(quality)
    console.print(speed_table)
    console.print(
        f"The demo ran {speed:g}x faster than life: 1 s above is {speed / 60:g} min of a sales "
        "team's day."
    )
    if note:
        console.print(f"Spend and revenue: {note}")
    ours = sum(r["leads"] for _, r in rows)
    spent = sum(Decimal(r["spend"]) for _, r in rows)
    if totals["totals"]["leads"] > ours or Decimal(totals["totals"]["spend"]) > spent:
        console.print(
            f"'all leads of these days' also counts {totals['totals']['leads'] - ours} leads "
            "and the spend of campaigns this stack had outside this run."
        )
    model = _table(
        "Scoring's model as outcomes arrived (from scoring GET /v1/model; each doubling)",
        ["at", "leads closed", "model version", "outcomes learned", "holdout",
         "AUC", "rules AUC"],
    )  # fmt: skip
    for p in milestones(result.model):
        model.add_row(
            f"{p.elapsed:.0f} s", str(p.leads_closed), p.model_version,
            str(p.outcomes_learned), str(p.holdout_size), auc(p.auc), auc(p.rules_auc),
        )  # fmt: skip
    console.print(model)
    console.print(f"What happened: {summary(result.tally)}.")
    if not result.settled:
        console.print("[yellow]feedback's figures were still moving when the report was taken")
    if not result.learned_all:
        console.print("[yellow]scoring had not yet learned every outcome when the report was taken")
