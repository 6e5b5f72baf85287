"""API keys: issued by intake, accepted by every service, scoped, rotated and revoked."""

from __future__ import annotations

from collections.abc import Awaitable

import httpx
import pytest

from tests.e2e.conftest import Services
from tests.support import eventually

pytestmark = pytest.mark.e2e

LEAD = {"contact": {"email": "keys@example.com"}}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_calls_without_a_valid_key_are_refused(services: Services) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        missing = await http.post(f"{services.urls['intake']}/v1/leads", json=LEAD)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["error"]["code"] == "unauthenticated"
        wrong = await http.get(
            f"{services.urls['feedback']}/v1/kpis", headers=bearer("hk_nope_not-a-key")
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["message"] == "unknown or revoked API key"


async def test_an_issued_key_works_on_every_service_within_its_scopes(services: Services) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{services.urls['intake']}/v1/api-keys",
            json={"name": "crm", "scopes": ["sales"]},
            headers=services.admin,
        )
        assert response.status_code == 201, response.text
        issued = response.json()
        assert issued["key"].startswith("hk_") and issued["scopes"] == ["sales"]
        key = issued["key"]

        async def accepted_by_feedback() -> bool:
            body = {"lead_id": "lead-k", "status": "contacted"}
            r = await http.post(
                f"{services.urls['feedback']}/v1/outcomes", json=body, headers=bearer(key)
            )
            return r.status_code == 202

        await eventually(accepted_by_feedback, timeout=15)

        refused = await http.post(
            f"{services.urls['intake']}/v1/leads", json=LEAD, headers=bearer(key)
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "this key lacks the 'ingest' scope"
        kpis = await http.get(f"{services.urls['feedback']}/v1/kpis", headers=bearer(key))
        assert kpis.status_code == 403
        not_admin = await http.get(f"{services.urls['intake']}/v1/api-keys", headers=bearer(key))
        assert not_admin.status_code == 403

        listed = (
            await http.get(f"{services.urls['intake']}/v1/api-keys", headers=services.admin)
        ).json()
        assert issued["key_id"] in {k["key_id"] for k in listed}
        assert all("key" not in k and "key_hash" not in k for k in listed)


async def test_a_rotated_key_stops_working_everywhere_and_its_successor_starts(
    services: Services,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        old = (
            await http.post(
                f"{services.urls['intake']}/v1/api-keys",
                json={"name": "webinar-tool", "scopes": ["ingest", "sales"]},
                headers=services.admin,
            )
        ).json()

        async def routing_status(key: str) -> int:
            r = await http.get(
                f"{services.urls['routing']}/v1/leads/unknown/assignment", headers=bearer(key)
            )
            return r.status_code

        await eventually(lambda: _is(routing_status(old["key"]), 404), timeout=15)

        rotated = await http.post(
            f"{services.urls['intake']}/v1/api-keys/{old['key_id']}/rotate", headers=services.admin
        )
        assert rotated.status_code == 201
        new = rotated.json()
        assert (new["name"], new["scopes"]) == ("webinar-tool", ["ingest", "sales"])

        await eventually(lambda: _is(routing_status(old["key"]), 401), timeout=15)
        await eventually(lambda: _is(routing_status(new["key"]), 404), timeout=15)
        gone = await http.delete(
            f"{services.urls['intake']}/v1/api-keys/nope", headers=services.admin
        )
        assert gone.status_code == 404


async def _is(status: Awaitable[int], expected: int) -> bool:
    return (await status) == expected
