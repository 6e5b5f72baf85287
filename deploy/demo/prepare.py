"""Before the first lead: the sales org, its demo SLA, routing rules, scoring rules, campaigns.

Everything goes through the services' own APIs: the org is read by routing's CSV loader
(``services.routing.org_csv``, as ``load-org`` does) and sent to ``POST /v1/org``; campaigns
are briefed at intake's ``POST /v1/campaigns`` and their spend recorded at feedback's
``POST /v1/campaigns/{id}/spend``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from deploy.demo.endpoints import DemoError, Endpoints, call
from deploy.demo.mapping import ColumnMapping
from deploy.demo.sales import Pace
from services.routing.org import OrgConfig
from services.routing.org_csv import org_from_csv
from shared.errors import InvalidInput
from shared.events import Priority

RULE_PREFIX = "demo-"


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    value: str
    leads: int
    cost: Decimal
    team: str


def read_org(maven: Path, pace: Pace) -> OrgConfig:
    """The Maven CRM org with the demo's SLA on every team."""
    teams, accounts = maven / "sales_teams.csv", maven / "accounts.csv"
    pipeline = maven / "sales_pipeline.csv"
    for path in (teams, accounts):
        if not path.is_file():
            raise DemoError(f"no {path}: give the data folder with --data")
    try:
        org = org_from_csv(
            teams=teams, accounts=accounts, pipeline=pipeline if pipeline.is_file() else None
        )
    except InvalidInput as exc:
        details = "; ".join(f"{f.field}: {f.message}" for f in exc.fields)
        raise DemoError(f"{exc.message}: {details}") from None
    if not org.teams:
        raise DemoError(f"{teams} names no team")
    sla = {Priority(name): seconds for name, seconds in pace.sla_seconds().items()}
    timed = tuple(t.model_copy(update={"sla_seconds": sla}) for t in org.teams)
    return org.model_copy(update={"teams": timed})


def plan_campaigns(
    mapping: ColumnMapping, leads: list[dict[str, Any]], teams: list[str], run: str
) -> dict[str, Campaign]:
    """One campaign per value of the mapping's campaign field, biggest first, each routed to
    a team in turn; its spend is its assumed cost per lead times its leads in this replay."""
    counts = Counter(mapping.campaign_value(lead) for lead in leads)
    spec = mapping.spec.campaigns
    campaigns: dict[str, Campaign] = {}
    for index, (value, n) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))):
        campaign_id = f"demo-{run}-{_slug(value)}"[:100]
        campaigns[value] = Campaign(
            id=campaign_id,
            name=spec.name.format(value=value)[:200],
            value=value,
            leads=n,
            cost=(mapping.cost_per_lead(value) * n).quantize(Decimal("0.01")),
            team=sorted(teams)[index % len(teams)],
        )
    return campaigns


def _slug(value: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in value.lower()).strip("-") or "none"


async def load_org(http: httpx.AsyncClient, e: Endpoints, org: OrgConfig) -> dict[str, Any]:
    response = await call(http, "POST", f"{e.routing}/v1/org", body=org.model_dump(mode="json"))
    result: dict[str, Any] = response.json()
    return result


async def route_campaigns(
    http: httpx.AsyncClient, e: Endpoints, campaigns: dict[str, Campaign]
) -> int:
    """Put one rule per demo campaign in front of the current rules; earlier demo rules go."""
    current = await call(http, "GET", f"{e.routing}/v1/rules", ok=(200, 404))
    if current.status_code == 404:
        raise DemoError("routing has no rule set yet: is the stack fully started?")
    rules = current.json()["rules"]
    kept = [r for r in rules["rules"] if not str(r["id"]).startswith(RULE_PREFIX)]
    ours = [
        {
            "id": f"{RULE_PREFIX}{c.id.removeprefix('demo-')}"[:64],
            "description": f"demo campaign {c.name}",
            "conditions": [{"field": "campaign_id", "op": "eq", "value": c.id}],
            "team": c.team,
        }
        for c in campaigns.values()
    ]
    saved = await call(
        http, "PUT", f"{e.routing}/v1/rules", body={**rules, "rules": [*ours, *kept]}
    )
    version: int = saved.json()["version"]
    return version


async def install_scoring_rules(http: httpx.AsyncClient, e: Endpoints, path: Path) -> str:
    response = await call(http, "POST", f"{e.scoring}/v1/rules", body=_json(path), ok=(200, 201))
    version: str = response.json()["config_version"]
    return version


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


async def register_campaigns(
    http: httpx.AsyncClient,
    e: Endpoints,
    mapping: ColumnMapping,
    campaigns: dict[str, Campaign],
    *,
    timeout: float = 120.0,
) -> None:
    """Brief each campaign at intake, then record its spend once feedback heard the brief."""
    spec = mapping.spec.campaigns
    today = date.today().isoformat()
    for c in campaigns.values():
        brief = {
            "id": c.id,
            "name": c.name,
            "channel": c.value if spec.by == "attribution.channel" else None,
            "offer": spec.offer,
            "starts_on": today,
            "ends_on": today,
            "expected_leads": c.leads,
            "cost": str(c.cost),
            "currency": spec.currency,
        }
        await call(http, "POST", f"{e.intake}/v1/campaigns", body=brief)
    deadline = time.monotonic() + timeout
    for c in campaigns.values():
        spend = {
            "amount": str(c.cost),
            "currency": spec.currency,
            "period_start": today,
            "period_end": today,
            "kind": "marketing",
        }
        while True:
            url = f"{e.feedback}/v1/campaigns/{c.id}/spend"
            response = await call(http, "POST", url, body=spend, ok=(200, 201, 404))
            if response.status_code != 404:
                break
            if time.monotonic() > deadline:
                raise DemoError(f"feedback never heard of campaign {c.id} (is it consuming?)")
            await asyncio.sleep(0.5)
