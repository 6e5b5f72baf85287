"""Queries on the sales org and the rule sets; they run on the caller's session, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.models import (
    account,
    assignment,
    assignment_attempt,
    org_revision,
    rep,
    rule_set,
    team,
    team_cursor,
)
from services.routing.org import AccountConfig, OrgConfig, RepConfig, TeamConfig, company_key
from services.routing.rules import RuleSet

OPEN_STATUSES = ("open", "accepted", "escalated")
"""Statuses in which a lead occupies its rep (capacity counts them)."""


@dataclass(frozen=True)
class Org:
    """The whole org as stored: small enough (hundreds of reps) to read for each decision."""

    teams: dict[str, TeamConfig]
    reps: dict[str, RepConfig]


# Parsed copies of the stored org and rules, keyed by database; each use first checks the
# stored revision (one cheap query), so a change made by any instance is seen at once.
_orgs: dict[str, tuple[int, Org]] = {}
_rules: dict[str, tuple[int, RuleSet]] = {}


def _db_key(session: AsyncSession) -> str:
    return str(session.sync_session.get_bind().engine.url)


async def snapshot(session: AsyncSession) -> tuple[Org, tuple[int, RuleSet] | None]:
    """The current org and rule set, parsed once per change rather than once per lead."""
    revision, version = (
        await session.execute(
            select(
                select(org_revision.c.revision).where(org_revision.c.id == 1).scalar_subquery(),
                select(func.max(rule_set.c.version)).scalar_subquery(),
            )
        )
    ).one()
    key = _db_key(session)
    cached_org = _orgs.get(key)
    if cached_org is None or cached_org[0] != revision:
        cached_org = (revision, await load_org(session))
        _orgs[key] = cached_org
    rules: tuple[int, RuleSet] | None = None
    if version is not None:
        cached_rules = _rules.get(key)
        if cached_rules is None or cached_rules[0] != version:
            row = await rules_version(session, version)
            assert row is not None
            cached_rules = (version, RuleSet.model_validate(row["body"]))
            _rules[key] = cached_rules
        rules = cached_rules
    return cached_org[1], rules


async def upsert_team(session: AsyncSession, config: TeamConfig) -> None:
    body = config.model_dump(mode="json")
    await session.execute(
        insert(team)
        .values(id=config.id, config=body)
        .on_conflict_do_update(
            index_elements=["id"], set_={"config": body, "updated_at": func.now()}
        )
    )
    await session.execute(
        insert(team_cursor).values(team=config.id, position=0).on_conflict_do_nothing()
    )


async def upsert_rep(session: AsyncSession, config: RepConfig) -> None:
    values = {
        "team": config.team,
        "name": config.name,
        "weight": config.weight,
        "active": config.active,
        "role": config.role,
        "config": config.model_dump(mode="json"),
    }
    await session.execute(
        insert(rep)
        .values(id=config.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_={**values, "updated_at": func.now()})
    )


async def upsert_account(session: AsyncSession, config: AccountConfig) -> None:
    values = {
        "name": config.name,
        "name_key": company_key(config.name) or config.id,
        "domain": config.domain,
        "owner_rep_id": config.owner_rep_id,
    }
    await session.execute(
        insert(account)
        .values(id=config.id, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )


async def import_org(session: AsyncSession, org: OrgConfig) -> dict[str, int]:
    """Create or replace every team, rep and account of ``org``; counts what was written."""
    # Bumping the revision first also serialises concurrent org changes.
    await session.execute(
        update(org_revision)
        .where(org_revision.c.id == 1)
        .values(revision=org_revision.c.revision + 1)
    )
    current = await load_org(session)
    org.check(known_teams=current.teams, known_reps=current.reps)
    for t in org.teams:
        await upsert_team(session, t)
    for r in org.reps:
        await upsert_rep(session, r)
    for a in org.accounts:
        await upsert_account(session, a)
    return {"teams": len(org.teams), "reps": len(org.reps), "accounts": len(org.accounts)}


async def load_org(session: AsyncSession) -> Org:
    teams = {
        row.id: TeamConfig.model_validate(row.config)
        for row in await session.execute(select(team.c.id, team.c.config))
    }
    reps: dict[str, RepConfig] = {}
    for row in await session.execute(select(rep)):
        if row.config is not None:
            reps[row.id] = RepConfig.model_validate(row.config)
        else:  # a rep stored before reps were configurable: only what the team file had
            reps[row.id] = RepConfig(
                id=row.id, name=row.name, team=row.team, weight=row.weight, active=row.active
            )
    return Org(teams, reps)


async def seed(session: AsyncSession, org: OrgConfig, rules: RuleSet) -> None:
    """Give an empty database the default org and rules; a stored org is never overwritten."""
    # Instances starting together wait for each other here, so only one seeds.
    await session.execute(select(func.pg_advisory_xact_lock(0x5345_4544)))
    if not await has_teams(session):
        await import_org(session, org)
    if await current_rules(session) is None:
        await save_rule_set(session, rules, created_by="org file")


async def has_teams(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(team))).scalar_one() > 0


async def list_accounts(session: AsyncSession, *, limit: int, offset: int) -> list[AccountConfig]:
    rows = await session.execute(select(account).order_by(account.c.id).limit(limit).offset(offset))
    return [
        AccountConfig(id=r.id, name=r.name, domain=r.domain, owner_rep_id=r.owner_rep_id)
        for r in rows
    ]


async def account_owner(
    session: AsyncSession, *, domain: str | None, company_name: str | None
) -> tuple[str, str] | None:
    """``(owner rep id, account name)`` of the account a lead's company is, by domain or name."""
    if domain:
        row = (
            await session.execute(
                select(account.c.owner_rep_id, account.c.name).where(account.c.domain == domain)
            )
        ).first()
        if row is not None:
            return row.owner_rep_id, row.name
    key = company_key(company_name)
    if key:
        row = (
            await session.execute(
                select(account.c.owner_rep_id, account.c.name)
                .where(account.c.name_key == key)
                .order_by(account.c.id)
                .limit(1)
            )
        ).first()
        if row is not None:
            return row.owner_rep_id, row.name
    return None


