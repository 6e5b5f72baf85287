"""Builds the intake app: leads, forms, campaigns and API keys, plus the shared runtime."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake import (
    api,
    api_forms,
    api_keys,
    api_leads,
    models,
    openapi_examples,
    repository,
)
from services.intake.settings import Settings
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def load_form_secret(runtime: Runtime[Settings]) -> None:
        if settings.form_secret is not None:
            app.state.form_secret = settings.form_secret.get_secret_value()
            return
        async with runtime.sessions() as session, session.begin():
            app.state.form_secret = await repository.get_or_make_secret(session, "form_token")

    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        on_start=load_form_secret,
    )
    app = FastAPI(title="Handoff intake", version="0.1.0", lifespan=runtime.lifespan)
    install(app, runtime, request_examples=openapi_examples.REQUESTS)
    app.include_router(api.router)
    app.include_router(api_leads.router)
    app.include_router(api_forms.router)
    app.include_router(api_keys.router)
    return app
