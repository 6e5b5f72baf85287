"""Routing's HTTP API: who has a lead, and why."""

from __future__ import annotations

from fastapi import APIRouter

from services.routing import repository
from services.routing.schemas import AssignmentRead
from shared.auth import require
from shared.errors import NotFound
from shared.events import Scope
from shared.service import SessionDep

router = APIRouter(prefix="/v1", tags=["assignments"], dependencies=[require(Scope.SALES)])


@router.get(
    "/leads/{lead_id}/assignment",
    response_model=AssignmentRead,
    responses={404: {"description": "The lead has not been routed"}},
)
async def get_assignment(lead_id: str, session: SessionDep) -> AssignmentRead:
    row = await repository.get_assignment(session, lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id} has no assignment")
    return AssignmentRead.model_validate(row)
