"""Intake's throughput beside a bare baseline: ``make bench-intake`` (a benchmark, not a test).

Starts a Kafka broker and PostgreSQL of its own (free ports, its own state directory), then
one intake process (one uvicorn worker, API key, validation, outbox) and the baseline (one
asyncpg INSERT per request), drives each with wrk at the same concurrency, checks that every
accepted lead is stored and published, and prints and writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.py"
KEY = "hk_bench_" + os.urandom(24).hex()

LUA = """
local thread_id = 0
local counter = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"contact":{"email":"bench-%s-%d-%d@example.com","job_title":"CTO"},'
    .. '"company":{"size":250,"country":"GB"},"interest":{"form_type":"demo_request"},'
    .. '"attribution":{"channel":"paid_search","campaign_id":"bench"}}', RUN, tid, counter)
  return wrk.format("POST", nil, HEADERS, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is required (Debian: apt-get install wrk)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk did not install")


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} not ready after {timeout}s")


def run_wrk(
    wrk: str, url: str, headers: dict[str, str], *, seconds: int, connections: int, run: str
) -> dict[str, Any]:
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()) + "}"
    script = f'RUN = "{run}"\nHEADERS = {lua_headers}\n' + LUA
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(f.name)
    figures: dict[str, Any] = {
        "requests_per_second": _number(r"Requests/sec:\s+([\d.]+)", out),
        "requests": int(_number(r"(\d+) requests in", out)),
        "non_2xx": int(_number(r"Non-2xx or 3xx responses: (\d+)", out, default=0)),
    }
    for pct in ("50", "90", "99"):
        match = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)", out)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            figures[f"latency_p{pct}_ms"] = value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return figures


def _number(pattern: str, text: str, default: float | None = None) -> float:
    match = re.search(pattern, text)
    if match is None:
        if default is None:
            raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
        return default
    return float(match.group(1))


def _line(name: str, figures: dict[str, Any]) -> str:
    p50, p99 = figures.get("latency_p50_ms", 0.0), figures.get("latency_p99_ms", 0.0)
    rate = figures["requests_per_second"]
    return f"  {name:42} {rate:8.0f} req/s  p50 {p50:.1f} ms  p99 {p99:.1f} ms"


async def durable_counts(dsn: str, run: str) -> tuple[int, int]:
    """Leads of this run stored by intake, and outbox rows still unpublished."""
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(600):
            unsent = await conn.fetchval(
                "SELECT count(*) FROM intake.outbox_message WHERE sent_at IS NULL"
            )
            if unsent == 0:
                break
            await asyncio.sleep(0.1)
        stored = await conn.fetchval(
            "SELECT count(*) FROM intake.lead WHERE email LIKE $1", f"bench-{run}-%"
        )
        return int(stored), int(unsent)
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--results", type=Path, default=ROOT / "bench-results" / "intake.json")
    args = parser.parse_args()
    wrk = ensure_wrk()
    (ROOT / ".local").mkdir(exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / ".local"))
    state.chmod(0o755)
    kafka, controller, pg = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run(
        [
            sys.executable,
            str(STACK),
            "up",
            "--no-services",
            "--state-dir",
            str(state),
            "--kafka-port",
            str(kafka),
            "--kafka-controller-port",
            str(controller),
            "--pg-port",
            str(pg),
        ],
        check=True,
        env=env,
        cwd=ROOT,
    )
    dsn = f"postgresql://handoff@127.0.0.1:{pg}/handoff"
    processes: list[subprocess.Popen[bytes]] = []
    results: dict[str, Any] = {"connections": args.connections, "seconds": args.seconds}
    try:
        intake_port, baseline_port = free_port(), free_port()
        service_env = env | {
            "DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka}",
            "HANDOFF_BOOTSTRAP_API_KEY": KEY,
            "INTAKE_PORT": str(intake_port),
            "HANDOFF_LOG_LEVEL": "WARNING",
        }
        with (state / "intake.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "services.intake"],
                    cwd=ROOT,
                    env=service_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        with (state / "baseline.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "deploy.bench.baseline",
                        "--port",
                        str(baseline_port),
                        "--dsn",
                        dsn,
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        wait_ready(f"http://127.0.0.1:{intake_port}/readyz", processes[0])
        wait_ready(f"http://127.0.0.1:{baseline_port}/docs", processes[1])
        run = os.urandom(4).hex()
        json_headers = {"Content-Type": "application/json"}
        # A short warm-up of each, so neither pays for its first connections in the figure.
        auth = json_headers | {"Authorization": f"Bearer {KEY}"}
        for url, headers in (
            (f"http://127.0.0.1:{baseline_port}/leads", json_headers),
            (f"http://127.0.0.1:{intake_port}/v1/leads", auth),
        ):
            run_wrk(wrk, url, headers, seconds=2, connections=4, run="warm" + run)
        results["baseline"] = run_wrk(
            wrk,
            f"http://127.0.0.1:{baseline_port}/leads",
            json_headers,
            seconds=args.seconds,
            connections=args.connections,
            run=run,
        )
        results["intake"] = run_wrk(
            wrk,
            f"http://127.0.0.1:{intake_port}/v1/leads",
            auth,
            seconds=args.seconds,
            connections=args.connections,
            run=run,
        )
        stored, unsent = asyncio.run(durable_counts(dsn, run))
        results["intake"]["leads_stored"] = stored
        results["intake"]["outbox_unpublished_after_drain"] = unsent
        results["ratio_intake_to_baseline"] = round(
            results["intake"]["requests_per_second"] / results["baseline"]["requests_per_second"], 3
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(
            [sys.executable, str(STACK), "down", "--purge", "--state-dir", str(state)],
            env=env,
            cwd=ROOT,
            check=False,
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    base, intake = results["baseline"], results["intake"]
    accepted = intake["requests"] - intake["non_2xx"]
    print(f"\nintake bench: {args.connections} connections, {args.seconds}s each, one worker each")
    print(_line("baseline (FastAPI + one asyncpg INSERT)", base))
    print(_line("intake (key, validation, lead + outbox)", intake))
    print(f"  ratio intake/baseline: {results['ratio_intake_to_baseline']:.2f}")
    print(
        f"  intake: {accepted} accepted, {intake['leads_stored']} stored, "
        f"{intake['outbox_unpublished_after_drain']} unpublished after drain "
        "(requests still in flight when wrk stopped are stored too)"
    )
    print(f"  written to {args.results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
