"""``python -m deploy.demo`` with a CSV and a column mapping of the test's own, as a process.

The printed report must carry the figures feedback's and scoring's APIs give, every lead
must come through the whole loop, and a bad mapping must stop the demo before anything is
stored.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import ADMIN_KEY, Services

pytestmark = pytest.mark.e2e

LEADS = 50
DEAL = Decimal("800.00")
COST = {"search": Decimal("12.50"), "events": Decimal("40.00")}


def _env(services: Services, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    return env | {
        "HANDOFF_INTAKE_URL": services.urls["intake"],
        "HANDOFF_SCORING_URL": services.urls["scoring"],
        "HANDOFF_ROUTING_URL": services.urls["routing"],
        "HANDOFF_FEEDBACK_URL": services.urls["feedback"],
        "HANDOFF_KAFKA_BOOTSTRAP_SERVERS": services.stack.bootstrap,
        "HANDOFF_API_KEY": ADMIN_KEY,
        "HANDOFF_STACK_STATE_DIR": str(tmp_path / "no-stack"),
    }


def _files(tmp_path: Path) -> tuple[Path, Path, Path, list[dict[str, str]]]:
    """An org, a lead CSV in a layout of its own, and the mapping that reads it."""
    tag = uuid.uuid4().hex[:6]
    maven = tmp_path / "data" / "maven_crm"
    maven.mkdir(parents=True)
    agents = [("Ada", "Mia"), ("Bo", "Mia"), ("Cy", "Mia"), ("Di", "Noor"), ("Ed", "Noor")]
    (maven / "sales_teams.csv").write_text(
        "sales_agent,manager,regional_office\n"
        + "".join(f"{a} {tag},{m} {tag},West\n" for a, m in agents)
    )
    (maven / "accounts.csv").write_text(f"account,owner\nGizmo {tag},Ada {tag}\n")
    rng = random.Random(11)
    rows = [
        {
            "Ref": f"{tag}-{i}",
            "Mail": f"buyer{i}.{tag}@example.org",
            "Where": rng.choice(["AdWords", "AdWords", "Trade show"]),
            "Form": rng.choice(["Demo Request", "Newsletter", "Contact Us"]),
            "Visits": str(rng.randint(0, 12)),
            "Seconds on site": str(rng.randint(0, 2000)),
            "Job": rng.choice(["VP Sales", "Student", ""]),
            "Bought": rng.choice(["yes", "no", "no"]),
        }
        for i in range(LEADS)
    ]
    leads = tmp_path / "leads.csv"
    with leads.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping = {
        "id_column": "Ref",
        "fields": {
            "contact.email": {"column": "Mail"},
            "contact.job_title": {"column": "Job"},
            "attribution.source": {"column": "Where", "transform": "lower"},
            "attribution.channel": {
                "column": "Where",
                "map": {"adwords": "search", "trade show": "events"},
            },
            "interest.form_type": {"column": "Form", "transform": "slug"},
            "behaviour.visits": {"column": "Visits"},
            "behaviour.time_on_site_seconds": {"column": "Seconds on site"},
        },
        "outcome": {"column": "Bought", "won": ["yes"], "deal_amount": str(DEAL)},
        "campaigns": {
            "by": "attribution.channel",
            "name": "Test {value}",
            "cost_per_lead": {k: str(v) for k, v in COST.items()},
        },
    }
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(mapping))
    return tmp_path / "data", leads, mapping_file, rows


def _demo(services: Services, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.demo", *args],
        cwd=ROOT,
        env=_env(services, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _rows(stdout: str, title: str) -> list[list[str]]:
    """The cells of each row of one printed table (the header row first)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            rows.append([c.strip() for c in line.strip("│").split("│")])
    return rows


