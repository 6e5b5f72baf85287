"""Builds the scoring app: consumes captured leads, publishes scored ones."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.scoring import api, handlers, models
from services.scoring.scorer import load_rules
from services.scoring.settings import Settings
from shared.events import LeadCapturedV1
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    rules = load_rules(settings.rules_file)
    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers={
            LeadCapturedV1.event_type: partial(
                handlers.on_lead_captured, rules=rules, source=settings.event_source
            ),
        },
    )
    app = FastAPI(title="Handoff scoring", version="0.1.0", lifespan=runtime.lifespan)
    app.state.rules = rules
    install(app, runtime)
    app.include_router(api.router)
    return app
