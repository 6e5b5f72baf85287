"""Builds the feedback app: outcomes in (REST and Kafka), KPIs out."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.feedback import api, handlers, models
from services.feedback.settings import Settings
from shared.events import LeadRoutedV1, SalesOutcomeRecordedV1
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers={
            LeadRoutedV1.event_type: handlers.on_lead_routed,
            SalesOutcomeRecordedV1.event_type: handlers.on_outcome_recorded,
        },
    )
    app = FastAPI(title="Handoff feedback", version="0.1.0", lifespan=runtime.lifespan)
    install(app, runtime)
    app.include_router(api.router)
    return app
