"""What happens to an assignment after routing: accept, decline, SLA breach, escalation, close.

Every function runs on the caller's transaction with the assignment row locked, so an
accept racing a breach resolves one way: whichever locks first wins, the other sees the
new status and does nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.routing import metrics, org_repository, repository
from services.routing.assigner import sla_due
from services.routing.dispatch import (
    DbRotation,
    Decision,
    campaign_brief,
    decide,
    publish_routed,
    start_attempt,
)
from shared.errors import Conflict, NotFound
from shared.events import (
    LeadEscalatedV1,
    LeadReassignedV1,
    LeadScoredV1,
    LeadSlaBreachedV1,
    OutcomeStatus,
    SalesOutcomeRecordedV1,
    new_event,
)
from shared.outbox import Outbox

log = logging.getLogger(__name__)

HOLDING = ("open", "escalated")
"""Statuses in which the holder may still accept (or decline) the lead."""
CLOSING = frozenset({OutcomeStatus.WON, OutcomeStatus.LOST, OutcomeStatus.DISQUALIFIED})


async def _locked(session: AsyncSession, assignment_id: uuid.UUID) -> dict[str, Any]:
    # Timer before assignment, the order the SLA watcher takes them in: never a deadlock.
    await repository.lock_timer(session, assignment_id)
    row = await repository.lock_assignment(session, assignment_id)
    if row is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    return row


async def accept(
    session: AsyncSession,
    outbox: Outbox,
    assignment_id: uuid.UUID,
    *,
    rep_id: str | None,
    now: datetime,
    source: str,
) -> dict[str, Any]:
    """The holder accepts: the SLA clock stops and feedback hears of it. Repeating is harmless."""
    row = await _locked(session, assignment_id)
    if row["status"] == "accepted" and (rep_id is None or rep_id == row["rep_id"]):
        return row
    if row["status"] not in HOLDING or row["rep_id"] is None:
        raise Conflict(f"the assignment is {row['status']}; only a rep holding it may accept")
    if rep_id is not None and rep_id != row["rep_id"]:
        raise Conflict(f"the lead is assigned to {row['rep_id']}, not {rep_id}")
    await _mark_accepted(session, row, now)
    outcome = SalesOutcomeRecordedV1(
        outcome_id=f"accept-{assignment_id}",
        lead_id=row["lead_id"],
        status=OutcomeStatus.ACCEPTED,
        occurred_at=now,
        rep_id=row["rep_id"],
    )
    await outbox.add(session, new_event(outcome, subject=row["lead_id"], source=source))
    return await _locked(session, assignment_id)


async def _mark_accepted(session: AsyncSession, row: dict[str, Any], now: datetime) -> None:
    await repository.update_assignment(
        session, row["id"], {"status": "accepted", "accepted_at": now}
    )
    await repository.end_attempt(session, row["id"], row["attempt"], ending="accepted", at=now)
    await repository.clear_timer(session, row["id"])


async def record_outcome(
    session: AsyncSession, outcome: SalesOutcomeRecordedV1, *, now: datetime
) -> None:
    """An outcome from a sales tool: ``accepted`` stops the clock; won, lost or disqualified
    free the rep's capacity."""
    row = await repository.get_assignment(session, outcome.lead_id)
    if row is None:
        return
    row = await _locked(session, row["id"])
    if outcome.status is OutcomeStatus.ACCEPTED:
        if row["status"] not in HOLDING or row["rep_id"] is None:
            return
        if outcome.rep_id is not None and outcome.rep_id != row["rep_id"]:
            log.warning(
                "outcome says %s accepted lead %s held by %s; ignored",
                outcome.rep_id,
                row["lead_id"],
                row["rep_id"],
            )
            return
        await _mark_accepted(session, row, now)
    elif outcome.status in CLOSING and row["status"] != "closed":
        await repository.update_assignment(
            session, row["id"], {"status": "closed", "closed_at": now}
        )
        await repository.end_attempt(session, row["id"], row["attempt"], ending="closed", at=now)
        await repository.clear_timer(session, row["id"])


async def decline(
    session: AsyncSession,
    outbox: Outbox,
    assignment_id: uuid.UUID,
    *,
    rep_id: str | None,
    reason: str,
    now: datetime,
    source: str,
) -> dict[str, Any]:
    """The holder declines with a reason: the lead goes at once to the next eligible rep."""
    row = await _locked(session, assignment_id)
    if row["status"] != "open" or row["rep_id"] is None:
        raise Conflict(f"the assignment is {row['status']}; only an open assignment is declined")
    if rep_id is not None and rep_id != row["rep_id"]:
        raise Conflict(f"the lead is assigned to {row['rep_id']}, not {rep_id}")
    await repository.update_assignment(session, row["id"], {"decline_reason": reason})
    await repository.end_attempt(session, row["id"], row["attempt"], ending="declined", at=now)
    await _move_on(
        session, outbox, row, why=f"declined by {row['rep_id']}: {reason}", now=now, source=source
    )
    return await _locked(session, assignment_id)


