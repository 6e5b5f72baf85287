"""Scoring's HTTP API: read a lead's score and the rules in force."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.scoring import repository
from services.scoring.schemas import RulesRead, ScoreRead
from services.scoring.scorer import RuleSet
from shared.auth import require
from shared.errors import NotFound
from shared.events import Scope
from shared.service import SessionDep

router = APIRouter(prefix="/v1", tags=["scores"], dependencies=[require(Scope.SALES)])


@router.get(
    "/leads/{lead_id}/score",
    response_model=ScoreRead,
    responses={404: {"description": "The lead has not been scored"}},
)
async def get_score(lead_id: str, session: SessionDep) -> ScoreRead:
    row = await repository.get_score(session, lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id} has no score")
    return ScoreRead.model_validate(row)


@router.get("/rules", response_model=RulesRead)
async def get_rules(request: Request) -> RulesRead:
    rules: RuleSet = request.app.state.rules
    return RulesRead(version=rules.version, digest=rules.digest)
