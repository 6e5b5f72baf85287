"""The Kubernetes manifests: probes, settings names, and replicas within the partition count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI

from shared.events import registry
from shared.events.topics import AUTH_API_KEYS, TOPICS
from shared.settings import ServiceSettings
from tests.conftest import ROOT

K8S = ROOT / "deploy" / "k8s"
SERVICES = ("intake", "scoring", "routing", "feedback")
# Variables every service reads under a fixed name (validation aliases), not a prefix.
SHARED_ENV = {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "HANDOFF_BOOTSTRAP_API_KEY"}
SHARED_ENV |= {"HANDOFF_LOG_LEVEL"}


def documents(path: Path) -> Iterator[dict[str, Any]]:
    for document in yaml.safe_load_all(path.read_text()):
        if document:
            yield document


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in documents(path):
            if document["kind"] == kind:
                found[document["metadata"]["name"]] = document
    return found


def app_of(name: str) -> tuple[FastAPI, ServiceSettings]:
    module = __import__(f"services.{name}.app", fromlist=["create_app"])
    settings_module = __import__(f"services.{name}.settings", fromlist=["Settings"])
    settings: ServiceSettings = settings_module.Settings()
    return module.create_app(settings), settings


def allowed_env(settings: ServiceSettings) -> set[str]:
    prefix = str(type(settings).model_config.get("env_prefix", ""))
    return SHARED_ENV | {prefix + field.upper() for field in type(settings).model_fields}


def container(name: str) -> dict[str, Any]:
    deployment = by_kind("Deployment")[name]
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def env_of(name: str) -> set[str]:
    """Every variable a service's pod gets from its ConfigMaps and the Secret example."""
    config_maps = by_kind("ConfigMap")
    [secret] = documents(K8S / "secret.example.yaml")
    names = {e["name"] for e in container(name).get("env", [])}
    for source in container(name)["envFrom"]:
        if "configMapRef" in source:
            names |= set(config_maps[source["configMapRef"]["name"]]["data"])
        else:
            assert source["secretRef"]["name"] == secret["metadata"]["name"]
            names |= {
                k
                for k in secret["stringData"]
                if k in SHARED_ENV or k.startswith(f"{name.upper()}_")
            }
    return names - {"SERVICE"}  # the image's switch between services, read by its CMD


def test_every_manifest_parses_and_kustomization_lists_them() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == on_disk
    assert set(by_kind("Deployment")) == set(SERVICES)
    assert set(by_kind("Service")) == set(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_probes_port_resources_and_scrape_annotations(name: str) -> None:
    _, settings = app_of(name)
    deployment = by_kind("Deployment")[name]
    pod = deployment["spec"]["template"]
    spec = container(name)
    [port] = spec["ports"]
    assert port["containerPort"] == settings.port
    assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert spec["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
    assert {"cpu", "memory"} <= set(spec["resources"]["limits"])
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(settings.port)
    assert annotations["prometheus.io/path"] == "/metrics"
    assert pod["metadata"]["labels"] == deployment["spec"]["selector"]["matchLabels"] | {
        "app.kubernetes.io/part-of": "handoff"
    }
    service = by_kind("Service")[name]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["port"] == settings.port


@pytest.mark.parametrize("name", SERVICES)
def test_environment_names_are_the_service_settings(name: str) -> None:
    _, settings = app_of(name)
    names = env_of(name)
    unknown = names - allowed_env(settings)
    assert not unknown, f"{name} gets variables its settings do not read: {sorted(unknown)}"
    assert {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "HANDOFF_BOOTSTRAP_API_KEY"} <= names
    assert f"{name.upper()}_PORT" in names


def test_an_unknown_variable_would_be_caught() -> None:
    _, settings = app_of("routing")
    assert "ROUTING_SLA_WORKERS" in allowed_env(settings)
    assert "ROUTING_SLA_WORKER" not in allowed_env(settings)
    assert "SCORING_REFIT_SECONDS" not in allowed_env(settings)


@pytest.mark.parametrize("name", SERVICES)
def test_replicas_do_not_exceed_the_partitions_a_consumer_can_own(name: str) -> None:
    app, _ = app_of(name)
    types = registry()
    partitions = {spec.name: spec.partitions for spec in TOPICS}
    consumed = {types[t].topic for t in app.state.runtime.handlers}
    replicas = by_kind("Deployment")[name]["spec"]["replicas"]
    assert replicas >= 1
    assert "partition count" in (K8S / f"{name}.yaml").read_text()
    work = consumed - {AUTH_API_KEYS}
    if not work:
        # Scaled by HTTP load: only one instance reads the key topic, into the table that
        # every instance reads, so the others' idle consumers lose nothing.
        assert name == "intake"
        return
    most = max(partitions[topic] for topic in work)
    assert replicas <= most, (name, replicas, {t: partitions[t] for t in work})


def test_topics_job_creates_the_topics_with_the_shared_config() -> None:
    [job] = documents(K8S / "topics-job.yaml")
    [spec] = job["spec"]["template"]["spec"]["containers"]
    assert "shared.kafka.admin create-topics" in " ".join(spec["command"])
    assert spec["envFrom"] == [{"configMapRef": {"name": "handoff-config"}}]
