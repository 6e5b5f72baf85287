"""The Grafana dashboard and its provisioning fit together (its queries run in the e2e test)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from tests.conftest import ROOT

GRAFANA = ROOT / "deploy" / "grafana"


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GRAFANA / "handoff.json").read_text())
    return loaded


def test_every_panel_queries_the_provisioned_prometheus() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    [source] = datasources["datasources"]
    assert source["type"] == "prometheus"
    panels = [p for p in dashboard()["panels"] if p["type"] != "row"]
    assert len(panels) >= 12
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]


def test_panel_ids_are_unique_and_panels_do_not_overlap() -> None:
    panels = dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(box["x"], box["x"] + box["w"])
            for y in range(box["y"], box["y"] + box["h"])
        }
        assert not mine & cells, panel["title"]
        cells |= mine


def test_the_dashboard_covers_throughput_latency_sla_lag_and_dead_letters() -> None:
    queries = " ".join(
        t["expr"] for p in dashboard()["panels"] if p["type"] != "row" for t in p["targets"]
    )
    for metric in (
        "handoff_events_consumed_total",
        "handoff_events_published_total",
        "handoff_routing_capture_to_routed_seconds_bucket",
        "handoff_routing_sla_breaches_total",
        "handoff_consumer_lag_messages",
        "handoff_dead_letters_total",
        "handoff_outbox_oldest_age_seconds",
    ):
        assert metric in queries, metric


def test_provisioning_loads_the_dashboard_from_where_compose_mounts_it() -> None:
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/handoff.yml").read_text())
    [provider] = providers["providers"]
    compose = (ROOT / "docker-compose.yml").read_text()
    assert f"./deploy/grafana/handoff.json:{provider['options']['path']}/handoff.json" in compose
