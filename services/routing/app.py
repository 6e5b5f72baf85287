"""Builds the routing app: consumes scored leads, assigns reps, watches SLAs, serves the org API."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.routing import (
    api,
    handlers,
    models,
    openapi_examples,
    org_api,
    org_repository,
    webhook_api,
)
from services.routing.org import load_org
from services.routing.rules import parse_rule_set
from services.routing.settings import Settings
from services.routing.sla import SlaWatcher
from services.routing.webhooks import WebhookOutbox, WebhookSender
from shared.events import (
    CampaignBriefedV1,
    LeadErasedV1,
    LeadScoredV1,
    SalesOutcomeRecordedV1,
)
from shared.service import Runtime, install


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    org, rules_body = load_org(settings.org_file)
    default_rules = parse_rule_set(rules_body)
    default_rules.check(teams=[t.id for t in org.teams], reps=[r.id for r in org.reps])

    async def seed(runtime: Runtime[Settings]) -> None:
        async with runtime.sessions() as session, session.begin():
            await org_repository.seed(session, org, default_rules)

    async def watch_slas(runtime: Runtime[Settings]) -> None:
        watcher = SlaWatcher(
            sessions=runtime.sessions,
            outbox=runtime.outbox,
            source=settings.event_source,
            poll_seconds=settings.sla_poll_seconds,
            workers=settings.sla_workers,
        )
        await watcher.run()

    async def send_webhooks(runtime: Runtime[Settings]) -> None:
        async with httpx.AsyncClient(follow_redirects=False) as client:
            sender = WebhookSender(
                sessions=runtime.sessions,
                client=client,
                max_attempts=settings.webhook_max_attempts,
                backoff_seconds=settings.webhook_backoff_seconds,
                backoff_max_seconds=settings.webhook_backoff_max_seconds,
                timeout_seconds=settings.webhook_timeout_seconds,
                poll_seconds=settings.webhook_poll_seconds,
            )
            await sender.run()

    background = {}
    if settings.sla_enabled:
        background["sla-watcher"] = watch_slas
    if settings.webhooks_enabled:
        background["webhook-sender"] = send_webhooks
    runtime = Runtime(
        settings,
        tables=models.tables,
        migrations_dir=Path(__file__).parent / "migrations",
        handlers={
            LeadScoredV1.event_type: partial(handlers.on_lead_scored, source=settings.event_source),
            SalesOutcomeRecordedV1.event_type: handlers.on_sales_outcome,
            LeadErasedV1.event_type: handlers.on_lead_erased,
            CampaignBriefedV1.event_type: partial(
                handlers.on_campaign_briefed,
                source=settings.event_source,
                default_hot_share=settings.default_hot_share,
            ),
        },
        on_start=seed,
        background=background,
        outbox=WebhookOutbox(models.tables.outbox),
    )
    app = FastAPI(title="Handoff routing", version="0.2.0", lifespan=runtime.lifespan)
    install(app, runtime, request_examples=openapi_examples.REQUESTS)
    app.include_router(api.router)
    app.include_router(org_api.router)
    app.include_router(webhook_api.router)
    return app
