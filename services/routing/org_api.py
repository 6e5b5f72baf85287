"""The sales org and the rules as an API: admins change them, sales may read them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ValidationError

from services.routing import org_repository
from services.routing.org import AccountConfig, OrgConfig, RepConfig, TeamConfig
from services.routing.rules import RuleSet
from services.routing.schemas import ImportRead, RepPatch, RuleSetRead, RuleVersionRead
from shared.auth import Principal, require
from shared.errors import FieldError, InvalidInput, NotFound, invalid_input_from
from shared.events import Scope
from shared.service import SessionDep

router = APIRouter(prefix="/v1", tags=["organisation"])
Reader = require(Scope.SALES)
Admin = Annotated[Principal, require(Scope.ADMIN)]
NO_REP: dict[int | str, dict[str, Any]] = {404: {"description": "No such rep"}}


def _same_id(path_id: str, body_id: str) -> None:
    if path_id != body_id:
        raise InvalidInput(
            "the id in the body differs from the path",
            [FieldError("id", "must equal the id in the path")],
        )


@router.get("/teams", response_model=list[TeamConfig], dependencies=[Reader])
async def list_teams(session: SessionDep) -> list[TeamConfig]:
    org = await org_repository.load_org(session)
    return sorted(org.teams.values(), key=lambda t: t.id)


@router.put("/teams/{team_id}", response_model=TeamConfig)
async def put_team(team_id: str, body: TeamConfig, session: SessionDep, _: Admin) -> TeamConfig:
    """Create or replace a team; its manager must be a known rep."""
    _same_id(team_id, body.id)
    async with session.begin():
        await org_repository.import_org(session, OrgConfig(teams=(body,)))
    return body


@router.get("/reps", response_model=list[RepConfig], dependencies=[Reader])
async def list_reps(session: SessionDep, team: str | None = None) -> list[RepConfig]:
    org = await org_repository.load_org(session)
    return sorted((r for r in org.reps.values() if team in (None, r.team)), key=lambda r: r.id)


@router.get("/reps/{rep_id}", response_model=RepConfig, dependencies=[Reader], responses=NO_REP)
async def get_rep(rep_id: str, session: SessionDep) -> RepConfig:
    rep = (await org_repository.load_org(session)).reps.get(rep_id)
    if rep is None:
        raise NotFound(f"rep {rep_id} does not exist")
    return rep


@router.put("/reps/{rep_id}", response_model=RepConfig)
async def put_rep(rep_id: str, body: RepConfig, session: SessionDep, _: Admin) -> RepConfig:
    """Create or replace a rep: weight, capacity, hours, absences, active flag, manager."""
    _same_id(rep_id, body.id)
    async with session.begin():
        await org_repository.import_org(session, OrgConfig(reps=(body,)))
    return body


@router.patch("/reps/{rep_id}", response_model=RepConfig, responses=NO_REP)
async def patch_rep(rep_id: str, body: RepPatch, session: SessionDep, _: Admin) -> RepConfig:
    """Change some of a rep's settings (an absence, the active flag, the weight...)."""
    async with session.begin():
        current = (await org_repository.load_org(session)).reps.get(rep_id)
        if current is None:
            raise NotFound(f"rep {rep_id} does not exist")
        changes = body.model_dump(exclude_unset=True)
        try:
            updated = RepConfig.model_validate({**current.model_dump(), **changes})
        except ValidationError as exc:
            raise invalid_input_from("invalid rep", exc) from exc
        await org_repository.import_org(session, OrgConfig(reps=(updated,)))
    return updated


@router.get("/accounts", response_model=list[AccountConfig], dependencies=[Reader])
async def list_accounts(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AccountConfig]:
    return await org_repository.list_accounts(session, limit=limit, offset=offset)


@router.put("/accounts/{account_id}", response_model=AccountConfig)
async def put_account(
    account_id: str, body: AccountConfig, session: SessionDep, _: Admin
) -> AccountConfig:
    _same_id(account_id, body.id)
    async with session.begin():
        await org_repository.import_org(session, OrgConfig(accounts=(body,)))
    return body


@router.post("/org", response_model=ImportRead)
async def import_org(body: OrgConfig, session: SessionDep, _: Admin) -> ImportRead:
    """Create or replace many teams, reps and accounts at once (``load-org`` uses it)."""
    async with session.begin():
        counts = await org_repository.import_org(session, body)
    return ImportRead(**counts)


@router.get(
    "/rules",
    response_model=RuleSetRead,
    dependencies=[Reader],
    responses={404: {"description": "No rule set is stored"}},
)
async def current_rules(session: SessionDep) -> RuleSetRead:
    versions = await org_repository.rule_versions(session)
    if not versions:
        raise NotFound("no rule set is stored")
    return await rules_version(versions[0]["version"], session)


@router.get("/rules/versions", response_model=list[RuleVersionRead], dependencies=[Reader])
async def list_rule_versions(session: SessionDep) -> list[RuleVersionRead]:
    return [RuleVersionRead.model_validate(v) for v in await org_repository.rule_versions(session)]


@router.get(
    "/rules/versions/{version}",
    response_model=RuleSetRead,
    dependencies=[Reader],
    responses={404: {"description": "No such version"}},
)
async def rules_version(version: int, session: SessionDep) -> RuleSetRead:
    row = await org_repository.rules_version(session, version)
    if row is None:
        raise NotFound(f"rule set version {version} does not exist")
    return RuleSetRead(
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        rules=RuleSet.model_validate(row["body"]),
    )


@router.put("/rules", response_model=RuleSetRead)
async def put_rules(body: RuleSet, session: SessionDep, principal: Admin) -> RuleSetRead:
    """Save a new version of the rules; every team and rep they name must exist."""
    async with session.begin():
        org = await org_repository.load_org(session)
        body.check(teams=org.teams, reps=org.reps)
        version = await org_repository.save_rule_set(session, body, created_by=principal.name)
    return await rules_version(version, session)
