"""Scoring's rules API and model report on the running service."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import Services

pytestmark = pytest.mark.e2e


async def test_rules_are_validated_versioned_and_changed_only_by_admins(
    services: Services,
) -> None:
    url = services.urls["scoring"]
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        active = (await http.get(f"{url}/v1/rules")).json()
        assert active["active"] is True
        body = active["rules"] | {"version": f"e2e-{uuid.uuid4().hex[:8]}"}

        bad = body | {"priority": {"hot": 30, "warm": 60}}
        refused = await http.post(f"{url}/v1/rules", json=bad)
        assert refused.status_code == 422
        assert [f["field"] for f in refused.json()["error"]["fields"]] == ["priority"]
        async with httpx.AsyncClient(timeout=10) as anonymous:
            unauthenticated = await anonymous.post(f"{url}/v1/rules", json=body)
        assert unauthenticated.status_code == 401

        created = await http.post(f"{url}/v1/rules", params={"activate": "false"}, json=body)
        assert created.status_code == 201, created.text
        assert created.json()["active"] is False
        again = await http.post(f"{url}/v1/rules", params={"activate": "false"}, json=body)
        assert again.status_code == 200
        changed = body | {"weights": {"fit": 0.7, "intent": 0.3}}
        conflict = await http.post(f"{url}/v1/rules", params={"activate": "false"}, json=changed)
        assert conflict.status_code == 409

        versions = (await http.get(f"{url}/v1/rules/versions")).json()["versions"]
        assert body["version"] in {v["version"] for v in versions}
        assert (await http.get(f"{url}/v1/rules")).json()["config_version"] == active[
            "config_version"
        ]  # the refused and the inactive versions changed nothing
        missing = await http.post(f"{url}/v1/rules/no-such-version/activate")
        assert missing.status_code == 404


async def test_the_model_report_names_version_size_and_quality(services: Services) -> None:
    async with httpx.AsyncClient(timeout=10, headers=services.admin) as http:
        report = (await http.get(f"{services.urls['scoring']}/v1/model")).json()
    assert isinstance(report["model_version"], str) and report["model_version"]
    assert isinstance(report["outcomes_learned"], int)
    assert isinstance(report["holdout_size"], int)
    assert report["auc"] is None or 0 <= report["auc"] <= 1
    assert isinstance(report["calibration"], list)
    async with httpx.AsyncClient(timeout=10) as anonymous:
        refused = await anonymous.get(f"{services.urls['scoring']}/v1/model")
    assert refused.status_code == 401
