"""The test stack: a Kafka broker and a PostgreSQL cluster of the tests' own.

They run on free ports with their own state directory, so a ``make up`` stack on the
default ports is never touched; the stack is started once per test session, only when an
integration or end-to-end test asks for it, and purged afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy" / "local" / "stack.py"


@dataclass(frozen=True)
class Stack:
    bootstrap: str
    database_url: str
    state_dir: Path


def _stack(*args: str) -> None:
    # The tests always use a cluster of their own, even where DATABASE_URL names a server.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run([sys.executable, str(STACK), *args], check=True, cwd=ROOT, env=env, timeout=1200)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    (ROOT / ".local").mkdir(exist_ok=True)
    state_dir = Path(tempfile.mkdtemp(prefix="test-stack-", dir=ROOT / ".local"))
    state_dir.chmod(0o755)  # the postgres user must reach its data dir inside
    kafka_port, controller_port, pg_port = free_port(), free_port(), free_port()
    args = [
        "up",
        "--no-services",
        "--state-dir",
        str(state_dir),
        "--kafka-port",
        str(kafka_port),
        "--kafka-controller-port",
        str(controller_port),
        "--pg-port",
        str(pg_port),
    ]
    try:
        _stack(*args)
        yield Stack(
            bootstrap=f"127.0.0.1:{kafka_port}",
            database_url=f"postgresql+asyncpg://handoff@127.0.0.1:{pg_port}/handoff",
            state_dir=state_dir,
        )
    finally:
        _stack("down", "--purge", "--state-dir", str(state_dir))
