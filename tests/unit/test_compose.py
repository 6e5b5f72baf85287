"""docker-compose.yml validated by the compose tool, and what it runs checked in its output."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

KEY = "compose-test-key-0123456789abcdefghij"


def compose_command() -> list[str] | None:
    """Compose v2 (``docker compose``) when the plugin is there, else Debian's docker-compose."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE = compose_command()
pytestmark = pytest.mark.skipif(COMPOSE is None, reason="no docker compose tool installed")


def config(*, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    env = {k: v for k, v in os.environ.items() if k != "HANDOFF_BOOTSTRAP_API_KEY"}
    if key is not None:
        env["HANDOFF_BOOTSTRAP_API_KEY"] = key
    return subprocess.run(
        [*COMPOSE, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def resolved() -> dict[str, Any]:
    result = config()
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = yaml.safe_load(result.stdout)
    return document


def test_compose_file_is_valid(resolved: dict[str, Any]) -> None:
    assert set(resolved["services"]) == {
        "kafka",
        "topics",
        "postgres",
        "intake",
        "scoring",
        "routing",
        "feedback",
        "prometheus",
        "grafana",
    }


def test_the_admin_key_must_come_from_the_environment() -> None:
    result = config(key=None)
    assert result.returncode != 0
    assert "HANDOFF_BOOTSTRAP_API_KEY" in result.stderr + result.stdout


def test_kafka_is_the_official_image_in_kraft_mode(resolved: dict[str, Any]) -> None:
    kafka = resolved["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "KAFKA_ZOOKEEPER_CONNECT" not in kafka["environment"]


@pytest.mark.parametrize(
    ("name", "port"), [("intake", 8001), ("scoring", 8002), ("routing", 8003), ("feedback", 8004)]
)
def test_each_service_is_built_from_the_one_dockerfile(
    resolved: dict[str, Any], name: str, port: int
) -> None:
    service = resolved["services"][name]
    assert service["build"]["args"] == {"SERVICE": name}
    assert service["build"].get("dockerfile", "Dockerfile") == "Dockerfile"
    assert service["environment"]["HANDOFF_BOOTSTRAP_API_KEY"] == KEY
    assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert f"{port}/readyz" in " ".join(service["healthcheck"]["test"])
    assert {"kafka", "postgres", "topics"} <= set(service["depends_on"])


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target -> source of a service's volumes, from compose v1's short or v2's long syntax."""
    found: dict[str, str] = {}
    for volume in service["volumes"]:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
        found[target] = source
    return found


def test_prometheus_and_grafana_mount_files_that_exist(resolved: dict[str, Any]) -> None:
    prometheus = mounts(resolved["services"]["prometheus"])
    grafana = mounts(resolved["services"]["grafana"])
    for target in ("/etc/prometheus/prometheus.yml", "/etc/prometheus/rules.yml"):
        assert os.path.isfile(prometheus[target]), target
    assert os.path.isdir(grafana["/etc/grafana/provisioning"])
    assert os.path.isfile(grafana["/var/lib/grafana/dashboards/handoff.json"])
