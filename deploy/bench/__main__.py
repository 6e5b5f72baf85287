"""``make bench`` (``python -m deploy.bench``): Handoff's pipeline under load, with baselines.

Starts a stack of its own (its own state dir and ports, so a ``make up`` stack is left
alone), loads a small org into routing, and measures, in one run:

1. closed loop (wrk): intake's accepted leads/s beside a bare FastAPI + one asyncpg INSERT;
2. fixed rate: leads at ``--rate``/s for ``--seconds`` (open loop, ``driver.py``); capture →
   routed latency seen by an independent consumer of ``leads.routed`` (``observer.py``);
3. steps: the offered rate raised step by step until the pipeline stops keeping up; the
   highest step that kept up is the sustained end-to-end throughput;
4. the Kafka baseline: raw aiokafka produce → consume latency and throughput;

with CPU and memory of every process during each phase. Prints a table and writes
``bench-results/bench.json``. A benchmark, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from deploy.bench import analysis, intake, kafka_roundtrip, report
from deploy.bench.driver import drive
from deploy.bench.procs import ProcessMeter, stack_pids

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.py"
SERVICES = ("intake", "scoring", "routing", "feedback")


def _call(method: str, url: str, key: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def load_org(routing: str, key: str, reps: int = 12) -> None:
    """Two teams with a long SLA (no breach timers fire during the run) and a rule between them."""
    teams = [
        {"id": t, "name": t, "sla_seconds": {"hot": 86_400, "warm": 86_400}}
        for t in ("bench-ent", "bench-smb")
    ]
    members = [
        {"id": f"bench-rep-{i}", "name": f"Rep {i}", "team": teams[i % 2]["id"]}
        for i in range(reps)
    ]
    _call("POST", f"{routing}/v1/org", key, {"teams": teams, "reps": members})
    rule = {
        "id": "bench-paid",
        "conditions": [{"field": "channel", "op": "eq", "value": "paid_search"}],
        "team": "bench-ent",
    }
    _call("PUT", f"{routing}/v1/rules", key, {"rules": [rule], "default_team": "bench-smb"})


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready after {timeout:.0f}s")


class Bench:
    """One run: the stack's ports, the key, the observer's files and the process meter."""

    def __init__(self, args: argparse.Namespace, key: str) -> None:
        self.args = args
        self.key = key
        self.intake_port = args.service_port_base
        self.out = args.state_dir / "observer"
        self.meter = ProcessMeter({})
        self.routed = analysis.RoutedLog(self.out / "routed.jsonl")

    async def phase(self, name: str, rate: float, seconds: float) -> dict[str, Any]:
        """Offer ``rate`` leads/s, wait for them to be routed, and measure everything."""
        run = f"{name}-{os.urandom(3).hex()}"
        self.meter.start()
        sampler = asyncio.create_task(self._sample())
        result = await drive(self.intake_port, self.key, run=run, rate=rate, seconds=seconds)
        ended = time.time()
        accepted = {s.lead_id for s in result.sent if s.lead_id}
        for _ in range(int(self.args.drain_seconds * 10)):  # bounded wait for stragglers
            if self.routed.count(run) >= len(accepted):
                break
            await asyncio.sleep(0.1)
        sampler.cancel()
        processes = self.meter.stop()
        figures = analysis.phase_figures(self.routed, self.out / "lag.jsonl", run, result, ended)
        for usage in processes.values():
            usage["cpu_ms_per_lead"] = round(1000 * usage["cpu_seconds"] / max(len(accepted), 1), 2)
        figures["processes"] = processes
        print(report.phase_line(name, figures), flush=True)
        return figures

    async def _sample(self) -> None:
        for _ in range(100_000):
            await asyncio.sleep(1)
            await asyncio.to_thread(self.meter.sample)

    async def run(self, baseline_port: int, baseline_pid: int) -> dict[str, Any]:
        args = self.args
        results: dict[str, Any] = {"machine": report.machine(), "settings": vars_of(args)}
        pids = stack_pids(args.state_dir, ("kafka", *SERVICES))
        pids |= {"baseline": baseline_pid, "bench driver": os.getpid()}
        observer = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "deploy.bench.observer", "--bootstrap", self.bootstrap],
            *["--out", str(self.out), "--seconds", "3600"],
            cwd=ROOT,
        )
        pids["observer"] = observer.pid
        self.meter = ProcessMeter(pids)
        ready = self.out / "observer.ready"
        try:
            for _ in range(300):
                if await asyncio.to_thread(ready.exists):
                    break
                await asyncio.sleep(0.1)
            # Steps first, lowest rate first: a phase that falls behind leaves a backlog that
            # would load the phases after it, so the fixed rate and wrk come afterwards.
            await self.phase("warm-up", 20, 3)
            results["steps"] = []
            for rate in args.steps:
                await asyncio.sleep(args.pause)
                step = await self.phase(f"step-{rate:g}", rate, args.step_seconds)
                results["steps"].append(step)
                if not step["kept_up"]:
                    break
            kept = [s["offered_rate"] for s in results["steps"] if s["kept_up"]]
            results["sustained_leads_per_second"] = max(kept, default=None)
            await asyncio.sleep(args.pause)
            results["fixed_rate"] = await self.phase(
                f"fixed-{args.rate:g}", args.rate, args.seconds
            )
            await asyncio.sleep(args.pause)
            print("closed loop (wrk): baseline, then intake ...", flush=True)
            self.meter.start()
            results["closed_loop"] = await asyncio.to_thread(
                intake.closed_loop,
                self.intake_port,
                baseline_port,
                self.key,
                seconds=args.wrk_seconds,
                connections=args.wrk_connections,
            )
            results["closed_loop"]["processes"] = self.meter.stop()
        finally:
            observer.terminate()
            await asyncio.wait_for(observer.wait(), 30)
        print("kafka round trip ...", flush=True)
        self.meter.start()
        results["kafka_roundtrip"] = await kafka_roundtrip.roundtrip(self.bootstrap)
        results["kafka_roundtrip"]["processes"] = self.meter.stop()
        return results

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.args.kafka_port}"


def vars_of(args: argparse.Namespace) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.bench", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local" / "bench")
    parser.add_argument("--kafka-port", type=int, default=29092)
    parser.add_argument("--kafka-controller-port", type=int, default=29093)
    parser.add_argument("--pg-port", type=int, default=25433)
    parser.add_argument("--service-port-base", type=int, default=28001)
    parser.add_argument("--baseline-port", type=int, default=0, help="0: service base + 10")
    parser.add_argument("--rate", type=float, default=200, help="the fixed rate, leads/s")
    parser.add_argument("--seconds", type=float, default=30, help="of the fixed rate")
    parser.add_argument(
        "--steps",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[10, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000, 1200],
        help="offered rates tried in turn until one is not kept up with",
    )
    parser.add_argument("--step-seconds", type=float, default=20)
    parser.add_argument(
        "--drain-seconds", type=float, default=60, help="at most, for a phase's leads to route"
    )
    parser.add_argument("--pause", type=float, default=3, help="idle seconds between phases")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--wrk-connections", type=int, default=32)
    parser.add_argument("--results", type=Path, default=ROOT / "bench-results" / "bench.json")
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    args.state_dir = args.state_dir.resolve()
    key = "hk_bench_" + os.urandom(24).hex()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"HANDOFF_BOOTSTRAP_API_KEY": key, "HANDOFF_LOG_LEVEL": "WARNING"}
    stack = [sys.executable, str(STACK)]
    subprocess.run(
        [*stack, "down", "--purge", "--state-dir", str(args.state_dir)], env=env, check=False
    )
    baseline: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                *stack,
                "up",
                "--state-dir",
                str(args.state_dir),
                "--kafka-port",
                str(args.kafka_port),
                "--kafka-controller-port",
                str(args.kafka_controller_port),
                "--pg-port",
                str(args.pg_port),
                "--service-port-base",
                str(args.service_port_base),
            ],
            env=env,
            check=True,
            cwd=ROOT,
        )
        (args.state_dir / "observer").mkdir(exist_ok=True)
        load_org(f"http://127.0.0.1:{args.service_port_base + 2}", key)
        baseline_port = args.baseline_port or args.service_port_base + 10
        dsn = f"postgresql://handoff@127.0.0.1:{args.pg_port}/handoff"
        with (args.state_dir / "logs" / "baseline.log").open("wb") as log:
            baseline = subprocess.Popen(
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
        _wait_ready(f"http://127.0.0.1:{baseline_port}/docs")
        results = asyncio.run(Bench(args, key).run(baseline_port, baseline.pid))
    finally:
        if baseline is not None:
            baseline.terminate()
            baseline.wait(timeout=30)
        if not args.keep:
            subprocess.run(
                [*stack, "down", "--purge", "--state-dir", str(args.state_dir)],
                env=env,
                check=False,
            )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(report.table(results))
    print(f"written to {args.results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
