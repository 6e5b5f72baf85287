"""Reading stored leads back: by id, or every lead of one e-mail address (``handoff trace``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.intake import repository
from services.intake.fields import normalise_email
from services.intake.schemas import LeadRead, TouchRead
from shared.auth import require
from shared.errors import FieldError, InvalidInput, NotFound
from shared.events import Scope
from shared.service import SessionDep

router = APIRouter(
    prefix="/v1/leads", tags=["leads"], dependencies=[require(Scope.SALES, Scope.MARKETING)]
)


async def _read(session: Any, row: Any) -> LeadRead:
    touches = await repository.touches_of(session, row.id)
    return LeadRead(
        lead_id=row.id,
        email=row.email,
        captured_at=row.captured_at,
        last_touched_at=row.last_touched_at,
        touches=row.touches,
        campaign_id=row.campaign_id,
        form_id=row.form_id,
        lead=row.data,
        touch_history=[TouchRead(touched_at=t.touched_at, form_id=t.form_id) for t in touches],
    )


@router.get(
    "",
    response_model=list[LeadRead],
    summary="The leads of one e-mail address, newest first",
)
async def find_leads(
    session: SessionDep,
    email: Annotated[str, Query(max_length=254, description="matched after normalising")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[LeadRead]:
    """Every lead captured for the address (one per duplicate window); empty when none."""
    try:
        address = normalise_email(email)
    except ValueError as exc:
        raise InvalidInput("invalid e-mail address", [FieldError("email", str(exc))]) from exc
    rows = await repository.leads_by_email(session, address, limit=limit)
    return [await _read(session, row) for row in rows]


@router.get(
    "/{lead_id}",
    response_model=LeadRead,
    summary="One stored lead",
    responses={404: {"description": "No such lead"}},
)
async def get_lead(lead_id: uuid.UUID, session: SessionDep) -> LeadRead:
    row = await repository.get_lead(session, lead_id)
    if row is None:
        raise NotFound(f"no lead {lead_id}")
    return await _read(session, row)
