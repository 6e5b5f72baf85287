"""Failpoints: inert unless named in HANDOFF_FAILPOINTS, then the process dies right there."""

from __future__ import annotations

import os
import subprocess
import sys

from shared.faults import ENV_VAR, EXIT_CODE, failpoint
from tests.conftest import ROOT

SCRIPT = (
    "from shared.faults import failpoint\n"
    "print('before', flush=True)\n"
    "failpoint('outbox.after_publish')\n"
    "print('after', flush=True)\n"
)


def _run(armed: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    if armed is not None:
        env[ENV_VAR] = armed
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unarmed_failpoint_does_nothing() -> None:
    failpoint("outbox.after_publish")  # this test process has none armed and goes on
    result = _run(None)
    assert result.returncode == 0
    assert result.stdout.split() == ["before", "after"]


def test_an_armed_failpoint_exits_the_process_at_that_line() -> None:
    result = _run("runner.after_db_commit, outbox.after_publish")
    assert result.returncode == EXIT_CODE
    assert result.stdout.split() == ["before"]


def test_a_failpoint_named_differently_is_not_armed() -> None:
    result = _run("outbox.after_publis")
    assert result.returncode == 0
