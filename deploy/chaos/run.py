"""One chaos run: start the stack, drive traffic, inject the faults one after another, drain,
check the invariants and return the report."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from deploy.chaos import checks, inject
from deploy.chaos.fleet import SERVICES, Fleet
from deploy.chaos.load import Traffic, send_leads, send_outcomes
from shared.events import registry
from shared.faults import EXIT_CODE
from shared.kafka.producer import create_producer

log = logging.getLogger("chaos")

FAILPOINT_TIMEOUT = 180.0
DUPLICATED_TOPICS = ("leads.captured", "leads.scored", "leads.routed", "sales.outcomes")
ORG: dict[str, Any] = {
    "teams": [
        {
            "id": "inbound",
            "name": "Inbound",
            "manager_id": "chaos-manager",
            # Long SLAs: a reassignment here would be the SLA working, not a fault's effect.
            "sla_seconds": {"hot": 2_592_000, "warm": 2_592_000},
            "nurture_priorities": ["cold"],
        }
    ],
    "reps": [{"id": "chaos-manager", "name": "Chaos Manager", "team": "inbound", "role": "manager"}]
    + [
        {
            "id": f"chaos-rep-{n}",
            "name": f"Rep {n}",
            "team": "inbound",
            "weight": 1 + n % 3,
            "capacity": 10_000,
            "manager_id": "chaos-manager",
        }
        for n in range(6)
    ],
}


@dataclass
class Options:
    """How big a run is and which faults it injects (see ``python -m deploy.chaos --help``)."""

    leads: int
    rate: float
    faults: tuple[str, ...]
    gap: float
    drain_timeout: float
    outcome_share: int


@dataclass
class Chaos:
    """The faults, each a step that returns once the system is whole again (or was made so)."""

    fleet: Fleet
    options: Options
    injected: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    poisons: list[inject.Poison] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def step_names() -> tuple[str, ...]:
        """The faults of the full run, in order."""
        return (
            *(f"kill9-{name}" for name in SERVICES),
            "duplicates",
            "outbox-crash",
            "consumer-crash-scoring",
            "broker-restart",
            "poison",
            "rebalance",
            "postgres-restart",
            "consumer-crash-routing",
            *(f"kill9-{name}-again" for name in SERVICES),
            "duplicates-again",
        )

    def steps(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """Every fault by name, in the order the full run injects them."""
        out: dict[str, Callable[[], Awaitable[None]]] = {}
        for name in SERVICES:
            out[f"kill9-{name}"] = partial(self.kill9, name)
        out["duplicates"] = self.duplicates
        out["outbox-crash"] = partial(self.failpoint, "intake", "outbox.after_publish")
        out["consumer-crash-scoring"] = partial(self.failpoint, "scoring", "runner.after_db_commit")
        out["broker-restart"] = self.broker_restart
        out["poison"] = self.poison
        out["rebalance"] = self.rebalance
        out["postgres-restart"] = self.postgres_restart
        out["consumer-crash-routing"] = partial(self.failpoint, "routing", "runner.after_db_commit")
        for name in SERVICES:
            out[f"kill9-{name}-again"] = partial(self.kill9, name)
        out["duplicates-again"] = self.duplicates
        return out

    async def kill9(self, name: str) -> None:
        self.fleet.kill9(name)
        self.injected[f"kill -9 {name}"] += 1
        await asyncio.sleep(1.0)
        self.fleet.start(name)
        await self.fleet.wait_ready(name)

    async def failpoint(self, name: str, point: str) -> None:
        """Restart ``name`` armed at ``point``, wait for it to die there, restart it clean."""
        self.fleet.stop(name)
        self.fleet.start(name, failpoints=(point,))
        code = await self.fleet.wait_exit(name, 0, FAILPOINT_TIMEOUT)
        if code == EXIT_CODE:
            self.injected[f"crash at {point} ({name})"] += 1
        else:
            self.problems.append(f"{name} did not reach {point} (exit {code})")
            if code is None:
                self.fleet.kill9(name)
        self.fleet.start(name)
        await self.fleet.wait_ready(name)

    async def broker_restart(self) -> None:
        await asyncio.to_thread(self.fleet.restart_kafka)
        self.injected["broker restart"] += 1

    async def postgres_restart(self) -> None:
        await asyncio.to_thread(self.fleet.restart_postgres)
        self.injected["postgres restart"] += 1

    async def rebalance(self) -> None:
        """A second scoring and routing instance joins under traffic; later one is killed."""
        pair = ("scoring", "routing")
        for name in pair:
            self.fleet.start(name, 1)
        for name in pair:
            await self.fleet.wait_ready(name, 1)
        self.injected["rebalance: second instance joined"] += len(pair)
        await asyncio.sleep(max(self.options.gap, 10.0))
        for name in pair:
            self.fleet.kill9(name, 1)
        self.injected["rebalance: instance killed -9"] += len(pair)

    async def duplicates(self) -> None:
        producer = create_producer(self.fleet.bootstrap, client_id="chaos-duplicates")
        await producer.start()
        try:
            for topic in DUPLICATED_TOPICS:
                sent = await inject.duplicate(self.fleet.bootstrap, producer, topic, 24)
                self.injected[f"duplicate deliveries ({topic})"] += sent
        finally:
            await producer.stop()

    async def poison(self) -> None:
        topics = sorted({t for c in consumers() for t in c.topics})
        producer = create_producer(self.fleet.bootstrap, client_id="chaos-poison")
        await producer.start()
        try:
            sent = await inject.poison(producer, topics)
        finally:
            await producer.stop()
        self.poisons += sent
        for p in sent:
            self.injected[f"poison ({p.kind})"] += 1

    async def inject_all(self, started: float) -> None:
        steps = self.steps()
        for name in self.options.faults:
            await asyncio.sleep(self.options.gap)
            at = time.monotonic() - started
            log.warning("fault %s at %.0fs", name, at)
            try:
                await steps[name]()
            except Exception as exc:
                self.problems.append(f"{name}: {exc!r}")
                log.exception("fault %s failed", name)
            self.timeline.append(
                {
                    "fault": name,
                    "at_s": round(at, 1),
                    "took_s": round(time.monotonic() - started - at, 1),
                }
            )


def consumers() -> list[checks.Consumer]:
    """Each service's consumer group, topics and handled types, from the services' own wiring."""
    known = registry()
    out = []
    for name in SERVICES:
        app = importlib.import_module(f"services.{name}.app")
        settings = importlib.import_module(f"services.{name}.settings").Settings()
        runtime = app.create_app(settings).state.runtime
        types = frozenset(runtime.handlers)
        out.append(
            checks.Consumer(
                service=name,
                group=settings.consumer_group,
                topics=tuple(sorted({known[t].topic for t in types})),
                types=types,
            )
        )
    return out


async def run(fleet: Fleet, options: Options) -> dict[str, Any]:
    """The whole run against a started stack; returns the report."""
    started = time.monotonic()
    for name in SERVICES:
        fleet.start(name)
    for name in SERVICES:
        await fleet.wait_ready(name)
    key = fleet.api_key
    traffic = Traffic(run=uuid.uuid4().hex[:8])
    chaos = Chaos(fleet, options)
    auth = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30) as client:
        org = await client.post(f"{fleet.url('routing')}/v1/org", json=ORG, headers=auth)
        org.raise_for_status()
        keep_going = asyncio.Event()
        keep_going.set()
        stop_outcomes = asyncio.Event()
        outcomes = asyncio.create_task(
            send_outcomes(
                client,
                fleet.url("feedback"),
                key,
                fleet.dsn,
                traffic,
                share=options.outcome_share,
                stop=stop_outcomes,
            )
        )
        leads = asyncio.create_task(
            send_leads(
                client,
                fleet.url("intake"),
                key,
                traffic,
                minimum=options.leads,
                rate=options.rate,
                keep_going=keep_going,
                maximum=options.leads * 3,
            )
        )
        try:
            await chaos.inject_all(started)
            keep_going.clear()
            await leads
        except BaseException:
            # Interrupted: no request may outlive the client.
            leads.cancel()
            outcomes.cancel()
            raise
        traffic_done = time.monotonic()
        drained, state = await checks.wait_for_drain(
            fleet.bootstrap, fleet.dsn, consumers(), options.drain_timeout
        )
        stop_outcomes.set()
        await outcomes
        # Outcomes sent in the last pass must drain too before anything is counted.
        drained2, state = await checks.wait_for_drain(
            fleet.bootstrap, fleet.dsn, consumers(), options.drain_timeout
        )
    drained_at = time.monotonic()
    verdict = await checks.verify(
        bootstrap=fleet.bootstrap,
        dsn=fleet.dsn,
        traffic=traffic,
        poisons=chaos.poisons,
        consumers=consumers(),
    )
    verdict.check(
        "drained: no unsent outbox row, no lag", [] if drained and drained2 else [str(state)]
    )
    verdict.check("every fault injected", chaos.problems)
    # 503 (with Retry-After) is the documented answer during an outage; a 500 is a bug.
    verdict.check("no 500 answer", traffic.server_errors)
    verdict.check(
        "every lead accepted",
        traffic.refused + ([f"{traffic.gave_up} gave up"] if traffic.gave_up else []),
    )
    return {
        "ok": verdict.ok,
        "leads": len(traffic.accepted),
        "leads_sent": len(traffic.accepted) + len(traffic.refused) + traffic.gave_up,
        "outcomes": len(traffic.outcomes),
        "client_retries": traffic.retries,
        "idempotent_replays": traffic.replayed,
        "retried_statuses": {str(k): v for k, v in sorted(traffic.retried_statuses.items())},
        "faults_injected": sum(chaos.injected.values()),
        "faults": dict(sorted(chaos.injected.items())),
        "lost": verdict.counts.get("lost"),
        "duplicated": verdict.counts.get("duplicated"),
        "redeliveries_skipped": verdict.counts.get("redeliveries_skipped"),
        "duration_seconds": round(time.monotonic() - started, 1),
        "traffic_seconds": round(traffic_done - started, 1),
        "drain_seconds": round(drained_at - traffic_done, 1),
        "rate_target": options.rate,
        "checks": verdict.checks,
        "timeline": chaos.timeline,
    }
