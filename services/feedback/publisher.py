"""Tells marketing when a campaign's figures change: ``lead_quality.updated.v1``, debounced.

Every change marks its campaign in ``campaign_dirty`` in the change's own transaction. This
loop takes campaigns whose first unpublished change is older than the debounce delay
(``FOR UPDATE SKIP LOCKED``, so instances share the work), recomputes their all-time
figures, and stages an event in the outbox only when the figures differ from the last
ones published. It also refreshes the feedback-coverage and nudge gauges.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback import metrics, queries
from services.feedback.aggregate import GroupBy, GroupKpis
from services.feedback.models import campaign_dirty, campaign_published
from services.feedback.queries import LeadFilter
from services.feedback.reports import kpi_report
from services.feedback.settings import Settings
from shared.db import SessionFactory
from shared.events import LeadQualityUpdatedV1, new_event, utcnow
from shared.outbox import Outbox

log = logging.getLogger(__name__)

_BATCH = 50


def lead_quality_event(
    campaign_id: str, group: GroupKpis, currency: str, now: datetime
) -> LeadQualityUpdatedV1:
    """The event's payload from a campaign's all-time figures."""
    f = group.figures()
    return LeadQualityUpdatedV1(
        campaign_id=campaign_id,
        leads=f["leads"],
        qualified=f["qualified"],
        customers=f["customers"],
        conversion_rate_pct=f["conversion_rate_pct"],
        spend=f["spend"],
        revenue=f["revenue"],
        cost_per_qualified_lead=f["cost_per_qualified_lead"],
        cac=f["cac"],
        roi_pct=f["roi_pct"],
        computed_at=now,
        currency=currency,
        contacted=f["contacted"],
        speed_to_lead_p50_seconds=f["speed_to_lead_p50_seconds"],
        speed_to_lead_p90_seconds=f["speed_to_lead_p90_seconds"],
        sla_compliance_pct=f["sla_compliance_pct"],
        campaign_to_close_p50_seconds=f["campaign_to_close_p50_seconds"],
        feedback_coverage_pct=f["feedback_coverage_pct"],
        disqualification_reasons=f["disqualification_reasons"],
        lost_after_sla_breach=f["lost_after_sla_breach"],
        never_contacted=f["never_contacted"],
        worked_conversion_rate_pct=f["worked_conversion_rate_pct"],
    )


def fingerprint(event: LeadQualityUpdatedV1) -> str:
    """What must differ for a new event: every figure, not the time it was computed."""
    return json.dumps(event.model_dump(mode="json", exclude={"computed_at"}), sort_keys=True)


class QualityPublisher:
    """The background loop of one feedback instance."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        outbox: Outbox,
        settings: Settings,
        wake: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.settings = settings
        self.wake = wake
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Publish and refresh gauges until stopped; an error is logged and retried next round."""
        next_gauges = 0.0
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            try:
                if await self.publish_due(utcnow()):
                    self.wake()
                if loop.time() >= next_gauges:
                    await self.refresh_gauges(utcnow())
                    next_gauges = loop.time() + self.settings.gauges_refresh_seconds
            except Exception:
                log.exception("lead-quality publishing failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.quality_poll_seconds)

    async def publish_due(self, now: datetime) -> int:
        """Stage events for campaigns whose debounce delay passed; returns how many."""
        due = now - timedelta(seconds=self.settings.quality_debounce_seconds)
        published = 0
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(campaign_dirty)
                    .where(campaign_dirty.c.dirty_since <= due)
                    .order_by(campaign_dirty.c.dirty_since)
                    .limit(_BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                published += await self._publish_one(session, row.campaign_id, now)
                metrics.KPI_REFRESH_SECONDS.observe((now - row.dirty_since).total_seconds())
            if rows:
                await session.execute(
                    delete(campaign_dirty).where(
                        campaign_dirty.c.campaign_id.in_([r.campaign_id for r in rows])
                    )
                )
        return published

    async def _publish_one(self, session: AsyncSession, campaign_id: str, now: datetime) -> int:
        report = await kpi_report(
            session,
            LeadFilter(campaign_id=campaign_id),
            by=GroupBy.CAMPAIGN,
            settings=self.settings,
            now=now,
            what="event",
        )
        event = lead_quality_event(campaign_id, report.total, report.currency, now)
        print_ = fingerprint(event)
        last = (
            await session.execute(
                select(campaign_published.c.fingerprint).where(
                    campaign_published.c.campaign_id == campaign_id
                )
            )
        ).scalar_one_or_none()
        if last == print_:
            return 0
        values = {"fingerprint": print_, "published_at": now}
        await session.execute(
            insert(campaign_published)
            .values(campaign_id=campaign_id, **values)
            .on_conflict_do_update(index_elements=["campaign_id"], set_=values)
        )
        await self.outbox.add(
            session, new_event(event, subject=campaign_id, source=self.settings.event_source)
        )
        return 1

    async def refresh_gauges(self, now: datetime) -> None:
        cutoff = now - timedelta(hours=self.settings.nudge_after_hours)
        async with self.sessions() as session:
            routed, with_outcome, waiting = await queries.coverage_figures(
                session, now - timedelta(days=30), cutoff
            )
        metrics.AWAITING_OUTCOME.set(waiting)
        metrics.FEEDBACK_COVERAGE.set(with_outcome / routed if routed else float("nan"))
