"""Routing a lead, end to end: decide, record the assignment and its audit, start the SLA clock.

``decide`` is shared by the event handler and ``POST /v1/simulate``: the rotation state it
reads and advances comes through a ``Rotation`` — the team's locked rows in PostgreSQL for
real assignments, a dictionary for a what-if run.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import metrics, org_repository, repository
from services.routing.assigner import Candidate, Preferred, pick_target, round_robin, sla_due
from services.routing.org_repository import Org
from services.routing.rules import RuleSet, lead_facts
from shared.events import LeadRoutedV1, LeadScoredV1, new_event
from shared.outbox import Outbox

NURTURE_QUEUE = "marketing.nurture"


class Rotation(Protocol):
    """The rotation state of teams, read under lock and written back after a pick.

    ``lock`` returns the team's virtual time, each rep's pass and the leads each rep holds.
    """

    async def lock(self, team_id: str) -> tuple[int, dict[str, int], dict[str, int]]: ...

    async def save(self, team_id: str, rep_id: str, rep_pass: int, virtual_time: int) -> None: ...


class DbRotation:
    """The rotation in PostgreSQL; the team row lock serialises every instance's picks."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, team_id: str) -> tuple[int, dict[str, int], dict[str, int]]:
        return await org_repository.lock_rotation(self.session, team_id)

    async def save(self, team_id: str, rep_id: str, rep_pass: int, virtual_time: int) -> None:
        await org_repository.save_rotation(self.session, team_id, rep_id, rep_pass, virtual_time)


@dataclass(frozen=True)
class Decision:
    """Where a lead goes and why; ``kind`` is rotation, owner, named, queue or nurture."""

    team: str
    rule: str
    reason: str
    rep_id: str | None
    queue: str | None
    status: str
    kind: str
    candidates: tuple[Candidate, ...]


async def decide(
    *,
    org: Org,
    rules: RuleSet,
    scored: LeadScoredV1,
    preferred: list[Preferred],
    excluded: set[str],
    open_leads: Mapping[str, int],
    now: datetime,
    rotation: Rotation,
) -> Decision:
    """Pick a team or rep for a scored lead and advance that team's rotation."""
    match = rules.first_match(lead_facts(scored))
    if match is None:
        rule_target: tuple[str, str, str | None] = ("default", rules.default_team, None)
    elif match.rep is not None:
        rule_target = (match.id, org.reps[match.rep].team, match.rep)
    else:
        assert match.team is not None
        rule_target = (match.id, match.team, None)
    target = pick_target(
        team_for_rule=rule_target,
        priority=scored.priority,
        teams=org.teams,
        reps=org.reps,
        open_leads=open_leads,
        preferred=preferred,
        excluded=excluded,
        now=now,
    )
    if target.rep_id is not None:
        kind = "named" if target.rule == rule_target[0] else "owner"
        return Decision(
            target.team, target.rule, target.reason, target.rep_id, None, "open", kind,
            target.candidates,
        )  # fmt: skip
    if target.nurture:
        return Decision(
            target.team, target.rule, target.reason, None, NURTURE_QUEUE, "nurture", "nurture",
            target.candidates,
        )  # fmt: skip
    team = org.teams[target.team]
    virtual_time, passes, holding = await rotation.lock(team.id)
    members = [r for r in org.reps.values() if r.team == team.id]
    pick = round_robin(
        team=team,
        reps=members,
        priority=scored.priority,
        now=now,
        open_leads=holding,
        excluded=excluded,
        passes=passes,
        virtual_time=virtual_time,
    )
    candidates = target.candidates + pick.candidates
    if pick.rep_id is None:
        reason = f"{target.reason}: nobody eligible, held in queue {team.queue}"
        return Decision(
            team.id, target.rule, reason, None, team.queue, "queued", "queue", candidates
        )
    await rotation.save(team.id, pick.rep_id, pick.passes[pick.rep_id], pick.virtual_time)
    return Decision(
        team.id, target.rule, target.reason, pick.rep_id, None, "open", "rotation", candidates
    )


def contact_key(scored: LeadScoredV1) -> str:
    """Who the lead is, without storing personal data: a hash of the e-mail address."""
    return hashlib.sha256(scored.lead.contact.email.encode()).hexdigest()


async def preferred_reps(session: AsyncSession, scored: LeadScoredV1) -> list[Preferred]:
    """Account owner first, then the rep who already has this person from an earlier lead."""
    wishes: list[Preferred] = []
    company = scored.lead.company
    owner = await org_repository.account_owner(
        session, domain=company.domain, company_name=company.name
    )
    if owner is not None:
        wishes.append(
            Preferred(owner[0], "account-owner", f"account {owner[1]} is owned by {owner[0]}")
        )
    previous = await repository.rep_of_contact(session, contact_key(scored))
    if previous is not None:
        wishes.append(
            Preferred(previous, "repeat-lead", f"repeat lead: {previous} has this contact already")
        )
    return wishes


async def campaign_brief(session: AsyncSession, scored: LeadScoredV1) -> dict[str, Any] | None:
    """The brief of the lead's campaign, when marketing sent one."""
    campaign_id = scored.lead.attribution.campaign_id
    return await repository.get_campaign(session, campaign_id) if campaign_id else None


