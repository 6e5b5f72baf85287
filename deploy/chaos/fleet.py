"""The fault suite's own stack: Kafka and PostgreSQL from ``deploy/local/stack.py``, and the
service processes, started, killed and restarted one instance at a time.

Services run as direct children (not through the stack's pid files), so a second instance of
one service can run beside the first on other ports, and a ``kill -9`` hits exactly the pid
this suite started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local import stack as local_stack
from shared.faults import ENV_VAR

ROOT = Path(__file__).resolve().parents[2]
SERVICES = local_stack.SERVICES
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Ports:
    """Where this run's broker, database and services listen."""

    kafka: int
    controller: int
    pg: int
    service_base: int

    def service(self, name: str, instance: int = 0) -> int:
        """Instance 0 on ``service_base + i``; a second instance four ports further on."""
        return self.service_base + 4 * instance + SERVICES.index(name)


@dataclass
class Fleet:
    """Infrastructure and service processes of one chaos run."""

    state_dir: Path
    ports: Ports
    processes: dict[tuple[str, int], subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def config(self) -> local_stack.StackConfig:
        return local_stack.StackConfig(
            state_dir=self.state_dir,
            kafka_port=self.ports.kafka,
            kafka_controller_port=self.ports.controller,
            pg_port=self.ports.pg,
            service_port_base=self.ports.service_base,
        )

    @property
    def bootstrap(self) -> str:
        return self.config.bootstrap

    @property
    def database_url(self) -> str:
        return self.config.local_database_url

    @property
    def dsn(self) -> str:
        """The same database for asyncpg, which the checks query directly."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://")

    @property
    def api_key(self) -> str:
        return local_stack.bootstrap_api_key(self.config)

    def url(self, name: str, instance: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports.service(name, instance)}"

    def log(self, name: str, instance: int = 0) -> Path:
        return self.state_dir / "logs" / f"{name}-{instance}.log"

    # -- infrastructure ------------------------------------------------------------------

    def up(self) -> None:
        """A fresh broker and database (an old state dir of this suite is purged first)."""
        if self.state_dir.exists():
            local_stack.down(self.state_dir, purge=True)
        local_stack.up(self.config, with_services=False)

    def down(self) -> None:
        """Stop every service instance, then the broker and database, and delete the data."""
        for key in list(self.processes):
            self.stop(*key)
        local_stack.down(self.state_dir, purge=True)

    def restart_kafka(self) -> None:
        """Controlled broker shutdown and start (blocking; run it in a thread)."""
        local_stack.stop_kafka(self.state_dir)
        local_stack.start_kafka(self.config)

    def restart_postgres(self) -> None:
        """Fast PostgreSQL shutdown (clients are disconnected) and start (blocking)."""
        local_stack.stop_postgres(self.state_dir)
        local_stack.start_postgres(self.config)

    # -- services ------------------------------------------------------------------------

    def start(self, name: str, instance: int = 0, *, failpoints: tuple[str, ...] = ()) -> None:
        """Launch ``python -m services.<name>``; with ``failpoints`` it dies at one of them."""
        env = {k: v for k, v in os.environ.items() if not k.endswith("_PORT")}
        env.pop(ENV_VAR, None)
        env.pop("DATABASE_URL", None)
        env |= local_stack.service_env(self.config)
        env |= {
            f"{name.upper()}_PORT": str(self.ports.service(name, instance)),
            "PYTHONUNBUFFERED": "1",
            # Fewer refits leave the shared CPU to the traffic under test.
            "SCORING_REFIT_SECONDS": "30",
        }
        if failpoints:
            env[ENV_VAR] = ",".join(failpoints)
        log = self.log(name, instance)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as handle:
            handle.write(f"\n===== chaos: start {name}#{instance} {failpoints} =====\n".encode())
            self.processes[(name, instance)] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, name: str, instance: int = 0) -> None:
        """Until ``/readyz`` answers 200; raises if the process died or took too long."""
        process = self.processes[(name, instance)]
        deadline = time.monotonic() + READY_TIMEOUT
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name}#{instance} exited with {process.returncode}; "
                        f"see {self.log(name, instance)}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url(name, instance)}/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.3)
        raise RuntimeError(f"{name}#{instance} not ready after {READY_TIMEOUT:.0f}s")

    async def wait_exit(self, name: str, instance: int, timeout: float) -> int | None:
        """The exit code once the process ends by itself, or None after ``timeout``."""
        process = self.processes[(name, instance)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return process.returncode
            await asyncio.sleep(0.2)
        return None

    def running(self, name: str, instance: int = 0) -> bool:
        process = self.processes.get((name, instance))
        return process is not None and process.poll() is None

    def kill9(self, name: str, instance: int = 0) -> None:
        """SIGKILL the instance this suite started: no shutdown, no offset commit, no flush."""
        process = self.processes[(name, instance)]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    def stop(self, name: str, instance: int = 0) -> None:
        """SIGTERM (clean shutdown), SIGKILL if it hangs; forgets the instance."""
        process = self.processes.pop((name, instance))
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
