"""The fault suite, short: a few hundred leads through a kill -9, both failpoints, duplicate
deliveries and poison on every consumed topic, on a stack of its own; nothing lost or doubled."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support import free_port

pytestmark = pytest.mark.e2e


def test_no_lead_lost_or_doubled_through_crashes_duplicates_and_poison() -> None:
    (ROOT / ".local").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="chaos-", dir=ROOT / ".local"))
    work.chmod(0o755)  # the postgres user must reach its data dir inside
    try:
        _run_and_check(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_and_check(work: Path) -> None:
    report_path = work / "chaos.json"
    # Four consecutive ports for the services: find a base whose next three are free too.
    base = free_port()
    command = [
        sys.executable, "-m", "deploy.chaos",
        "--leads", "250", "--rate", "15", "--faults", "short", "--gap", "3",
        "--drain-timeout", "300",
        "--state-dir", str(work / "stack"),
        "--kafka-port", str(free_port()),
        "--kafka-controller-port", str(free_port()),
        "--pg-port", str(free_port()),
        "--service-port-base", str(base),
        "--output", str(report_path),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert report_path.exists(), result.stdout + result.stderr
    report = json.loads(report_path.read_text())
    failed = [c for c in report["checks"] if not c["ok"]]
    assert not failed, json.dumps(failed, indent=2) + result.stdout[-3000:]
    assert result.returncode == 0, result.stdout[-3000:]

    assert report["leads"] >= 250
    assert report["lost"] == 0
    assert report["duplicated"] == 0
    faults = report["faults"]
    assert faults["kill -9 scoring"] == 1
    assert faults["crash at outbox.after_publish (intake)"] == 1
    assert faults["crash at runner.after_db_commit (scoring)"] == 1
    assert sum(n for kind, n in faults.items() if kind.startswith("duplicate")) > 0
    assert {k for k in faults if k.startswith("poison")} == {
        "poison (bad_json)", "poison (unknown_type)", "poison (schema_invalid)",
    }  # fmt: skip
    # The duplicates injected, and those the crashes caused, were delivered and skipped.
    assert report["redeliveries_skipped"] > 0
    checks = {c["name"]: c for c in report["checks"]}
    dead = checks["every poison message on its DLQ with its error, and nothing else there"]
    assert dead["dead_letters"] >= dead["poison_sent"]
