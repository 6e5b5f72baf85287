"""Authentication and OWASP API3 on the running services: no key is a 401 and a key of the
wrong scope a 403 on each service; server-owned fields are refused with a 422 naming them,
and nothing is stored; answers never show key hashes or secrets."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import Services
from tests.support import eventually, intake_leads_with

pytestmark = pytest.mark.e2e

# (service, method, path, body, scope it needs) — one or more per service and scope.
PROTECTED = [
    ("intake", "POST", "/v1/leads", {"contact": {"email": "a@b.io"}}, "ingest"),
    ("intake", "GET", "/v1/campaigns", None, "marketing"),
    ("intake", "GET", "/v1/api-keys", None, "admin"),
    ("intake", "DELETE", f"/v1/leads/{uuid.uuid4()}", None, "admin"),
    ("scoring", "GET", "/v1/rules", None, "sales"),
    ("scoring", "POST", "/v1/rules/none/activate", None, "admin"),
    ("routing", "GET", "/v1/teams", None, "sales"),
    ("routing", "GET", "/v1/webhooks", None, "admin"),
    ("feedback", "POST", "/v1/outcomes", {"lead_id": "x", "status": "contacted"}, "sales"),
    ("feedback", "GET", "/v1/kpis", None, "marketing"),
    ("feedback", "GET", "/v1/webhook-sources", None, "admin"),
]


async def _key(http: httpx.AsyncClient, services: Services, scope: str) -> str:
    response = await http.post(
        f"{services.urls['intake']}/v1/api-keys",
        json={"name": f"audit-{scope}", "scopes": [scope]},
        headers=services.admin,
    )
    assert response.status_code == 201, response.text
    assert "key_hash" not in response.json()
    return str(response.json()["key"])


async def test_no_key_is_401_and_a_wrong_scope_is_403_everywhere(services: Services) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        keys = {s: await _key(http, services, s) for s in ("ingest", "sales", "marketing")}

        async def known_everywhere() -> bool:
            # An unknown key is a 401; once a service has it, a route of another scope is a 403.
            for name, path in [
                ("intake", "/v1/campaigns"),
                ("scoring", "/v1/rules"),
                ("routing", "/v1/teams"),
                ("feedback", "/v1/kpis"),
            ]:
                for key in keys.values():
                    r = await http.get(
                        services.urls[name] + path, headers={"Authorization": f"Bearer {key}"}
                    )
                    if r.status_code == 401:
                        return False
            return True

        await eventually(known_everywhere, timeout=30, every=0.3)
        for service, method, path, body, scope in PROTECTED:
            url = services.urls[service] + path
            anonymous = await http.request(method, url, json=body)
            assert anonymous.status_code == 401, (service, path, anonymous.text)
            assert anonymous.json()["error"]["code"] == "unauthenticated"
            wrong = next(k for s, k in keys.items() if s != scope)
            refused = await http.request(
                method, url, json=body, headers={"Authorization": f"Bearer {wrong}"}
            )
            assert refused.status_code == 403, (service, path, refused.text)
            assert scope in refused.json()["error"]["message"]
            if scope != "admin":
                allowed = await http.request(
                    method, url, json=body, headers={"Authorization": f"Bearer {keys[scope]}"}
                )
                assert allowed.status_code < 400, (service, path, allowed.text)


# (service, method, path, a valid body, server-owned fields a client might try to set)
MASS_ASSIGNMENT = [
    (
        "intake",
        "POST",
        "/v1/leads",
        {"contact": {"email": "api3-{tag}@bigco.com"}},
        {"score": 99, "owner": "rep-1", "status": "won", "lead_id": "x", "captured_at": "now"},
    ),
    (
        "intake",
        "POST",
        "/v1/api-keys",
        {"name": "api3-{tag}", "scopes": ["sales"]},
        {"key_hash": "0" * 64, "key_id": "mine", "revoked_at": None},
    ),
    (
        "intake",
        "POST",
        "/v1/campaigns",
        {"id": "api3-{tag}", "name": "API3"},
        {"created_at": "2020-01-01T00:00:00Z"},
    ),
    (
        "routing",
        "PUT",
        "/v1/reps/api3-{tag}",
        {"id": "api3-{tag}", "name": "Api Three", "team": "api3-nowhere"},
        {"rotation_pass": 0, "open_leads": 0},
    ),
    (
        "routing",
        "POST",
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/hooks", "event_types": ["lead.routed.v1"]},
        {"secret": "whsec_chosen", "id": "mine"},
    ),
    (
        "feedback",
        "POST",
        "/v1/outcomes",
        {"lead_id": "api3-{tag}", "status": "contacted"},
        {"recorded_at": "2020-01-01T00:00:00Z", "score": 5, "rep_name": "x"},
    ),
    (
        "feedback",
        "POST",
        "/v1/webhook-sources",
        {"id": "api3-{tag}"},
        {"secret": "whsec_chosen"},
    ),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "body", "owned"),
    MASS_ASSIGNMENT,
    ids=[f"{m[0]}:{m[1]}:{m[2]}" for m in MASS_ASSIGNMENT],
)
async def test_server_owned_fields_are_refused_by_name_and_nothing_is_stored(
    services: Services,
    service: str,
    method: str,
    path: str,
    body: dict[str, object],
    owned: dict[str, object],
) -> None:
    tag = uuid.uuid4().hex[:8]
    path = path.format(tag=tag)
    valid = {k: v.format(tag=tag) if isinstance(v, str) else v for k, v in body.items()}
    if service == "intake" and "contact" in valid:
        valid["contact"] = {"email": f"api3-{tag}@bigco.com"}
    async with httpx.AsyncClient(timeout=20, headers=services.admin) as http:
        url = services.urls[service] + path
        refused = await http.request(method, url, json={**valid, **owned})
        assert refused.status_code == 422, refused.text
        named = {f["field"] for f in refused.json()["error"]["fields"]}
        assert named == set(owned), refused.text
        # Nothing was stored: reading it back finds nothing.
        if service == "intake" and path == "/v1/leads":
            assert (
                await intake_leads_with(services.stack.database_url, f"api3-{tag}@bigco.com") == 0
            )
        elif path == "/v1/campaigns":
            missing = await http.get(f"{url}/api3-{tag}")
            assert missing.status_code == 404
        elif service == "routing" and path.startswith("/v1/reps/"):
            assert (await http.get(url)).status_code == 404
        elif path in ("/v1/api-keys", "/v1/webhooks", "/v1/webhook-sources"):
            listed = (await http.get(url)).json()
            assert not [x for x in listed if tag in str(x) or x.get("id") == "mine"]


async def test_answers_show_no_key_hashes_or_secrets(services: Services) -> None:
    async with httpx.AsyncClient(timeout=20, headers=services.admin) as http:
        for service, path in [
            ("intake", "/v1/api-keys"),
            ("routing", "/v1/webhooks"),
            ("feedback", "/v1/webhook-sources"),
        ]:
            response = await http.get(services.urls[service] + path)
            assert response.status_code == 200
            text = response.text
            assert "key_hash" not in text and "whsec_" not in text and '"secret"' not in text
