"""Builds the scoring app: scores captured and touched leads, learns from sales outcomes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.scoring import api, handlers, model_store, models, openapi_examples
from services.scoring.config import load_rules
from services.scoring.learning import ActiveCache, background_refits
from services.scoring.settings import Settings
from shared.events import LeadCapturedV1, LeadErasedV1, LeadTouchedV1, SalesOutcomeRecordedV1
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    seed = load_rules(settings.rules_file)
    cache = ActiveCache()
    source = settings.event_source

    async def seed_rules(runtime: Runtime[Settings]) -> None:
        async with runtime.sessions() as session, session.begin():
            await model_store.seed_rules(session, seed)

    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers={
            LeadCapturedV1.event_type: partial(
                handlers.on_lead_captured, cache=cache, source=source
            ),
            LeadTouchedV1.event_type: partial(handlers.on_lead_touched, cache=cache, source=source),
            SalesOutcomeRecordedV1.event_type: handlers.on_outcome_recorded,
            LeadErasedV1.event_type: handlers.on_lead_erased,
        },
        on_start=seed_rules,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            runtime.lifespan(app),
            background_refits(
                runtime.sessions,
                every=settings.refit_seconds,
                max_examples=settings.max_training_examples,
            ),
        ):
            yield

    app = FastAPI(title="Handoff scoring", version="0.2.0", lifespan=lifespan)
    install(app, runtime, request_examples=openapi_examples.REQUESTS)
    app.include_router(api.router)
    return app