async def breaches_by_rep(session: AsyncSession) -> dict[str, int]:
    """SLAs each rep has missed, counted from the attempts (no write to the rep's row, whose
    lock belongs to the rotation)."""
    rows = await session.execute(
        select(assignment_attempt.c.rep_id, func.count())
        .where(assignment_attempt.c.ending == "breached", assignment_attempt.c.rep_id.is_not(None))
        .group_by(assignment_attempt.c.rep_id)
    )
    return {row[0]: int(row[1]) for row in rows}


async def open_leads(session: AsyncSession, rep_ids: list[str] | None = None) -> dict[str, int]:
    """Leads each rep holds (assigned and not accepted, or accepted and still being worked)."""
    query = (
        select(assignment.c.rep_id, func.count())
        .where(assignment.c.status.in_(OPEN_STATUSES), assignment.c.rep_id.is_not(None))
        .group_by(assignment.c.rep_id)
    )
    if rep_ids is not None:
        query = query.where(assignment.c.rep_id.in_(rep_ids))
    return {row[0]: int(row[1]) for row in await session.execute(query)}


async def lock_rotation(
    session: AsyncSession, team_id: str, *, lock: bool = True
) -> tuple[int, dict[str, int], dict[str, int]]:
    """Lock the team's rotation until commit: its virtual time, each rep's pass, and the
    leads each rep holds (read under the lock, so a concurrent pick is counted)."""
    query = select(team_cursor.c.position).where(team_cursor.c.team == team_id)
    if lock:
        query = query.with_for_update()
    virtual_time = (await session.execute(query)).scalar()
    if virtual_time is None and lock:
        await session.execute(
            insert(team_cursor).values(team=team_id, position=0).on_conflict_do_nothing()
        )
        virtual_time = (await session.execute(query)).scalar()
    held = (
        select(func.count())
        .where(assignment.c.rep_id == rep.c.id, assignment.c.status.in_(OPEN_STATUSES))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(rep.c.id, rep.c.rotation_pass, held.label("held")).where(rep.c.team == team_id)
    )
    passes: dict[str, int] = {}
    holding: dict[str, int] = {}
    for r in rows:
        if r.rotation_pass is not None:
            passes[r.id] = int(r.rotation_pass)
        holding[r.id] = int(r.held)
    return int(virtual_time or 0), passes, holding


async def save_rotation(
    session: AsyncSession, team_id: str, rep_id: str, rep_pass: int, virtual_time: int
) -> None:
    """Both writes in one statement: the lock is held for as few round trips as possible."""
    rep_update = (
        update(rep).where(rep.c.id == rep_id).values(rotation_pass=rep_pass).cte("rep_pass")
    )
    await session.execute(
        update(team_cursor)
        .where(team_cursor.c.team == team_id)
        .values(position=virtual_time)
        .add_cte(rep_update)
    )


async def save_rule_set(session: AsyncSession, rules: RuleSet, *, created_by: str) -> int:
    """Store ``rules`` as the next version (the table lock keeps versions gap-free)."""
    await session.execute(select(func.pg_advisory_xact_lock(0x5255_4C45)))
    latest = (await session.execute(select(func.max(rule_set.c.version)))).scalar()
    version = int(latest or 0) + 1
    await session.execute(
        insert(rule_set).values(
            version=version, body=rules.model_dump(mode="json"), created_by=created_by
        )
    )
    return version


async def current_rules(session: AsyncSession) -> tuple[int, RuleSet] | None:
    row = (
        await session.execute(select(rule_set).order_by(rule_set.c.version.desc()).limit(1))
    ).first()
    return (row.version, RuleSet.model_validate(row.body)) if row else None


async def rules_version(session: AsyncSession, version: int) -> dict[str, Any] | None:
    row = (await session.execute(select(rule_set).where(rule_set.c.version == version))).first()
    return dict(row._mapping) if row else None


async def rule_versions(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(rule_set.c.version, rule_set.c.created_by, rule_set.c.created_at).order_by(
            rule_set.c.version.desc()
        )
    )
    return [dict(r._mapping) for r in rows]
