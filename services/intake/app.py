"""Builds the intake app: its API plus the shared runtime (outbox relay, no consumer yet)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake import api, api_keys, models
from services.intake.settings import Settings
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
    )
    app = FastAPI(title="Handoff intake", version="0.1.0", lifespan=runtime.lifespan)
    install(app, runtime)
    app.include_router(api.router)
    app.include_router(api_keys.router)
    return app
