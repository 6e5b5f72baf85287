"""Builds the feedback app: outcomes in (REST and Kafka), KPIs out (API, CSV, events, dashboard)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.feedback import (
    api,
    dashboard,
    handlers,
    kpi_api,
    lead_api,
    models,
    openapi_examples,
    webhooks,
)
from services.feedback.publisher import QualityPublisher
from services.feedback.settings import Settings
from shared.events import (
    CampaignBriefedV1,
    LeadErasedV1,
    LeadEscalatedV1,
    LeadReassignedV1,
    LeadRoutedV1,
    LeadSlaBreachedV1,
    SalesOutcomeRecordedV1,
)
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers={
            LeadRoutedV1.event_type: handlers.on_lead_routed,
            SalesOutcomeRecordedV1.event_type: partial(
                handlers.on_outcome_recorded, settings=settings
            ),
            LeadSlaBreachedV1.event_type: handlers.on_sla_breached,
            LeadReassignedV1.event_type: handlers.on_reassigned,
            LeadEscalatedV1.event_type: handlers.on_escalated,
            CampaignBriefedV1.event_type: handlers.on_campaign_briefed,
            LeadErasedV1.event_type: handlers.on_lead_erased,
        },
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.lifespan(app):
            relay = runtime.relay
            publisher = QualityPublisher(
                sessions=runtime.sessions,
                outbox=runtime.outbox,
                settings=settings,
                wake=relay.wake if relay is not None else lambda: None,
            )
            task = asyncio.create_task(publisher.run(), name="lead-quality-publisher")
            try:
                yield
            finally:
                publisher.stop()
                await asyncio.wait_for(task, 30)

    app = FastAPI(title="Handoff feedback", version="0.2.0", lifespan=lifespan)
    install(
        app,
        runtime,
        request_examples=openapi_examples.REQUESTS,
        openapi_models=openapi_examples.MODELS,
    )
    app.include_router(api.router)
    app.include_router(kpi_api.router)
    app.include_router(lead_api.router)
    app.include_router(dashboard.router)
    app.include_router(webhooks.router)
    app.include_router(webhooks.admin)
    app.mount("/dashboard/assets", dashboard.assets, name="dashboard-assets")
    return app
