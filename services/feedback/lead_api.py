"""One lead's story as feedback saw it: its routing, SLA record and outcomes (``handoff trace``)."""

from __future__ import annotations

from fastapi import APIRouter

from services.feedback.queries import lead_history
from services.feedback.schemas import LeadOutcomesRead
from shared.auth import require
from shared.errors import NotFound
from shared.events import Scope
from shared.service import SessionDep

router = APIRouter(
    prefix="/v1", tags=["feedback"], dependencies=[require(Scope.SALES, Scope.MARKETING)]
)


@router.get(
    "/leads/{lead_id}/outcomes",
    response_model=LeadOutcomesRead,
    summary="A lead's outcomes, SLA record and latest routing",
    responses={404: {"description": "Feedback has heard nothing of this lead"}},
)
async def get_lead_outcomes(lead_id: str, session: SessionDep) -> LeadOutcomesRead:
    history = await lead_history(session, lead_id)
    if history is None:
        raise NotFound(f"feedback knows no lead {lead_id}")
    return LeadOutcomesRead.model_validate(history)
