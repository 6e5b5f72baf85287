"""The ``handoff`` command-line tool against the running services, as an operator runs it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import ADMIN_KEY, Services
from tests.support import eventually, free_port

pytestmark = pytest.mark.e2e


def cli(services: Services, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``handoff ARGS`` as a separate process pointed at the test services."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    environ |= {f"HANDOFF_{name.upper()}_URL": url for name, url in services.urls.items()}
    environ |= {"HANDOFF_API_KEY": ADMIN_KEY, "COLUMNS": "200", **env}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def acli(services: Services, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(cli, services, *args, **env)


async def test_trace_shows_the_whole_journey_in_order(services: Services) -> None:
    email = f"trace-{uuid.uuid4().hex[:8]}@northwind-traders.com"
    lead = {
        "contact": {"email": email, "job_title": "Head of Operations"},
        "company": {"name": "Northwind Traders", "size": 300, "country": "GB"},
        "interest": {"product": "GTX Pro", "form_type": "demo_request"},
        "attribution": {"channel": "webinar", "campaign_id": "trace-campaign"},
    }
    urls = services.urls
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        response = await http.post(f"{urls['intake']}/v1/leads", json=lead)
        assert response.status_code == 202, response.text
        lead_id = response.json()["lead_id"]

        async def routed() -> dict[str, Any] | None:
            answer = await http.get(f"{urls['routing']}/v1/leads/{lead_id}/assignment")
            return answer.json() if answer.status_code == 200 else None

        assignment = await eventually(routed, timeout=60)
        accept = f"{urls['routing']}/v1/assignments/{assignment['id']}/accept"
        assert (await http.post(accept, json={})).status_code == 200
        outcome = {"lead_id": lead_id, "status": "contacted", "outcome_id": f"c-{lead_id}"}
        posted = await http.post(f"{urls['feedback']}/v1/outcomes", json=outcome)
        assert posted.status_code in (200, 202), posted.text

        async def outcomes_known() -> bool:
            answer = await http.get(f"{urls['feedback']}/v1/leads/{lead_id}/outcomes")
            statuses = {o["status"] for o in answer.json()["outcomes"]} if answer.is_success else {}
            return {"accepted", "contacted"} <= set(statuses)

        await eventually(outcomes_known, timeout=60)

        # The read endpoints trace uses are authenticated and validate their input.
        async with httpx.AsyncClient(timeout=10) as anonymous:
            no_key = await anonymous.get(f"{urls['intake']}/v1/leads/{lead_id}")
        assert no_key.status_code == 401
        bad = await http.get(f"{urls['intake']}/v1/leads", params={"email": "not-an-address"})
        assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "email"

    result = await acli(services, "--json", "trace", lead_id)
    assert result.returncode == 0, result.stderr
    trace = json.loads(result.stdout)
    assert trace["lead_id"] == lead_id and trace["email"] == email
    steps = [s["step"] for s in trace["steps"]]
    for expected in ("captured", "scored", "routed", "accepted", "outcome: contacted"):
        assert expected in steps, steps
    assert steps[0] == "captured"
    assert steps.index("scored") < steps.index("routed") < steps.index("accepted")
    times = [s["since_capture_seconds"] for s in trace["steps"]]
    assert times == sorted(times) and times[0] == 0
    scored = trace["steps"][steps.index("scored")]
    assert trace["score"]["model_version"] in scored["detail"]
    routed_step = trace["steps"][steps.index("routed")]
    assert assignment["rule"] in routed_step["detail"]
    assert trace["feedback"]["routed"]["team"] == assignment["team"]

    by_email = await acli(services, "trace", email.upper())
    assert by_email.returncode == 0, by_email.stderr
    assert lead_id in by_email.stdout
    for word in ("captured", "scored", "routed", "accepted", "outcome: contacted"):
        assert word in by_email.stdout


async def test_trace_of_an_unknown_lead_or_address_fails_clearly(services: Services) -> None:
    missing = str(uuid.uuid4())
    result = await acli(services, "trace", missing)
    assert result.returncode != 0
    assert f"unknown lead {missing}" in result.stderr
    assert result.stdout == ""

    result = await acli(services, "trace", "nobody-at-all@nowhere.example")
    assert result.returncode != 0
    assert "no lead with e-mail nobody-at-all@nowhere.example" in result.stderr

    result = await acli(services, "trace", "not-a-lead")
    assert result.returncode != 0
    assert "neither a lead id" in result.stderr


async def test_an_unreachable_service_or_a_refused_key_is_named(services: Services) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = await acli(services, "trace", str(uuid.uuid4()), HANDOFF_INTAKE_URL=dead)
    assert result.returncode != 0
    assert f"intake is unreachable at {dead}" in result.stderr

    result = await acli(services, "trace", str(uuid.uuid4()), HANDOFF_API_KEY="hk_" + "x" * 40)
    assert result.returncode != 0
    assert "refused the API key" in result.stderr


DRAFT = {
    "org": {
        "teams": [{"id": "uk", "name": "UK"}, {"id": "rest", "name": "Rest of world"}],
        "reps": [
            {"id": "uk-ann", "name": "Ann", "team": "uk"},
            {"id": "uk-bob", "name": "Bob", "team": "uk"},
            {"id": "rest-cy", "name": "Cy", "team": "rest"},
        ],
    },
    "rules": {
        "rules": [
            {
                "id": "uk",
                "conditions": [{"field": "country", "op": "eq", "value": "GB"}],
                "team": "uk",
            }
        ],
        "default_team": "rest",
    },
}
CSV = """email,Company,country,size,product,priority
a@one.co.uk,One,GB,120,GTX Pro,warm
b@two.co.uk,Two,United Kingdom,40,GTX Pro,warm
c@three.co.uk,Three,gb,900,GTX Basic,warm
d@four.co.uk,Four,GBR,12,GTX Pro,warm
e@five.com,Five,US,3000,GTX Pro,warm
f@six.de,Six,DE,75,,warm
"""


async def test_simulate_summarises_where_a_batch_would_go(
    services: Services, tmp_path: Path
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(CSV)
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(DRAFT))

    result = await acli(services, "simulate", str(leads), "--rules", str(draft), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["leads"] == 6
    assert summary["by_team"] == {"uk": 4, "rest": 2}
    assert {(r["holder"], r["leads"]) for r in summary["by_rep"]} == {
        ("uk-ann", 2),
        ("uk-bob", 2),
        ("rest-cy", 2),
    }
    assert summary["by_rule"]["uk"] == 4
    assert summary["routes"][0]["email"] == "a@one.co.uk"
    assert [r["team"] for r in summary["routes"]][:4] == ["uk"] * 4

    current = await acli(services, "simulate", str(leads))
    assert current.returncode == 0, current.stderr
    assert "6 leads under the current rule set" in current.stdout

    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        answer = await http.get(f"{services.urls['routing']}/v1/teams")
        assert {t["id"] for t in answer.json()}.isdisjoint({"uk", "rest"}), "nothing stored"


async def test_simulate_refuses_bad_rows_and_bad_drafts_before_any_call(
    services: Services, tmp_path: Path
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("email,country,score\nok@fine.com,GB,50\nnope,Atlantis,high\n")
    result = await acli(services, "simulate", str(leads))
    assert result.returncode != 0
    assert f"{leads}:3: country:" in result.stderr
    assert f"{leads}:3: score: 'high'" in result.stderr

    good = tmp_path / "good.csv"
    good.write_text("email,country\nok@fine.com,GB\n")
    broken = {**DRAFT, "rules": {"rules": [{"id": "x", "team": "nowhere"}], "default_team": "uk"}}
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(broken))
    result = await acli(services, "simulate", str(good), "--rules", str(draft))
    assert result.returncode != 0
    assert "rules.rules.0.team: unknown team 'nowhere'" in result.stderr

    result = await acli(services, "simulate", str(tmp_path / "missing.csv"))
    assert result.returncode != 0
    assert "no such file" in result.stderr
