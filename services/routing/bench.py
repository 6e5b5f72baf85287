"""``python -m services.routing.bench``: capture-to-routed latency and SLA action delay.

Drives hot leads at a steady rate through a running stack (``POST /v1/leads`` on intake),
reads ``leads.routed`` and ``leads.sla`` with an independent consumer and prints:

* capture → routed inside Handoff (``routed_at - captured_at`` of each first routing) and
  POST → ``leads.routed`` seen by a sales tool, p50 / p99 / max;
* how long after its deadline each SLA breach was acted on (``breached_at - due_at``).

For the breaches it creates a bench team with a short hot SLA and puts a rule for the run's
campaign in front of the current rules (a new rule-set version); afterwards the previous
rules are saved again and the bench reps set inactive, so the stack's routing is unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from shared.events import LeadRoutedV1, LeadSlaBreachedV1, decode
from shared.events.topics import LEADS_ROUTED, LEADS_SLA


def _call(method: str, url: str, key: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{method} {url} failed ({exc.code}): {exc.read().decode()}") from exc


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(round(pct / 100 * (len(ordered) - 1)), len(ordered) - 1)
    return ordered[index]


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no samples"
    ms = [v * 1000 for v in values]
    return (
        f"{name}: n={len(ms)} p50={percentile(ms, 50):.0f} ms p99={percentile(ms, 99):.0f} ms "
        f"max={max(ms):.0f} ms mean={statistics.fmean(ms):.0f} ms"
    )


@dataclass
class Observed:
    sent_at: dict[str, float] = field(default_factory=dict)
    inside: list[float] = field(default_factory=list)
    seen: list[float] = field(default_factory=list)
    routed: set[str] = field(default_factory=set)
    breach_delays: list[float] = field(default_factory=list)


def _lead(run: str, i: int) -> dict[str, Any]:
    return {
        "contact": {"email": f"bench-{run}-{i}@bench-{run}.example", "job_title": "CTO"},
        "company": {"name": f"Bench {run} {i}", "size": 800, "country": "US"},
        "interest": {"product": "GTX Pro", "form_type": "demo_request"},
        "attribution": {"channel": "paid_search", "source": "bench", "campaign_id": run},
        "behaviour": {"visits": 6, "pages_viewed": 9},
    }


async def _consume(bootstrap: str, run: str, seen: Observed, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        LEADS_ROUTED,
        LEADS_SLA,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{run}",
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    event = decode(record.value)
                    data = event.data
                    if isinstance(data, LeadRoutedV1) and data.campaign_id == run:
                        if data.attempt == 1 and data.lead_id not in seen.routed:
                            seen.routed.add(data.lead_id)
                            seen.inside.append((data.routed_at - data.captured_at).total_seconds())
                            if data.lead_id in seen.sent_at:
                                seen.seen.append(now - seen.sent_at[data.lead_id])
                    elif isinstance(data, LeadSlaBreachedV1) and data.team == f"bench-{run}":
                        seen.breach_delays.append((data.breached_at - data.due_at).total_seconds())
    finally:
        await consumer.stop()


async def bench(args: argparse.Namespace) -> None:
    run = f"bench-{uuid.uuid4().hex[:6]}"
    team = f"bench-{run}"
    routing = args.routing.rstrip("/")
    previous = await asyncio.to_thread(_call, "GET", f"{routing}/v1/rules", args.key)
    reps = [
        {"id": f"{team}-{i}", "name": f"Bench rep {i}", "team": team, "manager_id": f"{team}-m"}
        for i in range(args.reps)
    ]
    org = {
        "teams": [
            {
                "id": team,
                "name": "Bench",
                "manager_id": f"{team}-m",
                "sla_seconds": {"hot": args.sla_seconds} if args.sla_seconds else {},
                "escalate_after_breaches": 2,
            }
        ],
        "reps": [
            {"id": f"{team}-m", "name": "Bench manager", "team": team, "role": "manager"},
            *reps,
        ],
    }
    await asyncio.to_thread(_call, "POST", f"{routing}/v1/org", args.key, org)
    rule = {
        "id": run,
        "conditions": [{"field": "campaign_id", "op": "eq", "value": run}],
        "team": team,
    }
    rules = {**previous["rules"], "rules": [rule, *previous["rules"]["rules"]]}
    await asyncio.to_thread(_call, "PUT", f"{routing}/v1/rules", args.key, rules)
    seen = Observed()
    stop = asyncio.Event()
    consumer = asyncio.create_task(_consume(args.bootstrap, run, seen, stop))
    await asyncio.sleep(3)  # the consumer joins and takes its partitions before leads flow
    total = int(args.rate * args.duration)
    print(
        f"{run}: {total} hot leads at {args.rate}/s for {args.duration}s, SLA {args.sla_seconds}s"
    )
    intake = args.intake.rstrip("/")
    started = time.perf_counter()
    try:
        pending: list[asyncio.Task[None]] = []

        async def post(i: int) -> None:
            sent = time.perf_counter()
            answer = await asyncio.to_thread(
                _call, "POST", f"{intake}/v1/leads", args.key, _lead(run, i)
            )
            seen.sent_at[answer["lead_id"]] = sent

        for i in range(total):
            delay = started + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(post(i)))
        await asyncio.gather(*pending)
        # Each lead breaches twice (reassigned, then escalated): wait for both rounds.
        breaches = 2 * total if args.sla_seconds else 0
        deadline = time.perf_counter() + 2 * args.sla_seconds + 60
        while time.perf_counter() < deadline and (  # noqa: ASYNC110 - bounded progress poll
            len(seen.routed) < total or len(seen.breach_delays) < breaches
        ):
            await asyncio.sleep(0.5)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await consumer
        await asyncio.to_thread(_call, "PUT", f"{routing}/v1/rules", args.key, previous["rules"])
        for rep in reps:
            await asyncio.to_thread(
                _call, "PUT", f"{routing}/v1/reps/{rep['id']}", args.key, {**rep, "active": False}
            )
    print(summary("capture -> routed (inside Handoff)", seen.inside))
    print(summary("POST /v1/leads -> leads.routed seen by a consumer", seen.seen))
    print(summary("SLA deadline -> breach acted on", seen.breach_delays))
    print(f"routed {len(seen.routed)} of {total}; breaches seen {len(seen.breach_delays)}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.routing.bench", description=__doc__)
    parser.add_argument("--intake", default="http://127.0.0.1:8001")
    parser.add_argument("--routing", default="http://127.0.0.1:8003")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka")
    parser.add_argument("--key", required=True, help="an admin API key")
    parser.add_argument("--rate", type=float, default=20.0, help="leads per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of traffic")
    parser.add_argument(
        "--sla-seconds",
        type=int,
        default=5,
        help="the bench team's hot SLA; 0 measures routing alone, without breaches",
    )
    parser.add_argument("--reps", type=int, default=8)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
