"""Feedback's HTTP API: outcomes in, lead-quality KPIs out."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.feedback import repository
from services.feedback.schemas import CampaignKpisRead, KpisRead, OutcomeAccepted, OutcomeIn
from shared.auth import require
from shared.events import SalesOutcomeRecordedV1, Scope, new_event, utcnow
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["feedback"])

# Event ids derive from outcome ids, so a resent outcome is the same event everywhere.
_OUTCOME_NAMESPACE = uuid.UUID("5b8f3f9e-1d0c-4c55-9a43-6f1f3d1d2a10")


@router.post(
    "/outcomes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OutcomeAccepted,
    responses={
        200: {"description": "This outcome_id was already recorded; nothing changed"},
        422: {"description": "A field is invalid; the error names it"},
    },
    dependencies=[require(Scope.SALES)],
)
async def post_outcome(
    body: OutcomeIn, session: SessionDep, runtime: RuntimeDep, response: Response
) -> OutcomeAccepted:
    """Record an outcome and publish ``sales.outcome_recorded.v1`` (to scoring, among others)."""
    outcome_id = body.outcome_id or str(uuid.uuid4())
    recorded = SalesOutcomeRecordedV1(
        outcome_id=outcome_id,
        lead_id=body.lead_id,
        status=body.status,
        occurred_at=body.occurred_at or utcnow(),
        rep_id=body.rep_id,
        reason=body.reason,
        amount=body.amount,
        currency=body.currency,
        note=body.note,
    )
    async with session.begin():
        if not await repository.add_outcome(session, recorded):
            response.status_code = status.HTTP_200_OK
            return OutcomeAccepted(outcome_id=outcome_id, status="duplicate")
        event = new_event(
            recorded,
            subject=body.lead_id,
            source=runtime.settings.event_source,
            event_id=uuid.uuid5(_OUTCOME_NAMESPACE, outcome_id),
        )
        await runtime.outbox.add(session, event)
    return OutcomeAccepted(outcome_id=outcome_id, status="accepted")


@router.get(
    "/kpis",
    response_model=KpisRead,
    summary="Lead-quality KPIs per campaign",
    dependencies=[require(Scope.MARKETING)],
)
async def get_kpis(session: SessionDep, campaign_id: str | None = None) -> KpisRead:
    rows = await repository.campaign_kpis(session, campaign_id)
    return KpisRead(
        campaigns=[
            CampaignKpisRead(
                campaign_id=r.campaign_id,
                leads=r.leads,
                qualified=r.qualified,
                customers=r.customers,
                conversion_rate_pct=r.conversion_rate_pct,
            )
            for r in rows
        ]
    )
