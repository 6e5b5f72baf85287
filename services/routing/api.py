"""Routing's HTTP API for sales: who has a lead and why, accept and decline, fairness, what-if."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from services.routing import lifecycle, org_repository, repository
from services.routing.schemas import (
    AcceptBody,
    AssignmentRead,
    AttemptRead,
    DeclineBody,
    FairnessRead,
    FairnessRow,
    SimulateBody,
    SimulateRead,
)
from services.routing.simulate import simulate
from shared.auth import require
from shared.errors import NotFound
from shared.events import Scope, utcnow
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["assignments"], dependencies=[require(Scope.SALES)])


async def _read(session: Any, row: dict[str, Any]) -> AssignmentRead:
    history = [AttemptRead.model_validate(a) for a in await repository.attempts(session, row["id"])]
    return AssignmentRead.model_validate({**row, "history": history})


@router.get(
    "/leads/{lead_id}/assignment",
    response_model=AssignmentRead,
    responses={404: {"description": "The lead has not been routed"}},
)
async def get_assignment(lead_id: str, session: SessionDep) -> AssignmentRead:
    """The lead's holder, the rule that matched, each candidate and why they were skipped."""
    row = await repository.get_assignment(session, lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id} has no assignment")
    return await _read(session, row)


@router.post(
    "/assignments/{assignment_id}/accept",
    response_model=AssignmentRead,
    responses={404: {"description": "No such assignment"}, 409: {"description": "Not held"}},
)
async def accept(
    assignment_id: uuid.UUID, body: AcceptBody, session: SessionDep, runtime: RuntimeDep
) -> AssignmentRead:
    """The holder accepts the lead: the SLA clock stops; repeating the call changes nothing."""
    async with session.begin():
        row = await lifecycle.accept(
            session,
            runtime.outbox,
            assignment_id,
            rep_id=body.rep_id,
            now=utcnow(),
            source=runtime.settings.event_source,
        )
        return await _read(session, row)


@router.post(
    "/assignments/{assignment_id}/decline",
    response_model=AssignmentRead,
    responses={404: {"description": "No such assignment"}, 409: {"description": "Not open"}},
)
async def decline(
    assignment_id: uuid.UUID, body: DeclineBody, session: SessionDep, runtime: RuntimeDep
) -> AssignmentRead:
    """The holder declines with a reason; the lead moves at once to the next eligible rep."""
    async with session.begin():
        row = await lifecycle.decline(
            session,
            runtime.outbox,
            assignment_id,
            rep_id=body.rep_id,
            reason=body.reason,
            now=utcnow(),
            source=runtime.settings.event_source,
        )
        return await _read(session, row)


@router.get(
    "/fairness",
    response_model=FairnessRead,
    tags=["reports"],
    responses={404: {"description": "No such team"}},
)
async def fairness(session: SessionDep, team: str, since: datetime | None = None) -> FairnessRead:
    """Each rep's expected share (weight) against the actual share of round-robin leads."""
    org = await org_repository.load_org(session)
    if team not in org.teams:
        raise NotFound(f"team {team} does not exist")
    counts = await repository.first_assignments(session, team, since=since)
    open_leads = await org_repository.open_leads(session)
    breaches = await org_repository.breaches_by_rep(session)
    members = sorted(
        (r for r in org.reps.values() if r.team == team and r.role == "rep"), key=lambda r: r.id
    )
    total_weight = sum(r.weight for r in members if r.active) or 1
    total = sum(counts.values())
    rows = [
        FairnessRow(
            rep_id=r.id,
            name=r.name,
            weight=r.weight,
            active=r.active,
            assigned=counts.get(r.id, 0),
            expected_share=round(r.weight / total_weight, 4) if r.active else 0.0,
            actual_share=round(counts.get(r.id, 0) / total, 4) if total else 0.0,
            open_leads=open_leads.get(r.id, 0),
            breaches=breaches.get(r.id, 0),
        )
        for r in members
    ]
    return FairnessRead(team=team, since=since, assigned=total, reps=rows)


@router.post("/simulate", response_model=SimulateRead, tags=["reports"])
async def run_simulation(body: SimulateBody, session: SessionDep) -> SimulateRead:
    """Where each lead would go under a draft rule set and org; nothing is assigned."""
    routes = await simulate(
        session, body.leads, draft_rules=body.rules, draft_org=body.org, now=body.at or utcnow()
    )
    return SimulateRead(routes=routes)
