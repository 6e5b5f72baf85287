"""The four services as real processes against the test stack."""

from __future__ import annotations

import os
import secrets
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
ADMIN_KEY = "hk_test_" + secrets.token_urlsafe(32)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Services:
    """Service processes on free ports; a test may stop and restart one of them."""

    stack: Stack
    ports: dict[str, int]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def admin(self) -> dict[str, str]:
        """Headers carrying the bootstrap (admin) key."""
        return {"Authorization": f"Bearer {ADMIN_KEY}"}

    @property
    def urls(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    def log(self, name: str) -> Path:
        return self.stack.state_dir / f"e2e-{name}.log"

    def start(self, name: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_PORT")}
        env |= {
            "DATABASE_URL": self.stack.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.stack.bootstrap,
            "HANDOFF_BOOTSTRAP_API_KEY": ADMIN_KEY,
            # Every test shares 127.0.0.1; rate limits have a test of their own.
            "INTAKE_RATE_LIMIT_PER_IP_PER_MINUTE": "100000",
            # Webhook retries fast and few, so a failing receiver is given up on quickly.
            "ROUTING_WEBHOOK_BACKOFF_SECONDS": "0.2",
            "ROUTING_WEBHOOK_MAX_ATTEMPTS": "3",
            f"{name.upper()}_PORT": str(self.ports[name]),
        }
        with self.log(name).open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, name: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not _ready(self.urls[name]):
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become ready:\n{self.log(name).read_text()}")
            time.sleep(0.2)

    def stop(self, name: str, timeout: float = 30.0) -> int:
        """SIGTERM, as an orchestrator would; returns the exit code."""
        process = self.processes[name]
        if process.poll() is None:
            process.terminate()
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            raise


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Fuzzing creates and changes data every other test may rely on: it runs last."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)


@pytest.fixture(scope="session")
def services(stack: Stack) -> Iterator[Services]:
    running = Services(stack=stack, ports={name: free_port() for name in SERVICES})
    try:
        for name in SERVICES:
            running.start(name)
        for name in SERVICES:
            running.wait_ready(name)
        yield running
    finally:
        for name in running.processes:
            running.stop(name)
