"""Feedback's write API: outcomes from sales tools, spend from marketing."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status
from pydantic import ValidationError

from services.feedback import metrics, repository
from services.feedback.recording import count_stored, field_errors, normalised, record_outcomes
from services.feedback.schemas import (
    OutcomeAccepted,
    OutcomeIn,
    OutcomesAccepted,
    SpendIn,
    SpendRead,
)
from services.feedback.settings import Settings
from shared.auth import require
from shared.errors import FieldError, InvalidInput, NotFound
from shared.events import SalesOutcomeRecordedV1, Scope, new_event, utcnow
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["feedback"])

# Event ids derive from outcome ids, so a resent outcome is the same event everywhere.
_OUTCOME_NAMESPACE = uuid.UUID("5b8f3f9e-1d0c-4c55-9a43-6f1f3d1d2a10")

_OUTCOMES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/OutcomeIn"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/OutcomeIn"}},
                    ]
                }
            }
        },
    }
}


def _parse(payload: Any, settings: Settings) -> tuple[list[SalesOutcomeRecordedV1], list[str]]:
    """One outcome or a list of them; errors name ``<index>.<field>`` in a list, all at once."""
    max_batch = settings.max_batch
    batch = isinstance(payload, list)
    raw = payload if batch else [payload]
    if batch and not 1 <= len(raw) <= max_batch:
        raise InvalidInput(
            "invalid batch", [FieldError("body", f"send 1 to {max_batch} outcomes at once")]
        )
    prefixes = [f"{i}." if batch else "" for i in range(len(raw))]
    parsed: list[SalesOutcomeRecordedV1] = []
    errors: list[FieldError] = []
    for item, prefix in zip(raw, prefixes, strict=True):
        try:
            parsed.append(_recorded(OutcomeIn.model_validate(item)))
        except ValidationError as exc:
            for err in exc.errors():
                name = ".".join(str(p) for p in err["loc"])
                errors.append(FieldError((prefix + name).rstrip(".") or "body", err["msg"]))
            continue
        errors.extend(field_errors(parsed[-1:], [prefix], settings))
    if errors:
        metrics.OUTCOMES_REJECTED.labels("api", "field").inc()
        raise InvalidInput("invalid outcome: " + ", ".join(e.field for e in errors), errors)
    return parsed, prefixes


def _recorded(body: OutcomeIn) -> SalesOutcomeRecordedV1:
    return normalised(
        SalesOutcomeRecordedV1(
            outcome_id=body.outcome_id or str(uuid.uuid4()),
            lead_id=body.lead_id,
            status=body.status,
            occurred_at=body.occurred_at or utcnow(),
            rep_id=body.rep_id,
            reason=body.reason,
            amount=body.amount,
            currency=body.currency,
            note=body.note,
            reopens=body.reopens,
        )
    )


@router.post(
    "/outcomes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=OutcomeAccepted | OutcomesAccepted,
    responses={
        200: {"description": "Every outcome_id was already recorded; nothing changed"},
        409: {"description": "An outcome cannot follow the lead's history; nothing stored"},
        422: {"description": "A field is invalid; the error names it; nothing stored"},
    },
    openapi_extra=_OUTCOMES_BODY,
    dependencies=[require(Scope.SALES)],
)
async def post_outcomes(
    payload: Annotated[Any, Body()], session: SessionDep, runtime: RuntimeDep, response: Response
) -> OutcomeAccepted | OutcomesAccepted:
    """Record one outcome or a batch, all or nothing, and publish each new one on
    ``sales.outcomes`` (scoring learns from it).

    Order is by ``occurred_at``, so late outcomes are fine; ``disqualified``, ``won`` and
    ``lost`` close a lead, and only an outcome with ``"reopens": true`` may follow them.
    """
    async with session.begin():
        return await accept_outcomes(payload, session, runtime, response)


async def accept_outcomes(
    payload: Any, session: SessionDep, runtime: RuntimeDep, response: Response
) -> OutcomeAccepted | OutcomesAccepted:
    """Validate, record and stage outcomes in the caller's transaction (REST and webhook)."""
    settings: Settings = runtime.settings
    items, prefixes = _parse(payload, settings)
    stored = await record_outcomes(session, items, settings=settings, path="api", prefixes=prefixes)
    for item, new in zip(items, stored, strict=True):
        if new:
            event_id = uuid.uuid5(_OUTCOME_NAMESPACE, item.outcome_id)
            await runtime.outbox.add(
                session,
                new_event(
                    item, subject=item.lead_id, source=settings.event_source, event_id=event_id
                ),
            )
    count_stored(items, stored, "api")
    if not any(stored):
        response.status_code = status.HTTP_200_OK
    answers = [
        OutcomeAccepted(outcome_id=i.outcome_id, status="accepted" if new else "duplicate")
        for i, new in zip(items, stored, strict=True)
    ]
    return OutcomesAccepted(outcomes=answers) if isinstance(payload, list) else answers[0]


@router.post(
    "/campaigns/{campaign_id}/spend",
    status_code=status.HTTP_201_CREATED,
    response_model=SpendRead,
    responses={
        200: {"description": "This campaign, kind and period had spend; it was replaced"},
        404: {"description": "No brief and no lead names this campaign"},
        422: {"description": "A field is invalid; the error names it; nothing stored"},
    },
    dependencies=[require(Scope.MARKETING)],
)
async def post_spend(
    campaign_id: str, body: SpendIn, session: SessionDep, runtime: RuntimeDep, response: Response
) -> SpendRead:
    """Record what a campaign cost over a period; CPQL, CAC and ROI prorate it by days."""
    settings: Settings = runtime.settings
    problems = []
    if body.period_end < body.period_start:
        problems.append(FieldError("period_end", "period_end is before period_start"))
    if (
        body.currency != settings.reporting_currency
        and body.currency not in settings.exchange_rates
    ):
        problems.append(
            FieldError(
                "currency",
                f"no exchange rate from {body.currency} to {settings.reporting_currency}",
            )
        )
    if problems:
        raise InvalidInput("invalid spend: " + ", ".join(p.field for p in problems), problems)
    async with session.begin():
        if not await repository.campaign_known(session, campaign_id):
            raise NotFound(
                f"unknown campaign {campaign_id!r}: brief it or route a lead for it first"
            )
        inserted = await repository.save_spend(
            session,
            campaign_id,
            kind=body.kind.value,
            period_start=body.period_start,
            period_end=body.period_end,
            amount=body.amount,
            currency=body.currency,
        )
        await repository.mark_dirty(session, [campaign_id])
    if not inserted:
        response.status_code = status.HTTP_200_OK
    return SpendRead(
        campaign_id=campaign_id,
        status="recorded" if inserted else "replaced",
        **body.model_dump(),
    )
