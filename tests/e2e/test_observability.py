"""What operators see: lint-clean /metrics, and Debian's real Prometheus scraping the services.

The Prometheus server runs on a port and data directory of its own with the committed
scrape config (targets pointed at the test services) and alert rules, and is stopped by pid.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import ROOT
from tests.e2e.conftest import Services
from tests.support import eventually, free_port

pytestmark = pytest.mark.e2e

PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "handoff.json"
METRIC = re.compile(r"\bhandoff_[a-z0-9_]+\b")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}

LEAD: dict[str, Any] = {
    "contact": {"first_name": "Ada", "job_title": "CTO"},
    "company": {"name": "Observed Ltd", "size": 120, "country": "gb"},
    "interest": {"product": "GTX Pro", "form_type": "demo_request"},
    "attribution": {"channel": "paid_search", "source": "google", "campaign_id": "e2e-observed"},
}


def exported(text: str) -> set[str]:
    """Every series name a /metrics page can carry, labelled families without samples too."""
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            names |= {name + suffix for suffix in SUFFIXES.get(kind, ("",))}
    return names - {""}


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels if p["type"] != "row" for t in p["targets"]]


def rule_queries() -> list[str]:
    groups = yaml.safe_load((PROMETHEUS / "rules.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


@pytest.fixture(scope="module")
async def routed_lead(services: Services) -> AsyncIterator[str]:
    """One lead through the pipeline, so the pipeline's counters and histograms have samples."""
    lead = {**LEAD, "contact": {**LEAD["contact"], "email": f"ada-{uuid.uuid4().hex[:8]}@obs.io"}}
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        response = await http.post(f"{services.urls['intake']}/v1/leads", json=lead)
        assert response.status_code == 202, response.text

        async def routed() -> bool:
            text = (await http.get(f"{services.urls['routing']}/metrics")).text
            match = re.search(r"^handoff_routing_capture_to_routed_seconds_count (\S+)", text, re.M)
            return bool(match and float(match.group(1)) >= 1)

        await eventually(routed, timeout=60, every=0.5)
        yield response.json()["lead_id"]


async def test_every_metrics_page_passes_promtool(services: Services, routed_lead: str) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "install prometheus: bash deploy/local/ensure-prometheus.sh"
    async with httpx.AsyncClient(timeout=10) as http:
        for name, url in services.urls.items():
            page = (await http.get(f"{url}/metrics")).text
            assert "handoff_http_request_duration_seconds_bucket" in page, name
            result = await asyncio.to_thread(
                subprocess.run,
                [promtool, "check", "metrics"],
                input=page,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, (name, result.stdout + result.stderr)
            assert not (result.stdout + result.stderr).strip(), (name, result.stdout)


async def test_every_metric_in_the_alerts_and_dashboard_is_exported(
    services: Services, routed_lead: str
) -> None:
    names: set[str] = set()
    async with httpx.AsyncClient(timeout=10) as http:
        for url in services.urls.values():
            names |= exported((await http.get(f"{url}/metrics")).text)
    referenced = {m for q in dashboard_queries() + rule_queries() for m in METRIC.findall(q)}
    assert len(referenced) >= 15
    missing = referenced - names
    assert not missing, f"referenced but exported by no service: {sorted(missing)}"
    for required in (
        "handoff_events_consumed_total",
        "handoff_events_published_total",
        "handoff_event_handler_failures_total",
        "handoff_event_handler_duration_seconds_bucket",
        "handoff_consumer_lag_messages",
        "handoff_outbox_backlog_messages",
        "handoff_outbox_oldest_age_seconds",
        "handoff_dead_letters_total",
        "handoff_routing_capture_to_routed_seconds_bucket",
        "handoff_routing_sla_breaches_total",
        "handoff_routing_fallback_assignments_total",
        "handoff_feedback_coverage_ratio",
    ):
        assert required in names, required


@pytest.fixture(scope="module")
def prometheus(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's Prometheus with the committed config, its targets moved to the test ports."""
    binary = shutil.which("prometheus")
    assert binary, "install prometheus: bash deploy/local/ensure-prometheus.sh"
    home = tmp_path_factory.mktemp("prometheus")
    config: dict[str, Any] = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"] |= {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(PROMETHEUS / "rules.yml")]
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [f"127.0.0.1:{services.ports[job['job_name']]}"]}]
    (home / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (home / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={home / 'prometheus.yml'}",
            f"--storage.tsdb.path={home / 'data'}",
            "--storage.tsdb.retention.time=1h",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


async def query(http: httpx.AsyncClient, url: str, promql: str) -> list[dict[str, Any]]:
    response = await http.get(f"{url}/api/v1/query", params={"query": promql})
    body = response.json()
    assert response.status_code == 200 and body["status"] == "success", (promql, body)
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


async def test_prometheus_scrapes_every_service_and_evaluates_the_rules(
    services: Services, routed_lead: str, prometheus: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:

        async def ready() -> bool:
            try:
                return (await http.get(f"{prometheus}/-/ready")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, timeout=60, every=0.5)

        async def all_up() -> list[dict[str, Any]] | None:
            targets = (await http.get(f"{prometheus}/api/v1/targets")).json()["data"]
            active = targets["activeTargets"]
            return active if active and all(t["health"] == "up" for t in active) else None

        targets = await eventually(all_up, timeout=60, every=0.5)
        assert {t["labels"]["job"] for t in targets} == set(services.urls)

        async def leads_counted() -> list[dict[str, Any]] | None:
            rows = await query(http, prometheus, 'sum(handoff_intake_leads_total{job="intake"})')
            return rows if rows and float(rows[0]["value"][1]) >= 1 else None

        await eventually(leads_counted, timeout=60, every=0.5)
        up = await query(http, prometheus, 'up{job=~"intake|scoring|routing|feedback"} == 1')
        assert len(up) == 4
        routed = await query(
            http, prometheus, 'sum(handoff_routing_capture_to_routed_seconds_count{job="routing"})'
        )
        assert routed and float(routed[0]["value"][1]) >= 1

        # Every dashboard query is valid PromQL for this server (Grafana's interval filled in).
        for expr in dashboard_queries():
            await query(http, prometheus, expr.replace("$__rate_interval", "1m"))

        async def rules_evaluated() -> list[dict[str, Any]] | None:
            groups = (await http.get(f"{prometheus}/api/v1/rules")).json()["data"]["groups"]
            rules = [rule for group in groups for rule in group["rules"]]
            # "unknown" until a rule is first evaluated, "err" when its query fails.
            return rules if rules and all(r["health"] == "ok" for r in rules) else None

        rules = await eventually(rules_evaluated, timeout=60, every=0.5)
        assert {r["name"] for r in rules} >= {"HandoffServiceDown", "HandoffDeadLetters"}
        assert len(rules) == 6
        firing = [r["name"] for r in rules if r["state"] == "firing"]
        assert "HandoffServiceDown" not in firing
