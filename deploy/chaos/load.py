"""The traffic of a chaos run: a steady stream of leads into intake and outcomes into feedback.

Every request is retried with the same ``Idempotency-Key`` (leads) or ``outcome_id``
(outcomes) until it is accepted or its attempts run out, exactly as a careful client would
through a crash, so "accepted" means the service answered 2xx at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

log = logging.getLogger("chaos.load")

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
MAX_ATTEMPTS = 400
BACKOFF_MAX = 2.0

FORMS = ("demo_request", "contact_sales", "pricing", "webinar", "newsletter", "ebook")
TITLES = ("CTO", "VP Engineering", "Head of Sales", "Developer", "Student", "Marketing Manager")
COUNTRIES = ("US", "GB", "DE", "FR", "IN", "BR")
CHANNELS = ("paid_search", "organic", "email", "social", "events")


def lead_body(run: str, i: int) -> dict[str, Any]:
    """The i-th lead of a run: a unique address, and fields varied enough to spread scores."""
    return {
        "contact": {
            "email": f"chaos-{run}-{i}@co{i % 997}.example.com",
            "job_title": TITLES[i % 6],
        },
        "company": {"size": 5 + (i * 37) % 5000, "country": COUNTRIES[i % 6]},
        "interest": {"form_type": FORMS[(i // 7) % 6], "product": "GTX Pro"},
        "attribution": {"channel": CHANNELS[i % 5], "campaign_id": f"chaos-{i % 4}"},
        "behaviour": {
            "visits": i % 12,
            "pages_viewed": i % 30,
            "time_on_site_seconds": (i * 13) % 900,
        },
    }


@dataclass
class Traffic:
    """What the clients saw: accepted leads and outcomes, refusals and retries."""

    run: str
    accepted: dict[int, str] = field(default_factory=dict)
    replayed: int = 0
    refused: list[str] = field(default_factory=list)
    gave_up: int = 0
    retries: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)
    outcome_leads: set[str] = field(default_factory=set)
    outcome_refused: list[str] = field(default_factory=list)
    retried_statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)


async def _post(
    client: httpx.AsyncClient, url: str, body: Any, headers: dict[str, str], traffic: Traffic
) -> httpx.Response | None:
    """POST until a non-retryable answer; None when every attempt failed."""
    delay = 0.1
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            traffic.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError:
            continue
        if response.status_code not in RETRYABLE:
            return response
        traffic.retried_statuses[response.status_code] += 1
        if response.status_code == 500:
            traffic.server_errors.append(f"{url}: {response.text[:200]}")
    return None


async def send_leads(
    client: httpx.AsyncClient,
    intake_url: str,
    key: str,
    traffic: Traffic,
    *,
    minimum: int,
    rate: float,
    keep_going: asyncio.Event,
    maximum: int,
    workers: int = 8,
) -> None:
    """Send at least ``minimum`` leads at ``rate`` per second, and go on while ``keep_going``
    is set (faults still running), up to ``maximum``."""
    next_index = 0
    started = time.monotonic()

    def take() -> int | None:
        nonlocal next_index
        if next_index >= maximum or (next_index >= minimum and not keep_going.is_set()):
            return None
        next_index += 1
        return next_index - 1

    async def worker() -> None:
        while (i := take()) is not None:
            due = started + i / rate
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": f"{traffic.run}-{i}"}
            response = await _post(
                client, f"{intake_url}/v1/leads", lead_body(traffic.run, i), headers, traffic
            )
            if response is None:
                traffic.gave_up += 1
            elif response.status_code == 202:
                traffic.accepted[i] = response.json()["lead_id"]
                if response.headers.get("Idempotent-Replayed") == "true":
                    traffic.replayed += 1
            else:
                traffic.refused.append(f"lead {i}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(workers)))


def _outcomes_for(lead_id: str, rep_id: str | None, n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    first = {
        "outcome_id": f"{lead_id}-contacted",
        "lead_id": lead_id,
        "status": "contacted",
        "rep_id": rep_id,
        "occurred_at": (now - timedelta(seconds=1)).isoformat(),
    }
    final: dict[str, Any] = {"outcome_id": f"{lead_id}-final", "lead_id": lead_id}
    if n % 2:
        final |= {"status": "won", "amount": "1200.00", "currency": "USD"}
    else:
        final |= {"status": "disqualified", "reason": "bad_fit"}
    return [first, final | {"rep_id": rep_id, "occurred_at": now.isoformat()}]


async def send_outcomes(
    client: httpx.AsyncClient,
    feedback_url: str,
    key: str,
    dsn: str,
    traffic: Traffic,
    *,
    share: int,
    stop: asyncio.Event,
) -> None:
    """Every few seconds, report outcomes for one in ``share`` routed leads, in batches."""
    headers = {"Authorization": f"Bearer {key}"}
    done: set[str] = set()
    # One pass every few seconds; a day of passes is far beyond any run.
    for _ in range(30_000):
        stopping = stop.is_set()
        ours = set(traffic.accepted.values())
        rows: list[Any] = []
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                rows = await conn.fetch(
                    "SELECT lead_id, rep_id FROM routing.assignment WHERE rep_id IS NOT NULL"
                )
            finally:
                await conn.close()
        todo = [
            (r["lead_id"], r["rep_id"])
            for r in rows
            if r["lead_id"] in ours
            and r["lead_id"] not in done
            and zlib.crc32(r["lead_id"].encode()) % share == 0
        ]
        for start in range(0, len(todo), 100):
            batch = todo[start : start + 100]
            body = [o for n, (lead, rep) in enumerate(batch) for o in _outcomes_for(lead, rep, n)]
            response = await _post(client, f"{feedback_url}/v1/outcomes", body, headers, traffic)
            done.update(lead for lead, _ in batch)
            if response is not None and response.status_code in (200, 202):
                for outcome in body:
                    traffic.outcomes[outcome["outcome_id"]] = outcome["status"]
                traffic.outcome_leads.update(lead for lead, _ in batch)
            else:
                code = response.status_code if response is not None else "no answer"
                text = response.text[:200] if response is not None else ""
                traffic.outcome_refused.append(f"{len(batch)} leads: {code} {text}")
        if stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 3.0)
