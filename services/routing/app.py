"""Builds the routing app: consumes scored leads, assigns reps, publishes routed leads."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.routing import api, handlers, models, repository
from services.routing.assigner import load_team
from services.routing.settings import Settings
from shared.events import LeadScoredV1
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    team = load_team(settings.team_file)

    async def sync_team(runtime: Runtime) -> None:
        async with runtime.sessions() as session, session.begin():
            await repository.sync_team(session, team)

    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers={
            LeadScoredV1.event_type: partial(
                handlers.on_lead_scored, team=team, source=settings.event_source
            ),
        },
        on_start=sync_team,
    )
    app = FastAPI(title="Handoff routing", version="0.1.0", lifespan=runtime.lifespan)
    install(app, runtime)
    app.include_router(api.router)
    return app