async def route_scored(
    session: AsyncSession, outbox: Outbox, scored: LeadScoredV1, *, source: str, now: datetime
) -> bool:
    """Assign a newly scored lead; False when it already had an assignment."""
    # Two deliveries of one lead racing each other: the second waits here and sees the first.
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(scored.lead_id))))
    if await repository.get_assignment(session, scored.lead_id) is not None:
        return False
    org, current = await org_repository.snapshot(session)
    if current is None:
        raise RuntimeError("no rule set is stored: load an org and rules first")
    version, rules = current
    # Everything that needs no lock is read before the team's rotation is locked.
    preferred = await preferred_reps(session, scored)
    brief = await campaign_brief(session, scored)
    decision = await decide(
        org=org,
        rules=rules,
        scored=scored,
        preferred=preferred,
        excluded=set(),
        open_leads={},
        now=now,
        rotation=DbRotation(session),
    )
    assignment_id = uuid.uuid4()
    due = (
        None
        if decision.status == "nurture"
        else sla_due(org.teams[decision.team], scored.priority, now)
    )
    added = await repository.add_assignment(
        session,
        {
            "id": assignment_id,
            "lead_id": scored.lead_id,
            "team": decision.team,
            "rep_id": decision.rep_id,
            "queue": decision.queue,
            "rule": decision.rule,
            "reason": decision.reason[:500],
            "priority": scored.priority.value,
            "score": scored.score,
            "captured_at": scored.captured_at,
            "routed_at": now,
            "sla_due_at": due,
            "status": decision.status,
            "attempt": 1,
            "rule_version": version,
            "candidates": [c.as_dict() for c in decision.candidates],
            "contact_key": contact_key(scored),
            "campaign_id": scored.lead.attribution.campaign_id,
            "event": scored.model_dump(mode="json"),
        },
    )
    if not added:
        return False
    await start_attempt(
        session, assignment_id, scored.lead_id, 1, decision, assigned_at=now, due_at=due, fresh=True
    )
    await publish_routed(
        session,
        outbox,
        scored,
        assignment_id=assignment_id,
        decision=decision,
        routed_at=now,
        due_at=due,
        attempt=1,
        rule_version=version,
        source=source,
        rep_name=org.reps[decision.rep_id].name if decision.rep_id else None,
        brief=brief,
    )
    metrics.CAPTURE_TO_ROUTED.observe(max((now - scored.captured_at).total_seconds(), 0.0))
    return True


async def start_attempt(
    session: AsyncSession,
    assignment_id: uuid.UUID,
    lead_id: str,
    attempt: int,
    decision: Decision,
    *,
    assigned_at: datetime,
    due_at: datetime | None,
    fresh: bool = False,
) -> None:
    """Record who holds the lead now and start the SLA clock, or stop it when there is none
    (a ``fresh`` assignment has no clock to stop)."""
    await repository.add_attempt(
        session,
        {
            "assignment_id": assignment_id,
            "attempt": attempt,
            "rep_id": decision.rep_id,
            "queue": decision.queue,
            "kind": decision.kind,
            "rule": decision.rule,
            "reason": decision.reason[:500],
            "candidates": [c.as_dict() for c in decision.candidates],
            "assigned_at": assigned_at,
            "due_at": due_at,
        },
    )
    if due_at is not None:
        await repository.set_timer(session, assignment_id, lead_id, attempt, due_at)
    elif not fresh:
        await repository.clear_timer(session, assignment_id)
    metrics.ASSIGNMENTS.labels(decision.team, decision.rule, decision.kind).inc()
    if decision.kind == "queue":
        metrics.FALLBACKS.labels(decision.team).inc()


async def publish_routed(
    session: AsyncSession,
    outbox: Outbox,
    scored: LeadScoredV1,
    *,
    assignment_id: uuid.UUID,
    decision: Decision,
    routed_at: datetime,
    due_at: datetime | None,
    attempt: int,
    rule_version: int | None,
    source: str,
    rep_name: str | None,
    brief: dict[str, Any] | None,
) -> None:
    """Stage ``lead.routed.v1`` with everything a rep needs; the ``team`` header lets a
    team's sales tool filter the shared topic."""
    attribution = scored.lead.attribution
    routed = LeadRoutedV1(
        lead_id=scored.lead_id,
        assignment_id=str(assignment_id),
        captured_at=scored.captured_at,
        routed_at=routed_at,
        team=decision.team,
        rep_id=decision.rep_id,
        rep_name=rep_name,
        queue=decision.queue,
        rule=decision.rule,
        reason=decision.reason,
        priority=scored.priority,
        score=scored.score,
        sla_due_at=due_at,
        attempt=attempt,
        campaign_id=attribution.campaign_id,
        channel=attribution.channel,
        source=attribution.source,
        status=decision.status,
        rule_version=rule_version,
        lead=scored.lead,
        grade=scored.grade,
        reasons=scored.reasons,
        campaign_name=brief["name"] if brief else None,
        campaign_offer=brief["offer"] if brief else None,
    )
    await outbox.add(
        session,
        new_event(routed, subject=scored.lead_id, source=source),
        headers={"team": decision.team},
    )
