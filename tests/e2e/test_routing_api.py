"""Routing's API as a sales tool and an admin use it, against the running services."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from shared.events import CampaignBriefedV1, CampaignCapacityWarnedV1, decode, new_event
from shared.events.topics import LEADS_ROUTED, MARKETING_CAMPAIGNS, SALES_OUTCOMES
from shared.kafka.producer import create_producer
from tests.conftest import Stack
from tests.e2e.conftest import Services
from tests.support import eventually, read_topic

pytestmark = pytest.mark.e2e

LEAD = {
    "contact": {"email": "ada@analytical-engines.com", "job_title": "CTO"},
    "company": {"name": "Analytical Engines", "size": 800, "country": "gb"},
    "interest": {"product": "GTX Pro", "form_type": "demo_request"},
    "behaviour": {"visits": 6, "pages_viewed": 9},
}


async def test_an_assignment_explains_itself_and_accept_stops_the_clock(
    stack: Stack, services: Services
) -> None:
    routing = services.urls["routing"]
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        response = await http.post(f"{services.urls['intake']}/v1/leads", json=LEAD)
        assert response.status_code == 202, response.text
        lead_id = response.json()["lead_id"]
        [record] = await read_topic(
            stack.bootstrap, LEADS_ROUTED, lambda r: r.key == lead_id.encode(), timeout=60
        )
        routed = decode(record.value).data
        assert routed.lead is not None and routed.lead.company.name == "Analytical Engines"  # type: ignore[attr-defined]
        assert routed.sla_due_at is not None  # type: ignore[attr-defined]

        assignment = (await http.get(f"{routing}/v1/leads/{lead_id}/assignment")).json()
        assert assignment["status"] == "open"
        assert assignment["rule_version"] >= 1
        assert assignment["rep_id"] in {c["rep_id"] for c in assignment["candidates"]}
        assert [h["attempt"] for h in assignment["history"]] == [1]
        chosen = [c for c in assignment["candidates"] if c["rep_id"] == assignment["rep_id"]]
        assert chosen[0]["skipped"] is None

        url = f"{routing}/v1/assignments/{assignment['id']}"
        wrong = await http.post(f"{url}/accept", json={"rep_id": "someone-else"})
        assert wrong.status_code == 409
        accepted = await http.post(f"{url}/accept", json={"rep_id": assignment["rep_id"]})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"
        again = await http.post(f"{url}/accept", json={})
        assert (again.status_code, again.json()["status"]) == (200, "accepted")
        late = await http.post(f"{url}/decline", json={"reason": "too late"})
        assert late.status_code == 409
        assert (await http.post(f"{url}/decline", json={})).json()["error"]["fields"][0][
            "field"
        ] == "reason"
        missing = await http.post(f"{routing}/v1/assignments/{uuid.uuid4()}/accept", json={})
        assert missing.status_code == 404

        outcomes = await read_topic(
            stack.bootstrap, SALES_OUTCOMES, lambda r: r.key == lead_id.encode(), timeout=30
        )
        data = decode(outcomes[0].value).data
        assert (data.outcome_id, data.status) == (f"accept-{assignment['id']}", "accepted")  # type: ignore[attr-defined]


async def test_rules_are_validated_versioned_and_need_the_admin_scope(services: Services) -> None:
    routing = services.urls["routing"]
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        before = (await http.get(f"{routing}/v1/rules")).json()
        bad = {
            "rules": [
                {"id": "a", "conditions": [{"field": "shoe_size", "op": "eq", "value": "9"}],
                 "team": "inbound"},
                {"id": "b", "team": "no-such-team"},
            ],
            "default_team": "inbound",
        }  # fmt: skip
        response = await http.put(f"{routing}/v1/rules", json=bad)
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["field"] == "rules.0.conditions.0.field"
        unknown = {"rules": [{"id": "b", "team": "no-such-team"}], "default_team": "inbound"}
        response = await http.put(f"{routing}/v1/rules", json=unknown)
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [
            {"field": "rules.0.team", "message": "unknown team 'no-such-team'"}
        ]
        assert (await http.get(f"{routing}/v1/rules")).json()["version"] == before["version"]

        good = {"rules": [*before["rules"]["rules"]], "default_team": "inbound"}
        saved = await http.put(f"{routing}/v1/rules", json=good)
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == before["version"] + 1
        versions = (await http.get(f"{routing}/v1/rules/versions")).json()
        assert versions[0]["version"] == before["version"] + 1

        issued = await http.post(
            f"{services.urls['intake']}/v1/api-keys", json={"name": "crm", "scopes": ["sales"]}
        )
        sales = {"Authorization": f"Bearer {issued.json()['key']}"}

        async def sales_key_known() -> bool:
            r = await http.get(f"{routing}/v1/teams", headers=sales)
            return r.status_code == 200

        await eventually(sales_key_known, timeout=15)
        refused = await http.put(f"{routing}/v1/rules", json=good, headers=sales)
        assert refused.status_code == 403


async def test_reps_are_managed_and_fairness_and_simulation_report_on_them(
    services: Services,
) -> None:
    routing = services.urls["routing"]
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        bad = await http.put(
            f"{routing}/v1/reps/new-rep",
            json={"id": "new-rep", "name": "New", "team": "ghosts", "timezone": "Mars/Base"},
        )
        assert bad.status_code == 422
        assert {f["field"] for f in bad.json()["error"]["fields"]} == {"timezone"}
        bad = await http.put(
            f"{routing}/v1/reps/new-rep", json={"id": "new-rep", "name": "New", "team": "ghosts"}
        )
        assert bad.json()["error"]["fields"] == [
            {"field": "reps.0.team", "message": "unknown team 'ghosts'"}
        ]
        patched = await http.patch(
            f"{routing}/v1/reps/anna-snelling", json={"capacity": 40, "weight": 0}
        )
        assert patched.status_code == 422
        assert patched.json()["error"]["fields"][0]["field"] == "weight"
        rep = (await http.get(f"{routing}/v1/reps/anna-snelling")).json()
        assert rep["capacity"] == 50  # nothing stored from the refused change
        patched = await http.patch(f"{routing}/v1/reps/anna-snelling", json={"capacity": 40})
        assert (patched.status_code, patched.json()["capacity"]) == (200, 40)
        assert patched.json()["name"] == "Anna Snelling"
        fairness = (await http.get(f"{routing}/v1/fairness", params={"team": "inbound"})).json()
        assert {r["expected_share"] for r in fairness["reps"]} == {0.25}
        assert fairness["assigned"] == sum(r["assigned"] for r in fairness["reps"])

        draft = {
            "org": {
                "teams": [{"id": "dach", "name": "DACH"}, {"id": "rest", "name": "Rest"}],
                "reps": [
                    {"id": "hans", "name": "Hans", "team": "dach", "weight": 2},
                    {"id": "grete", "name": "Grete", "team": "dach"},
                    {"id": "rita", "name": "Rita", "team": "rest"},
                ],
                "accounts": [
                    {"id": "acme", "name": "Acme", "domain": "acme.de", "owner_rep_id": "rita"}
                ],
            },
            "rules": {
                "rules": [
                    {"id": "dach", "conditions": [{"field": "country", "op": "in",
                                                   "value": ["DE", "AT", "CH"]}], "team": "dach"}
                ],
                "default_team": "rest",
            },
            "leads": [
                {"lead_id": f"l{i}", "priority": "warm",
                 "lead": {"contact": {"email": f"x{i}@corp.de"}, "company": {"country": "DE"}}}
                for i in range(3)
            ] + [
                {"lead_id": "owned", "priority": "hot",
                 "lead": {"contact": {"email": "y@acme.de"},
                          "company": {"country": "DE", "domain": "acme.de"}}},
                {"lead_id": "cold", "priority": "cold",
                 "lead": {"contact": {"email": "z@x.fr"}, "company": {"country": "FR"}}},
            ],
        }  # fmt: skip
        response = await http.post(f"{routing}/v1/simulate", json=draft)
        assert response.status_code == 200, response.text
        routes = {r["lead_id"]: r for r in response.json()["routes"]}
        assert sorted(routes[f"l{i}"]["rep_id"] for i in range(3)) == ["grete", "hans", "hans"]
        assert (routes["owned"]["rep_id"], routes["owned"]["rule"]) == ("rita", "account-owner")
        assert routes["cold"]["status"] == "nurture"
        teams = (await http.get(f"{routing}/v1/teams")).json()
        assert "dach" not in {t["id"] for t in teams}  # a simulation stores nothing


async def test_a_campaign_the_team_cannot_absorb_gets_a_capacity_warning(
    stack: Stack, services: Services
) -> None:
    campaign_id = f"launch-{uuid.uuid4().hex[:6]}"
    brief = CampaignBriefedV1(
        campaign_id=campaign_id,
        name="Big launch",
        offer="Free trial",
        starts_on=date(2026, 12, 7),
        ends_on=date(2026, 12, 7),
        expected_leads=50_000,
    )
    producer = create_producer(stack.bootstrap, client_id="e2e-intake")
    await producer.start()
    try:
        event = new_event(brief, subject=campaign_id, source="/handoff/intake")
        await producer.send_and_wait(
            MARKETING_CAMPAIGNS, value=event.to_bytes(), key=campaign_id.encode()
        )
    finally:
        await producer.stop()

    def is_warning(record: object) -> bool:
        event = decode(record.value)  # type: ignore[attr-defined]
        return isinstance(event.data, CampaignCapacityWarnedV1) and event.subject == campaign_id

    [record] = await read_topic(stack.bootstrap, MARKETING_CAMPAIGNS, is_warning, timeout=30)
    warning = decode(record.value).data
    assert isinstance(warning, CampaignCapacityWarnedV1)
    assert warning.team == "inbound"
    assert warning.expected_hot_leads > warning.capacity