def _table(stdout: str, title: str) -> dict[str, list[str]]:
    """The rows of one printed table, by their first cell."""
    return {row[0]: row[1:] for row in _rows(stdout, title)}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def money(value: str | None) -> str:
    return "—" if value is None else f"{Decimal(value):,.2f}"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def test_the_demo_report_shows_what_the_apis_say(services: Services, tmp_path: Path) -> None:
    data, leads, mapping, rows = _files(tmp_path)
    args = ("--data", str(data), "--csv", str(leads), "--mapping", str(mapping), "--speed", "600")
    done = _demo(services, tmp_path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.splitlines()[0].startswith(f"Watch it live: {services.urls['feedback']}/dashboard")
    assert "Sales org: 2 teams, 7 reps, 1 accounts" in out

    quality = _table(out, "Lead quality per campaign")
    speed = _table(out, "Speed to lead and SLA per campaign")
    campaigns = [name for name in quality if name.startswith("demo-")]
    assert sorted(c.rsplit("-", 1)[1] for c in campaigns) == ["events", "search"]
    headers = services.admin
    total_leads = total_customers = total_contacted = 0
    for campaign in campaigns:
        url = f"{services.urls['feedback']}/v1/kpis"
        kpi: dict[str, Any] = httpx.get(
            url, params={"campaign_id": campaign}, headers=headers
        ).json()["totals"]
        assert quality[campaign] == [
            str(kpi["leads"]), str(kpi["contacted"]), str(kpi["qualified"]),
            str(kpi["customers"]), pct(kpi["conversion_rate_pct"]), money(kpi["spend"]),
            money(kpi["cost_per_qualified_lead"]), money(kpi["cac"]), money(kpi["revenue"]),
            pct(kpi["roi_pct"]),
        ], campaign  # fmt: skip
        assert speed[campaign] == [
            secs(kpi["speed_to_lead_p50_seconds"]), secs(kpi["speed_to_lead_p90_seconds"]),
            str(kpi["hot_leads_routed"]), str(kpi["hot_leads_accepted_within_sla"]),
            pct(kpi["sla_compliance_pct"]), str(kpi["sla_breached_leads"]),
            pct(kpi["feedback_coverage_pct"]),
        ], campaign  # fmt: skip
        channel = campaign.rsplit("-", 1)[1]
        assert Decimal(kpi["spend"]) == COST[channel] * kpi["leads"]
        assert Decimal(kpi["revenue"]) == DEAL * kpi["customers"]
        assert kpi["feedback_coverage_pct"] == 100.0
        total_leads += kpi["leads"]
        total_customers += kpi["customers"]
        total_contacted += kpi["contacted"]
    # Every lead went round the whole loop and closed with the outcome its row recorded.
    assert total_leads == LEADS
    assert total_customers == sum(r["Bought"] == "yes" for r in rows)
    assert total_contacted > 0, "no lead reached a rep: the demo's sales team never worked"

    model = httpx.get(f"{services.urls['scoring']}/v1/model", headers=headers).json()
    progression = _rows(out, "Scoring's model as outcomes arrived")[1:]
    assert progression, out
    last = progression[-1][1:]
    assert last[1] == model["model_version"]
    assert last[2] == str(model["outcomes_learned"])
    expected_auc = "—" if model["auc"] is None else f"{model['auc']:.3f}"
    assert last[4] == expected_auc


def test_a_bad_mapping_stops_the_demo_before_anything_is_stored(
    services: Services, tmp_path: Path
) -> None:
    data, leads, mapping, _ = _files(tmp_path)
    body = json.loads(mapping.read_text())
    body["fields"]["behaviour.visits"] = {"column": "Visit count"}
    body["fields"]["contact.shoe_size"] = {"column": "Job"}
    mapping.write_text(json.dumps(body))
    url = f"{services.urls['intake']}/v1/campaigns"
    before = httpx.get(url, headers=services.admin).json()

    args = ("--data", str(data), "--csv", str(leads), "--mapping", str(mapping))
    done = _demo(services, tmp_path, *args)
    assert done.returncode == 2
    assert "unknown target field 'contact.shoe_size'" in done.stderr

    del body["fields"]["contact.shoe_size"]
    mapping.write_text(json.dumps(body))
    done = _demo(services, tmp_path, *args)
    assert done.returncode == 2
    assert "unknown column 'Visit count'" in done.stderr
    assert "did you mean 'Visits'?" in done.stderr
    assert done.stdout == ""
    assert httpx.get(url, headers=services.admin).json() == before
