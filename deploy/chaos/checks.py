"""The invariants a chaos run must end with, checked from each service's schema and the topics.

Nothing here trusts a service's own counters: leads are followed through the rows each
service keeps and the events on the broker, event handling through the processed-event
records against the distinct event ids on each consumed topic, dead letters through the DLQ
topics, and lag through the consumer groups' committed offsets against the end offsets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from cli.dead_letters import read_topic
from deploy.chaos.inject import POISON_HEADER, Poison
from deploy.chaos.load import Traffic
from shared.events.topics import dlq_topic

log = logging.getLogger("chaos.checks")

SCHEMAS = ("intake", "scoring", "routing", "feedback")


@dataclass(frozen=True)
class Consumer:
    """One service's consumer group: the topics it reads and the event types it handles."""

    service: str
    group: str
    topics: tuple[str, ...]
    types: frozenset[str]


@dataclass
class Verdict:
    """Each invariant with its result, and the counts the run prints."""

    checks: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    def check(self, name: str, failures: Iterable[str], **figures: Any) -> None:
        listed = sorted(failures)
        self.checks.append(
            {"name": name, "ok": not listed, "failures": listed[:20], "failed": len(listed)}
            | figures
        )

    @property
    def ok(self) -> bool:
        return all(c["ok"] for c in self.checks)


Record = tuple[int, int, int, bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]


def _event(value: bytes | None) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value or b"")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and "id" in parsed and "type" in parsed else None


def _headers(record: Record) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in record[5]}


