"""Intake's server-facing API: leads from servers (JSON, API key) and campaign briefs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from services.intake import erasure, repository
from services.intake.capture import Captured, Retry, capture_once, request_hash
from services.intake.normalise import normalise
from services.intake.schemas import CampaignIn, CampaignRead, LeadAccepted, LeadErased, LeadIn
from services.intake.settings import Settings
from shared.auth import Principal, require
from shared.errors import Conflict, NotFound
from shared.events import CampaignBriefedV1, Scope, new_event
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retry with the same key and body to get the first answer back",
    ),
]
JSON = "application/json"


@router.post(
    "/leads",
    tags=["leads"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=LeadAccepted,
    summary="Submit a lead from a server",
    responses={
        200: {"description": "A known lead submitted again within the window: a new touch"},
        401: {"description": "No or unknown API key"},
        403: {"description": "The key lacks the ingest scope"},
        413: {"description": "Body over the size limit"},
        422: {"description": "Invalid field(s), each named; or an Idempotency-Key reused"},
        503: {"description": "Database unavailable; nothing stored, retry"},
    },
)
async def submit_lead(
    body: LeadIn,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Annotated[Principal, require(Scope.INGEST)],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Store the lead and stage ``lead.captured.v1`` (or ``lead.touched.v1``) atomically."""
    settings: Settings = runtime.settings
    lead = normalise(body)
    raw = await request.body()
    retry = (
        Retry(f"key:{principal.key_id}", idempotency_key, request_hash(raw))
        if idempotency_key is not None
        else None
    )
    async with session.begin():
        answer = await capture_once(
            session,
            runtime.outbox,
            lead=lead,
            settings=settings,
            retry=retry,
            render=_accepted,
            source_key_id=principal.key_id,
        )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(answer.body, status_code=answer.status, media_type=JSON, headers=headers)


@router.delete(
    "/leads/{lead_id}",
    tags=["leads"],
    response_model=LeadErased,
    summary="Erase a lead's personal data everywhere (right to erasure)",
    responses={404: {"description": "No such lead"}},
)
async def erase_lead(
    lead_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Annotated[Principal, require(Scope.ADMIN)],
) -> LeadErased:
    """Anonymise the lead here and publish ``lead.erased.v1`` so every service does the same.

    Erasing an erased lead answers the same and publishes nothing.
    """
    async with session.begin():
        erased_at = await erasure.erase(
            session,
            runtime.outbox,
            lead_id,
            requested_by=principal.name,
            source=runtime.settings.event_source,
        )
    return LeadErased(lead_id=lead_id, erased_at=erased_at)


def _accepted(captured: Captured) -> bytes:
    return (
        LeadAccepted(
            lead_id=captured.lead_id,
            captured_at=captured.captured_at,
            status=captured.status,
            touches=captured.touches,
        )
        .model_dump_json()
        .encode()
    )


@router.post(
    "/campaigns",
    tags=["campaigns"],
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignRead,
    dependencies=[require(Scope.MARKETING)],
    responses={
        200: {"description": "The same brief again: nothing changed"},
        409: {"description": "A different brief already has this id"},
    },
)
async def register_campaign(
    body: CampaignIn, session: SessionDep, runtime: RuntimeDep, response: Response
) -> CampaignRead:
    """Register a campaign before launch; routing and sales tools hear of it on Kafka."""
    brief = body.model_dump(mode="json")
    async with session.begin():
        if not await repository.add_campaign(session, body.id, brief):
            existing = await repository.get_campaign(session, body.id)
            if existing.brief != brief:
                raise Conflict(f"campaign {body.id} exists with a different brief")
            response.status_code = status.HTTP_200_OK
            return CampaignRead(**existing.brief, created_at=existing.created_at)
        briefed = CampaignBriefedV1(
            campaign_id=body.id,
            name=body.name,
            offer=body.offer,
            channel=body.channel,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            expected_leads=body.expected_leads,
            budget=body.cost,
            currency=body.currency,
        )
        source = runtime.settings.event_source
        await runtime.outbox.add(session, new_event(briefed, subject=body.id, source=source))
        created = await repository.get_campaign(session, body.id)
    return CampaignRead(**brief, created_at=created.created_at)


@router.get(
    "/campaigns",
    tags=["campaigns"],
    response_model=list[CampaignRead],
    dependencies=[require(Scope.MARKETING)],
)
async def list_campaigns(session: SessionDep) -> list[CampaignRead]:
    rows = await repository.list_campaigns(session)
    return [CampaignRead(**r.brief, created_at=r.created_at) for r in rows]


@router.get(
    "/campaigns/{campaign_id}",
    tags=["campaigns"],
    response_model=CampaignRead,
    dependencies=[require(Scope.MARKETING)],
    responses={404: {"description": "No such campaign"}},
)
async def get_campaign(campaign_id: str, session: SessionDep) -> CampaignRead:
    row = await repository.get_campaign(session, campaign_id)
    if row is None:
        raise NotFound(f"no campaign {campaign_id}")
    return CampaignRead(**row.brief, created_at=row.created_at)
