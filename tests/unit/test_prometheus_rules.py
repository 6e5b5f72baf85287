"""The Prometheus configs and alert rules, checked and unit-tested by Debian's promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROMETHEUS = ROOT / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL, "install prometheus: bash deploy/local/ensure-prometheus.sh"
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("config", ["prometheus.yml", "compose.yml"])
def test_scrape_configs_are_valid_and_load_the_rules(config: str) -> None:
    result = promtool("check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 6 rules found" in result.stdout


def test_rules_are_valid() -> None:
    result = promtool("check", "rules", "rules.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_on_its_failure_and_stays_quiet_otherwise() -> None:
    result = promtool("test", "rules", "rules.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_test_case() -> None:
    rules = (PROMETHEUS / "rules.yml").read_text()
    tests = (PROMETHEUS / "rules.test.yml").read_text()
    alerts = [line.split(":", 1)[1].strip() for line in rules.splitlines() if "- alert:" in line]
    assert len(alerts) == 6
    for alert in alerts:
        assert f"alertname: {alert}" in tests, alert


def test_a_broken_expectation_fails(tmp_path: Path) -> None:
    """The rule tests can fail: a wrong expected label is reported, so SUCCESS means something."""
    shutil.copy(PROMETHEUS / "rules.yml", tmp_path / "rules.yml")
    broken = (PROMETHEUS / "rules.test.yml").read_text().replace("team: emea", "team: apac")
    (tmp_path / "rules.test.yml").write_text(broken)
    result = promtool("test", "rules", "rules.test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "apac" in result.stdout + result.stderr