async def lag(bootstrap: str, consumers: list[Consumer]) -> dict[str, int]:
    """Messages not yet committed by each group, over every partition of its topics."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="chaos-checks")
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await reader.start()
    try:
        out: dict[str, int] = {}
        topics = sorted({t for c in consumers for t in c.topics})
        described = await admin.describe_topics(topics)
        partitions = {
            t["topic"]: [int(p["partition"]) for p in t.get("partitions") or []] for t in described
        }
        for consumer in consumers:
            tps = [TopicPartition(t, p) for t in consumer.topics for p in partitions.get(t, [])]
            ends = await reader.end_offsets(tps)
            committed = await admin.list_consumer_group_offsets(consumer.group)
            out[consumer.group] = sum(
                max(ends[tp] - (committed[tp].offset if tp in committed else 0), 0) for tp in tps
            )
        return out
    finally:
        await reader.stop()
        await admin.close()


async def unsent_outbox(dsn: str) -> int:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        total = 0
        for schema in SCHEMAS:
            total += await conn.fetchval(
                f"SELECT count(*) FROM {schema}.outbox_message WHERE sent_at IS NULL"
            )
        return int(total)
    finally:
        await conn.close()


async def wait_for_drain(
    bootstrap: str, dsn: str, consumers: list[Consumer], timeout: float
) -> tuple[bool, dict[str, Any]]:
    """Until no outbox row is unsent and no group lags, twice in a row; bounded."""
    deadline = time.monotonic() + timeout
    calm = 0
    last_said = time.monotonic()
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            state = {"unsent": await unsent_outbox(dsn), "lag": await lag(bootstrap, consumers)}
        except Exception as exc:
            state = {"error": repr(exc)}
            calm = 0
        else:
            calm = calm + 1 if state["unsent"] == 0 and not any(state["lag"].values()) else 0
            if calm >= 3:
                return True, state
        if not calm and time.monotonic() - last_said > 10:
            last_said = time.monotonic()
            log.warning("draining: %s", state)
        await asyncio.sleep(2.0)
    return False, state


async def verify(
    *,
    bootstrap: str,
    dsn: str,
    traffic: Traffic,
    poisons: list[Poison],
    consumers: list[Consumer],
) -> Verdict:
    """Every invariant of the run; each failure names the lead, event or message."""
    verdict = Verdict()
    ours = set(traffic.accepted.values())
    topics = sorted({t for c in consumers for t in c.topics})
    records = {t: await read_topic(bootstrap, t, timeout=300) for t in topics}
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await _lead_journey(verdict, conn, records, traffic, ours)
        await _handled_once(verdict, conn, records, consumers)
        await _outcomes(verdict, conn, traffic)
    finally:
        await conn.close()
    await _dead_letters(verdict, bootstrap, poisons, consumers)
    lags = await lag(bootstrap, consumers)
    verdict.check(
        "consumer lag back to zero", [f"{g}: {n}" for g, n in lags.items() if n], lag=lags
    )
    return verdict


def _per_lead(records: list[Record], event_type: str, *, first_only: bool = False) -> Counter[str]:
    """Distinct event ids of one type per lead (``first_only``: routings with attempt 1)."""
    seen: dict[str, str] = {}
    for record in records:
        event = _event(record[4])
        if event is None or event["type"] != event_type or POISON_HEADER in _headers(record):
            continue
        if first_only and event["data"].get("attempt", 1) != 1:
            continue
        seen[event["id"]] = event["data"]["lead_id"]
    return Counter(seen.values())


async def _lead_journey(
    verdict: Verdict,
    conn: asyncpg.Connection,
    records: dict[str, list[Record]],
    traffic: Traffic,
    ours: set[str],
) -> None:
    stored = {
        str(r["id"]): r["email"]
        for r in await conn.fetch(
            "SELECT id, email FROM intake.lead WHERE email LIKE $1", f"chaos-{traffic.run}-%"
        )
    }
    by_email = Counter(stored.values())
    captured = _per_lead(records["leads.captured"], "lead.captured.v1")
    touched = _per_lead(records["leads.captured"], "lead.touched.v1")
    scored = _per_lead(records["leads.scored"], "lead.scored.v1")
    routed = _per_lead(records["leads.routed"], "lead.routed.v1", first_only=True)
    score_rows = {r[0] for r in await conn.fetch("SELECT lead_id FROM scoring.lead_score")}
    assignments = {
        r["lead_id"]: r
        for r in await conn.fetch("SELECT lead_id, rep_id, queue, reason FROM routing.assignment")
    }
    feedback_rows = {r[0] for r in await conn.fetch("SELECT lead_id FROM feedback.routed_lead")}
    twice = await conn.fetch(
        "SELECT a.lead_id, t.rep_id, count(*) AS n FROM routing.assignment_attempt t "
        "JOIN routing.assignment a ON a.id = t.assignment_id WHERE t.rep_id IS NOT NULL "
        "GROUP BY a.lead_id, t.rep_id HAVING count(*) > 1"
    )

    verdict.check(
        "every accepted lead captured once",
        [f"{lead}: not stored" for lead in ours - stored.keys()]
        + [f"{email}: {n} leads" for email, n in by_email.items() if n > 1]
        + [f"{lead}: {captured[lead]} lead.captured.v1" for lead in ours if captured[lead] != 1]
        + [f"{lead}: touched {n}x" for lead, n in touched.items() if lead in ours],
        leads=len(ours),
    )
    verdict.check(
        "every accepted lead scored once",
        [f"{lead}: no score row" for lead in ours - score_rows]
        + [f"{lead}: {scored[lead]} lead.scored.v1" for lead in ours if scored[lead] != 1],
    )
    unplaced = [
        f"{lead}: neither rep nor queue with a reason"
        for lead, row in assignments.items()
        if lead in ours and not ((row["rep_id"] or row["queue"]) and row["reason"])
    ]
    verdict.check(
        "every accepted lead routed once (rep, or a queue with its reason)",
        [f"{lead}: not routed" for lead in ours - assignments.keys()]
        + unplaced
        + [f"{lead}: {routed[lead]} first routings" for lead in ours if routed[lead] != 1]
        + [f"{lead}: not known to feedback" for lead in ours - feedback_rows],
        to_rep=sum(1 for lead in ours if lead in assignments and assignments[lead]["rep_id"]),
        to_queue=sum(1 for lead in ours if lead in assignments and assignments[lead]["queue"]),
    )
    verdict.check(
        "no rep assigned the same lead twice",
        [f"{r['lead_id']}: {r['rep_id']} {r['n']} times" for r in twice],
    )
    lost = {
        lead
        for lead in ours
        if lead not in stored or not captured[lead] or not scored[lead] or not routed[lead]
    }
    duplicated = {
        lead for lead in ours if captured[lead] > 1 or scored[lead] > 1 or routed[lead] > 1
    } | {r["lead_id"] for r in twice}
    verdict.counts |= {"lost": len(lost), "duplicated": len(duplicated)}


async def _handled_once(
    verdict: Verdict,
    conn: asyncpg.Connection,
    records: dict[str, list[Record]],
    consumers: list[Consumer],
) -> None:
    """Each consumed event id recorded once by each group; duplicates on the topic skipped."""
    failures: list[str] = []
    deliveries = 0
    distinct = 0
    for consumer in consumers:
        rows = await conn.fetch(
            f"SELECT event_id::text, topic FROM {consumer.service}.processed_event"
        )
        processed: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            processed[row["topic"]].add(row["event_id"])
        for topic in consumer.topics:
            ids = Counter(
                event["id"]
                for record in records[topic]
                if (event := _event(record[4])) is not None
                and event["type"] in consumer.types
                and POISON_HEADER not in _headers(record)
            )
            deliveries += sum(ids.values())
            distinct += len(ids)
            failures += [
                f"{consumer.service}: {e} on {topic} never handled"
                for e in ids.keys() - processed[topic]
            ]
            failures += [
                f"{consumer.service}: {e} handled but not on {topic}"
                for e in processed[topic] - ids.keys()
            ]
    verdict.check(
        "no event handled twice or skipped",
        failures,
        deliveries=deliveries,
        distinct_events=distinct,
        redeliveries_skipped=deliveries - distinct,
    )
    verdict.counts["redeliveries_skipped"] = deliveries - distinct


async def _outcomes(verdict: Verdict, conn: asyncpg.Connection, traffic: Traffic) -> None:
    stored = {r[0] for r in await conn.fetch("SELECT outcome_id FROM feedback.outcome")}
    learned = {r[0] for r in await conn.fetch("SELECT lead_id FROM scoring.lead_outcome")}
    verdict.check(
        "every accepted outcome recorded by feedback and learned by scoring",
        [f"{o}: not in feedback" for o in traffic.outcomes.keys() - stored]
        + [f"{lead}: scoring has no outcome" for lead in traffic.outcome_leads - learned]
        + traffic.outcome_refused,
        outcomes=len(traffic.outcomes),
    )


async def _dead_letters(
    verdict: Verdict, bootstrap: str, poisons: list[Poison], consumers: list[Consumer]
) -> None:
    """Each poison message dead-lettered by every group that reads its topic, with its error."""
    found: dict[tuple[str, str], str] = {}
    stray: list[str] = []
    for topic in sorted({dlq_topic(t) for c in consumers for t in c.topics}):
        for record in await read_topic(bootstrap, topic):
            headers = _headers(record)
            marker = headers.get(POISON_HEADER)
            if marker is None:
                stray.append(f"{topic}@{record[1]}: {headers.get('dlq.error', '?')[:200]}")
                continue
            found[(marker, headers.get("dlq.consumer.group", "?"))] = headers.get("dlq.error", "")
    missing: list[str] = []
    for p in poisons:
        for c in consumers:
            if p.topic in c.topics:
                error = found.get((p.id, c.group))
                if not error:
                    missing.append(
                        f"{p.kind} on {p.topic}: no dead letter (with error) from {c.group}"
                    )
    verdict.check(
        "every poison message on its DLQ with its error, and nothing else there",
        missing + [f"unexpected dead letter {s}" for s in stray],
        poison_sent=len(poisons),
        dead_letters=len(found),
    )