async def breach(
    session: AsyncSession,
    outbox: Outbox,
    assignment_id: uuid.UUID,
    *,
    attempt: int,
    now: datetime,
    source: str,
) -> bool:
    """An SLA deadline passed: count it, then reassign, or escalate after repeated breaches.

    False when the timer was stale (the lead was accepted or moved on meanwhile).
    """
    row = await _locked(session, assignment_id)
    if row["status"] not in ("open", "queued") or row["attempt"] != attempt:
        await repository.clear_timer(session, assignment_id)
        return False
    org, _ = await org_repository.snapshot(session)
    team = org.teams[row["team"]]
    breaches = row["breaches"] + 1
    due = row["sla_due_at"]
    metrics.SLA_BREACHES.labels(team.id).inc()
    if due is not None:
        metrics.SLA_ACTION_DELAY.observe(max((now - due).total_seconds(), 0.0))
    await repository.end_attempt(session, row["id"], attempt, ending="breached", at=now)
    breached = LeadSlaBreachedV1(
        lead_id=row["lead_id"],
        assignment_id=str(row["id"]),
        team=team.id,
        rep_id=row["rep_id"],
        due_at=due or now,
        breached_at=now,
        attempt=attempt,
    )
    await outbox.add(session, new_event(breached, subject=row["lead_id"], source=source))
    row["breaches"] = breaches
    if breaches >= team.escalate_after_breaches:
        await _escalate(session, outbox, row, now=now, source=source)
    else:
        why = f"SLA missed by {row['rep_id'] or 'queue ' + str(row['queue'])} (breach {breaches})"
        await _move_on(session, outbox, row, why=why, now=now, source=source)
    return True


async def _move_on(
    session: AsyncSession,
    outbox: Outbox,
    row: dict[str, Any],
    *,
    why: str,
    now: datetime,
    source: str,
) -> None:
    """Give the lead to the next eligible rep — never one who missed or declined it."""
    if row["event"] is None:
        # The lead was erased: nothing is left to route it by, so a manager decides.
        await _escalate(session, outbox, row, now=now, source=source)
        return
    scored = LeadScoredV1.model_validate(row["event"])
    org, current = await org_repository.snapshot(session)
    if current is None:
        raise RuntimeError("no rule set is stored")
    version, rules = current
    excluded = await repository.reps_who_missed(session, row["id"])
    decision = await decide(
        org=org,
        rules=rules,
        scored=scored,
        preferred=[],
        excluded=excluded,
        open_leads={},
        now=now,
        rotation=DbRotation(session),
    )
    if decision.rep_id is None and row["breaches"] > 0:
        # Nobody else can take it: a manager must, rather than the lead waiting unseen.
        await _escalate(session, outbox, row, now=now, source=source)
        return
    attempt = row["attempt"] + 1
    due = sla_due(org.teams[decision.team], scored.priority, now)
    decision = Decision(
        decision.team, decision.rule, f"{why}; {decision.reason}", decision.rep_id,
        decision.queue, decision.status, decision.kind, decision.candidates,
    )  # fmt: skip
    await _hand_over(session, outbox, row, scored, decision, attempt, due, version, now, source)
    reassigned = LeadReassignedV1(
        lead_id=row["lead_id"],
        team=decision.team,
        from_rep_id=row["rep_id"],
        to_rep_id=decision.rep_id,
        reason=why,
        attempt=attempt,
    )
    await outbox.add(session, new_event(reassigned, subject=row["lead_id"], source=source))


async def _escalate(
    session: AsyncSession, outbox: Outbox, row: dict[str, Any], *, now: datetime, source: str
) -> None:
    """Hand the lead to the team's manager; no further SLA clock, a person now owns it."""
    scored = LeadScoredV1.model_validate(row["event"]) if row["event"] is not None else None
    org, _ = await org_repository.snapshot(session)
    team = org.teams[row["team"]]
    manager = team.manager_id
    reason = f"escalated to the manager of team {team.id} after {row['breaches']} missed SLA(s)"
    if manager is None:
        reason = f"team {team.id} has no manager: held in queue {team.queue} after missed SLAs"
    decision = Decision(
        team.id, "escalation", reason, manager, None if manager else team.queue,
        "escalated" if manager else "queued", "escalation", (),
    )  # fmt: skip
    attempt = row["attempt"] + 1
    await _hand_over(session, outbox, row, scored, decision, attempt, None, None, now, source)
    escalated = LeadEscalatedV1(
        lead_id=row["lead_id"], team=team.id, manager_id=manager, breaches=row["breaches"]
    )
    await outbox.add(session, new_event(escalated, subject=row["lead_id"], source=source))
    metrics.ESCALATIONS.labels(team.id).inc()


async def _hand_over(
    session: AsyncSession,
    outbox: Outbox,
    row: dict[str, Any],
    scored: LeadScoredV1 | None,
    decision: Decision,
    attempt: int,
    due: datetime | None,
    rule_version: int | None,
    now: datetime,
    source: str,
) -> None:
    """Record the new holder and its attempt, and tell the sales tools."""
    values: dict[str, Any] = {
        "team": decision.team,
        "rep_id": decision.rep_id,
        "queue": decision.queue,
        "rule": decision.rule,
        "reason": decision.reason[:500],
        "status": decision.status,
        "attempt": attempt,
        "breaches": row["breaches"],
        "sla_due_at": due,
        "candidates": [c.as_dict() for c in decision.candidates],
    }
    if rule_version is not None:
        values["rule_version"] = rule_version
    await repository.update_assignment(session, row["id"], values)
    await start_attempt(
        session, row["id"], row["lead_id"], attempt, decision, assigned_at=now, due_at=due
    )
    if scored is None:
        return  # an erased lead: ``leads.sla`` still says who has it, without the person
    org, _ = await org_repository.snapshot(session)
    rep = org.reps.get(decision.rep_id) if decision.rep_id else None
    await publish_routed(
        session,
        outbox,
        scored,
        assignment_id=row["id"],
        decision=decision,
        routed_at=now,
        due_at=due,
        attempt=attempt,
        rule_version=rule_version,
        source=source,
        rep_name=rep.name if rep else None,
        brief=await campaign_brief(session, scored),
    )
