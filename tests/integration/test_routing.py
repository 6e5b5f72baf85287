"""Routing on the real database: ownership, capacity, absences, fallback, SLAs, accept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.routing import lifecycle, models, org_repository, repository
from services.routing.org import AccountConfig
from services.routing.sla import SlaWatcher
from shared.db import SessionFactory, create_engine, session_factory
from shared.events import OutcomeStatus, Priority, SalesOutcomeRecordedV1, utcnow
from shared.migrations import upgrade
from tests.conftest import Stack
from tests.integration.routing_support import (
    MIGRATIONS,
    OUTBOX,
    SOURCE,
    make_team,
    published,
    retire_outbox,
    route,
    scored_lead,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def sessions(stack: Stack) -> AsyncIterator[SessionFactory]:
    await asyncio.to_thread(upgrade, MIGRATIONS, stack.database_url)
    engine = create_engine(stack.database_url, pool_size=8)
    factory = session_factory(engine)
    yield factory
    await retire_outbox(factory)
    await engine.dispose()


@pytest.fixture
async def watcher(sessions: SessionFactory) -> AsyncIterator[SlaWatcher]:
    """One SLA watcher running as a routing instance would, until the test ends."""
    sla = SlaWatcher(sessions=sessions, outbox=OUTBOX, source=SOURCE, poll_seconds=0.1)
    task = asyncio.create_task(sla.run())
    yield sla
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_concurrent_routing_in_one_team_keeps_the_weights(sessions: SessionFactory) -> None:
    team = await make_team(sessions, {"ann": {"weight": 2}, "bob": {}, "cy": {}})
    leads = [scored_lead(team, priority=Priority.WARM) for _ in range(40)]

    async def instance(mine: list[object]) -> None:
        for lead in mine:
            await route(sessions, lead)  # type: ignore[arg-type]

    await asyncio.gather(instance(leads[::2]), instance(leads[1::2]))  # type: ignore[arg-type]
    reps = []
    for lead in leads:
        async with sessions() as session:
            row = await repository.get_assignment(session, lead.lead_id)
        assert row is not None and row["rule"] == f"campaign-{team}"
        reps.append(row["rep_id"])
    assert {r: reps.count(r) for r in set(reps)} == {
        f"{team}-ann": 20,
        f"{team}-bob": 10,
        f"{team}-cy": 10,
    }


async def test_a_lead_scored_twice_is_assigned_once(sessions: SessionFactory) -> None:
    team = await make_team(sessions, {"ann": {}, "bob": {}})
    lead = scored_lead(team)
    await asyncio.gather(*(route(sessions, lead) for _ in range(4)), return_exceptions=True)
    events = [e for e in await published(sessions, lead.lead_id) if e["type"] == "lead.routed.v1"]
    assert len(events) == 1


async def test_the_account_owner_gets_the_lead_and_a_repeat_lead_goes_to_the_same_rep(
    sessions: SessionFactory,
) -> None:
    owners = await make_team(sessions, {"olga": {}})
    team = await make_team(
        sessions,
        {"ann": {}, "bob": {}},
        accounts=(
            AccountConfig(
                id=f"{owners}-acme",
                name=f"Acme {owners} Inc",
                domain=f"{owners}.example",
                owner_rep_id=f"{owners}-olga",
            ),
        ),
    )
    by_domain = await route(sessions, scored_lead(team, company={"domain": f"{owners}.example"}))
    assert (by_domain["rep_id"], by_domain["rule"]) == (f"{owners}-olga", "account-owner")
    assert by_domain["team"] == owners
    by_name = await route(sessions, scored_lead(team, company={"name": f"ACME {owners}"}))
    assert by_name["rep_id"] == f"{owners}-olga"

    first = await route(sessions, scored_lead(team, email=f"grace@{team}.example"))
    again = await route(sessions, scored_lead(team, email=f"grace@{team}.example"))
    assert again["lead_id"] != first["lead_id"]
    assert (again["rep_id"], again["rule"]) == (first["rep_id"], "repeat-lead")


async def test_capacity_and_absence_are_skipped_and_nobody_eligible_means_the_queue(
    sessions: SessionFactory,
) -> None:
    now = utcnow()
    away = {"out_of_office": [{"starts_at": now - timedelta(hours=1),
                               "ends_at": now + timedelta(days=1)}]}  # fmt: skip
    team = await make_team(sessions, {"ann": {"capacity": 1}, "bob": {"capacity": 1}, "cy": away})
    first = await route(sessions, scored_lead(team))
    second = await route(sessions, scored_lead(team))
    assert {first["rep_id"], second["rep_id"]} == {f"{team}-ann", f"{team}-bob"}
    third = await route(sessions, scored_lead(team))
    assert (third["rep_id"], third["queue"], third["status"]) == (None, f"{team}.queue", "queued")
    why = {c["rep_id"]: c["skipped"] for c in third["candidates"]}
    assert why[f"{team}-ann"] == "at capacity (1 of 1 open leads)"
    assert why[f"{team}-cy"].startswith("out of office until")
    [routed] = [
        e for e in await published(sessions, third["lead_id"]) if e["type"] == "lead.routed.v1"
    ]
    assert routed["data"]["rep_id"] is None
    assert routed["data"]["queue"] == f"{team}.queue"
    assert routed["data"]["status"] == "queued"

    async with sessions() as session, session.begin():
        outcome = SalesOutcomeRecordedV1(
            outcome_id="x", lead_id=first["lead_id"], status=OutcomeStatus.LOST, occurred_at=now
        )
        await lifecycle.record_outcome(session, outcome, now=now)
    freed = await route(sessions, scored_lead(team))
    assert freed["rep_id"] == first["rep_id"]


async def test_cold_leads_go_back_to_nurture(sessions: SessionFactory) -> None:
    team = await make_team(sessions, {"ann": {}})
    row = await route(sessions, scored_lead(team, priority=Priority.COLD))
    assert (row["rep_id"], row["queue"], row["status"], row["sla_due_at"]) == (
        None,
        "marketing.nurture",
        "nurture",
        None,
    )


async def test_a_missed_sla_reassigns_then_escalates_and_never_returns_to_a_rep_who_missed(
    sessions: SessionFactory, watcher: SlaWatcher
) -> None:
    team = await make_team(
        sessions,
        {"ann": {}, "bob": {}, "cy": {}},
        team={"sla_seconds": {"hot": 1}, "escalate_after_breaches": 2},
    )
    lead = scored_lead(team)
    first = await route(sessions, lead)

    async def escalated() -> dict[str, object] | None:
        async with sessions() as session:
            row = await repository.get_assignment(session, lead.lead_id)
        return row if row and row["status"] == "escalated" else None

    final = await wait_for(escalated, timeout=30)
    assert final["rep_id"] == f"{team}-boss"
    assert final["breaches"] == 2
    async with sessions() as session:
        history = await repository.attempts(session, first["id"])
        timers = await session.execute(
            select(models.sla_timer).where(models.sla_timer.c.assignment_id == first["id"])
        )
        assert timers.first() is None
        breaches = {
            r: n
            for r, n in (await org_repository.breaches_by_rep(session)).items()
            if r.startswith(team)
        }
    assert [(h["attempt"], h["ending"]) for h in history] == [
        (1, "breached"),
        (2, "breached"),
        (3, None),
    ]
    missed = [history[0]["rep_id"], history[1]["rep_id"]]
    assert missed[0] != missed[1]
    assert history[2]["rep_id"] == f"{team}-boss"
    assert sorted(r for r, n in breaches.items() if n) == sorted(missed)
    types = [e["type"] for e in await published(sessions, lead.lead_id)]
    assert types == [
        "lead.routed.v1",
        "lead.sla_breached.v1",
        "lead.routed.v1",
        "lead.reassigned.v1",
        "lead.sla_breached.v1",
        "lead.routed.v1",
        "lead.escalated.v1",
    ]
    events = await published(sessions, lead.lead_id)
    assert events[3]["data"]["from_rep_id"] == missed[0]
    assert events[3]["data"]["to_rep_id"] == missed[1]
    assert events[6]["data"]["manager_id"] == f"{team}-boss"


async def test_accepting_stops_the_clock_and_tells_feedback(
    sessions: SessionFactory, watcher: SlaWatcher
) -> None:
    team = await make_team(sessions, {"ann": {}, "bob": {}}, team={"sla_seconds": {"hot": 2}})
    by_rest = await route(sessions, scored_lead(team))
    by_tool = await route(sessions, scored_lead(team))
    async with sessions() as session, session.begin():
        await lifecycle.accept(
            session, OUTBOX, by_rest["id"], rep_id=by_rest["rep_id"], now=utcnow(), source=SOURCE
        )
    async with sessions() as session, session.begin():
        outcome = SalesOutcomeRecordedV1(
            outcome_id="crm-1",
            lead_id=by_tool["lead_id"],
            status=OutcomeStatus.ACCEPTED,
            occurred_at=utcnow(),
            rep_id=by_tool["rep_id"],
        )
        await lifecycle.record_outcome(session, outcome, now=utcnow())
    # A lead nobody accepts shows that the watcher is running while the others stay untouched.
    control = await route(sessions, scored_lead(team))

    async def control_breached() -> bool:
        types = [e["type"] for e in await published(sessions, control["lead_id"])]
        return "lead.sla_breached.v1" in types

    await wait_for(control_breached)
    for row in (by_rest, by_tool):
        async with sessions() as session:
            now_row = await repository.get_assignment(session, row["lead_id"])
        assert now_row is not None
        assert (now_row["status"], now_row["rep_id"], now_row["breaches"]) == (
            "accepted",
            row["rep_id"],
            0,
        )
    events = await published(sessions, by_rest["lead_id"])
    accepted = [e for e in events if e["type"] == "sales.outcome_recorded.v1"]
    assert [e["data"]["outcome_id"] for e in accepted] == [f"accept-{by_rest['id']}"]
    assert [e["data"]["status"] for e in accepted] == ["accepted"]


async def test_an_erased_lead_keeps_its_audit_but_not_the_person(
    sessions: SessionFactory, watcher: SlaWatcher
) -> None:
    from services.routing import handlers
    from shared.events import LeadErasedV1, new_event
    from shared.kafka.runner import HandlerContext

    team = await make_team(sessions, {"ann": {}, "bob": {}}, team={"sla_seconds": {"hot": 1}})
    lead = scored_lead(team)
    routed = await route(sessions, lead)
    erased = new_event(
        LeadErasedV1(lead_id=lead.lead_id, erased_at=utcnow()), subject=lead.lead_id, source="/t"
    )
    async with sessions() as session, session.begin():
        await handlers.on_lead_erased(erased, HandlerContext(session, OUTBOX, "t", 0, 0))

    async def escalated() -> dict[str, object] | None:
        async with sessions() as session:
            row = await repository.get_assignment(session, lead.lead_id)
        return row if row and row["status"] == "escalated" else None

    row = await wait_for(escalated)
    assert (row["event"], row["contact_key"]) == (None, None)
    assert row["rep_id"] == f"{team}-boss"
    types = [e["type"] for e in await published(sessions, lead.lead_id)]
    assert types == ["lead.routed.v1", "lead.sla_breached.v1", "lead.escalated.v1"]
    assert routed["rep_id"] is not None


async def test_a_decline_hands_the_lead_on_and_the_last_decline_leaves_it_queued(
    sessions: SessionFactory,
) -> None:
    team = await make_team(sessions, {"ann": {}, "bob": {}})
    lead = scored_lead(team)
    first = await route(sessions, lead)
    async with sessions() as session, session.begin():
        second = await lifecycle.decline(
            session, OUTBOX, first["id"], rep_id=None, reason="not my region", now=utcnow(),
            source=SOURCE,
        )  # fmt: skip
    assert second["rep_id"] not in (None, first["rep_id"])
    assert (second["status"], second["attempt"], second["breaches"]) == ("open", 2, 0)
    assert second["reason"].startswith(f"declined by {first['rep_id']}: not my region")
    async with sessions() as session, session.begin():
        third = await lifecycle.decline(
            session, OUTBOX, first["id"], rep_id=second["rep_id"], reason="on leave",
            now=utcnow(), source=SOURCE,
        )  # fmt: skip
    assert (third["rep_id"], third["status"], third["queue"]) == (None, "queued", f"{team}.queue")
    why = {c["rep_id"]: c["skipped"] for c in third["candidates"]}
    assert set(why.values()) == {"already missed or declined this lead"}
    reassigned = [
        e["data"] for e in await published(sessions, lead.lead_id)
        if e["type"] == "lead.reassigned.v1"
    ]  # fmt: skip
    assert [(r["from_rep_id"], r["to_rep_id"]) for r in reassigned] == [
        (first["rep_id"], second["rep_id"]),
        (second["rep_id"], None),
    ]
