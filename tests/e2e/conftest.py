"""The four services as real processes against the test stack."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, Stack
from tests.support import free_port

SERVICES = ("intake", "scoring", "routing", "feedback")


@dataclass
class Services:
    urls: dict[str, str]
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def services(stack: Stack) -> Iterator[Services]:
    ports = {name: free_port() for name in SERVICES}
    logs = {name: stack.state_dir / f"e2e-{name}.log" for name in SERVICES}
    running = Services(
        urls={name: f"http://127.0.0.1:{port}" for name, port in ports.items()}, logs=logs
    )
    base_env = {k: v for k, v in os.environ.items() if not k.endswith("_PORT")}
    base_env |= {
        "DATABASE_URL": stack.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
        "INTAKE_OUTBOX_POLL_SECONDS": "0.2",
    }
    try:
        for name in SERVICES:
            env = base_env | {f"{name.upper()}_PORT": str(ports[name])}
            with logs[name].open("wb") as log:
                running.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", f"services.{name}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        deadline = time.monotonic() + 90
        for name, url in running.urls.items():
            while not _ready(url):
                if running.processes[name].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready:\n{logs[name].read_text()}")
                time.sleep(0.2)
        yield running
    finally:
        for process in running.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in running.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
