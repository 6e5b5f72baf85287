"""The SLA watcher: fires durable timers from PostgreSQL within a fraction of a second.

Each routing instance runs one watcher. A timer is claimed with ``FOR UPDATE SKIP LOCKED``
and handled in the same transaction as the breach, reassignment and their outbox events, so
with several instances every timer fires once, and a crash mid-way leaves it due for the
next round. Between rounds the watcher sleeps until the earliest deadline, at most
``poll_seconds`` (a timer another instance just created may be due sooner).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import select

from services.routing import lifecycle, metrics, org_repository, repository
from services.routing.models import rep
from shared.db import SessionFactory
from shared.events import utcnow
from shared.outbox import Outbox

log = logging.getLogger(__name__)


class SlaWatcher:
    """Acts on missed acceptance deadlines until cancelled."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        outbox: Outbox,
        source: str,
        poll_seconds: float = 0.2,
        batch_size: int = 50,
        workers: int = 4,
        gauge_every_seconds: float = 15.0,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.source = source
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.workers = max(1, min(workers, batch_size))
        self.gauge_every_seconds = gauge_every_seconds
        self._gauges_at = 0.0

    async def fire_due(self) -> int:
        """Handle up to ``batch_size`` due timers, one transaction each, with ``workers``
        transactions at a time (SKIP LOCKED gives each its own timer); how many were handled."""
        share, extra = divmod(self.batch_size, self.workers)
        counts = await asyncio.gather(
            *(self._work(share + (1 if i < extra else 0)) for i in range(self.workers))
        )
        return sum(counts)

    async def _work(self, limit: int) -> int:
        handled = 0
        for _ in range(limit):
            async with self.sessions() as session, session.begin():
                claimed = await repository.claim_due_timers(session, limit=1)
                if not claimed:
                    break
                timer = claimed[0]
                await lifecycle.breach(
                    session,
                    self.outbox,
                    timer["assignment_id"],
                    attempt=timer["attempt"],
                    now=utcnow(),
                    source=self.source,
                )
                handled += 1
        return handled

    async def seconds_to_next(self) -> float:
        async with self.sessions() as session:
            due: datetime | None = await repository.next_due(session)
        if due is None:
            return self.poll_seconds
        return min(max((due - utcnow()).total_seconds(), 0.0), self.poll_seconds)

    async def refresh_gauges(self) -> None:
        """Open leads per rep, for operators watching load."""
        async with self.sessions() as session:
            counts = await org_repository.open_leads(session)
            teams = dict((await session.execute(select(rep.c.id, rep.c.team))).all())
        for rep_id, team in teams.items():
            metrics.OPEN_LEADS.labels(team, rep_id).set(counts.get(rep_id, 0))

    async def run(self) -> None:
        """Loop until cancelled; a database outage only delays timers, it never loses them."""
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            try:
                if loop.time() - self._gauges_at >= self.gauge_every_seconds:
                    self._gauges_at = loop.time()
                    await self.refresh_gauges()
                fired = await self.fire_due()
                failures = 0
                if fired < self.batch_size:
                    await asyncio.sleep(await self.seconds_to_next())
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                delay = min(0.2 * 2**failures, 5.0)
                log.warning("SLA watcher failed; retrying in %.1fs", delay, exc_info=True)
                await asyncio.sleep(delay)


__all__ = ["SlaWatcher"]
