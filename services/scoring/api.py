"""Scoring's HTTP API: a lead's score, the rules in force (changed by admins), the model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from services.scoring import model_store, repository
from services.scoring.config import RuleSet
from services.scoring.learning import RULES_ONLY
from services.scoring.model_store import StoredRules
from services.scoring.schemas import (
    CalibrationBinRead,
    ModelRead,
    RulesRead,
    RulesVersionsRead,
    ScoreRead,
)
from services.scoring.scorer import blend_weight
from shared.auth import Principal, require
from shared.errors import NotFound
from shared.events import Reason, Scope
from shared.service import SessionDep

router = APIRouter(prefix="/v1", tags=["scores"])

SalesRead = require(Scope.SALES)
AdminOnly = Annotated[Principal, require(Scope.ADMIN)]


def _read(stored: StoredRules) -> RulesRead:
    r = stored.rules
    return RulesRead(
        version=r.version,
        digest=r.digest,
        config_version=r.config_version,
        active=stored.active,
        created_at=stored.created_at,
        created_by=stored.created_by,
        activated_at=stored.activated_at,
        rules=r,
    )


@router.get(
    "/leads/{lead_id}/score",
    response_model=ScoreRead,
    responses={404: {"description": "The lead has not been scored"}},
    dependencies=[SalesRead],
)
async def get_score(lead_id: str, session: SessionDep) -> ScoreRead:
    row = await repository.get_score(session, lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id} has no score")
    return ScoreRead.model_validate(row)


@router.get(
    "/rules",
    response_model=RulesRead,
    dependencies=[SalesRead],
    responses={404: {"description": "No active rule set"}},
)
async def get_rules(session: SessionDep) -> RulesRead:
    """The rule set every instance scores with now."""
    stored = await model_store.active_rules(session)
    if stored is None:
        raise NotFound("no active rule set")
    return _read(stored)


@router.get("/rules/versions", response_model=RulesVersionsRead, dependencies=[SalesRead])
async def list_rules(session: SessionDep) -> RulesVersionsRead:
    return RulesVersionsRead(versions=[_read(s) for s in await model_store.list_rules(session)])


@router.post(
    "/rules",
    response_model=RulesRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "This exact version was already stored"},
        409: {"description": "The version exists with other content"},
        422: {"description": "The rule set is invalid; the error names each bad field"},
    },
)
async def add_rules(
    rules: RuleSet,
    session: SessionDep,
    principal: AdminOnly,
    response: Response,
    activate: Annotated[bool, Query(description="make it the active rule set at once")] = True,
) -> RulesRead:
    """Store a new, validated rule set version (admin); by default it is used from now on."""
    async with session.begin():
        created = await model_store.add_rules(session, rules, created_by=principal.name)
        stored = (
            await model_store.activate_rules(session, rules.version)
            if activate
            else await model_store.get_rules(session, rules.version)
        )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _read(stored)


@router.post(
    "/rules/{version}/activate",
    response_model=RulesRead,
    responses={404: {"description": "No such version"}},
)
async def activate_rules(version: str, session: SessionDep, principal: AdminOnly) -> RulesRead:
    """Switch every instance to a stored version, e.g. back to the previous one (admin)."""
    async with session.begin():
        stored = await model_store.activate_rules(session, version)
    return _read(stored)


@router.get(
    "/model",
    response_model=ModelRead,
    dependencies=[require(Scope.SALES, Scope.MARKETING)],
)
async def get_model(session: SessionDep, request: Request) -> ModelRead:
    """The learned model in force, with ROC AUC and calibration on its rolling holdout."""
    model = await model_store.latest_model(session)
    rules = await model_store.active_rules(session)
    if model is None:
        return ModelRead(
            model_version=RULES_ONLY,
            trained_at=None,
            config_version=None,
            outcomes_learned=0,
            holdout_size=0,
            examples=0,
            auc=None,
            rules_auc=None,
            calibration=[],
            blend_weight=0.0,
            features=0,
            top_factors=[],
        )
    weights = model.model.weights
    top = sorted(weights.items(), key=lambda kv: abs(kv[1]), reverse=True)[:10]
    return ModelRead(
        model_version=model.version,
        trained_at=model.created_at,
        config_version=model.config_version,
        outcomes_learned=model.outcomes_learned,
        holdout_size=model.holdout_size,
        examples=model.examples,
        auc=model.auc,
        rules_auc=model.rules_auc,
        calibration=[CalibrationBinRead.model_validate(b) for b in model.calibration],
        blend_weight=round(blend_weight(model.outcomes_learned, rules.rules.learning), 4)
        if rules
        else 0.0,
        features=len(weights),
        top_factors=[Reason(factor=name, points=round(w, 3)) for name, w in top],
    )
