"""Closing the loop: outcomes posted to feedback reach scoring and change its learned model."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Services
from tests.support import eventually

pytestmark = pytest.mark.e2e

LEADS = 80


async def test_outcomes_reported_to_feedback_change_scorings_model_and_later_scores(
    services: Services,
) -> None:
    run = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(timeout=20, headers=services.admin) as http:
        before = (await http.get(f"{services.urls['scoring']}/v1/model")).json()
        leads: list[tuple[str, bool]] = []
        # Enough that, after the fifth held out to measure it, the model has the 30 it needs.
        for i in range(LEADS):
            good = i % 2 == 0
            body = {
                "contact": {"email": f"loop-{run}-{i}@{'bigco' if good else 'gmail'}.com"},
                "interest": {"form_type": "demo_request" if good else "newsletter"},
                "behaviour": {"visits": 6 if good else 1},
                "attribution": {"campaign_id": f"loop-{run}"},
            }
            response = await http.post(f"{services.urls['intake']}/v1/leads", json=body)
            assert response.status_code == 202, response.text
            leads.append((response.json()["lead_id"], good))

        async def scored(lead_id: str) -> bool:
            r = await http.get(f"{services.urls['scoring']}/v1/leads/{lead_id}/score")
            return r.status_code == 200

        async def all_scored() -> bool:
            return all([await scored(lead_id) for lead_id, _ in leads])

        await eventually(all_scored, timeout=90, every=0.5)

        outcomes = [
            {"lead_id": lead_id, "status": "won", "amount": "1000.00", "currency": "USD"}
            if good
            else {"lead_id": lead_id, "status": "lost", "reason": "no budget"}
            for lead_id, good in leads
        ]
        response = await http.post(f"{services.urls['feedback']}/v1/outcomes", json=outcomes)
        assert response.status_code in (200, 202), response.text

        model: dict[str, Any] = before
        for _ in range(360):  # the refit runs in the background every few seconds
            model = (await http.get(f"{services.urls['scoring']}/v1/model")).json()
            # A fixed share of outcomes is held out to measure the model, not to train it.
            seen = model["outcomes_learned"] + model["holdout_size"]
            if (
                seen >= before["outcomes_learned"] + before["holdout_size"] + LEADS
                and model["model_version"] != before["model_version"]
            ):
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"no new model within 180 s: before {before}, now {model}")

        fresh = await http.post(
            f"{services.urls['intake']}/v1/leads",
            json={
                "contact": {"email": f"loop-{run}-new@bigco.com"},
                "interest": {"form_type": "demo_request"},
                "behaviour": {"visits": 6},
            },
        )
        lead_id = fresh.json()["lead_id"]
        await eventually(lambda: scored(lead_id), timeout=60)
        score = (await http.get(f"{services.urls['scoring']}/v1/leads/{lead_id}/score")).json()
    assert score["model_version"] == model["model_version"]
    assert score["learned_probability"] is not None
