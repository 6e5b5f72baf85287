"""Intake's HTTP API: the public edge where leads enter Handoff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.intake import repository
from services.intake.normalise import normalise
from services.intake.schemas import LeadAccepted, LeadIn
from shared.auth import require
from shared.events import LeadCapturedV1, Scope, new_event, utcnow
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["leads"])


@router.post(
    "/leads",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=LeadAccepted,
    summary="Submit a lead from a server",
    responses={422: {"description": "A field is invalid; the error names it"}},
    dependencies=[require(Scope.INGEST)],
)
async def submit_lead(body: LeadIn, session: SessionDep, runtime: RuntimeDep) -> LeadAccepted:
    """Store the lead and stage ``lead.captured.v1`` in the same transaction."""
    lead = normalise(body)
    lead_id = uuid.uuid4()
    captured_at = utcnow()
    event = new_event(
        LeadCapturedV1(lead_id=str(lead_id), captured_at=captured_at, lead=lead),
        subject=str(lead_id),
        source=runtime.settings.event_source,
    )
    async with session.begin():
        await repository.add_lead(session, lead_id=lead_id, data=lead, captured_at=captured_at)
        await runtime.outbox.add(session, event)
    return LeadAccepted(lead_id=lead_id, captured_at=captured_at)
