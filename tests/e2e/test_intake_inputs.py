"""Every way a submission can be bad gets its documented status and stores nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.e2e.conftest import Services
from tests.support import intake_leads_with

pytestmark = pytest.mark.e2e

ORIGIN = "https://www.example.com"


def form_config(form_id: str) -> dict[str, Any]:
    return {
        "id": form_id,
        "name": "Inputs test",
        "allowed_origins": [ORIGIN],
        "fields": [
            {
                "name": "email",
                "label": "Work e-mail",
                "lead_field": "contact.email",
                "required": True,
            },
            {"name": "company", "label": "Company", "lead_field": "company.name"},
            {"name": "occupation", "label": "Occupation"},
        ],
        "form_type": "demo_request",
        "campaign_id": "inputs",
        "thank_you_url": f"{ORIGIN}/thanks",
        "min_fill_seconds": 0,
    }


@pytest.fixture
async def http(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=services.urls["intake"], headers=services.admin, timeout=20
    ) as client:
        yield client


async def stored(stack: Stack, email: str) -> int:
    return await intake_leads_with(stack.database_url, email)


def unique_email() -> str:
    return f"in-{uuid.uuid4().hex[:10]}@example.com"


def fields_of(response: httpx.Response) -> set[str]:
    return {f["field"] for f in response.json()["error"]["fields"]}


async def test_malformed_json_is_a_422(http: httpx.AsyncClient, stack: Stack) -> None:
    email = unique_email()
    response = await http.post(
        "/v1/leads",
        content=b'{"contact": {"email": "' + email.encode() + b'"',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert await stored(stack, email) == 0


async def test_wrong_types_and_a_missing_email_are_named(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    response = await http.post(
        "/v1/leads",
        json={"contact": {"first_name": "Ada"}, "company": {"size": "many"}, "owner": "bob"},
    )
    assert response.status_code == 422
    assert fields_of(response) == {"contact.email", "company.size", "owner"}
    missing = await http.post("/v1/leads", json={"company": {"name": "Acme"}})
    assert missing.status_code == 422 and fields_of(missing) == {"contact"}


async def test_an_oversize_body_is_a_413(http: httpx.AsyncClient, stack: Stack) -> None:
    email = unique_email()
    body = {"contact": {"email": email}, "interest": {"message": "x" * 70_000}}
    response = await http.post("/v1/leads", json=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert await stored(stack, email) == 0


async def test_a_replayed_idempotency_key_returns_the_first_answer(
    http: httpx.AsyncClient, stack: Stack
) -> None:
    email, key = unique_email(), f"retry-{uuid.uuid4()}"
    body = {"contact": {"email": email}}
    first = await http.post("/v1/leads", json=body, headers={"Idempotency-Key": key})
    again = await http.post("/v1/leads", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await http.post(
        "/v1/leads", json={"contact": {"email": unique_email()}}, headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422
    assert fields_of(other) == {"Idempotency-Key"}
    assert await stored(stack, email) == 1


async def test_form_submissions_from_browsers(
    http: httpx.AsyncClient, services: Services, stack: Stack
) -> None:
    form_id = f"inputs-{uuid.uuid4().hex[:6]}"
    assert (await http.put(f"/v1/forms/{form_id}", json=form_config(form_id))).status_code == 201
    token = (await http.get(f"/v1/forms/{form_id}/token")).json()["token"]
    url = f"{services.urls['intake']}/v1/forms/{form_id}/submissions"
    async with httpx.AsyncClient(timeout=20, headers={"Origin": ORIGIN}) as browser:
        email = unique_email()
        plain = await browser.post(
            url, data={"email": email, "occupation": "Engineer", "_handoff_token": token}
        )
        assert plain.status_code == 303
        assert plain.headers["location"] == f"{ORIGIN}/thanks"
        assert plain.headers["access-control-allow-origin"] == ORIGIN
        assert await stored(stack, email) == 1

        json_answer = {"Accept": "application/json"}
        bot = unique_email()
        trapped = await browser.post(
            url,
            data={"email": bot, "website": "http://spam.example", "_handoff_token": token},
            headers=json_answer,
        )
        assert trapped.status_code == 202 and trapped.json()["status"] == "accepted"
        assert await stored(stack, bot) == 0

        invalid = await browser.post(
            url, data={"email": "not-an-email", "_handoff_token": token}, headers=json_answer
        )
        assert invalid.status_code == 422 and fields_of(invalid) == {"email"}
        no_token = await browser.post(url, data={"email": unique_email()}, headers=json_answer)
        assert no_token.status_code == 422 and fields_of(no_token) == {"_handoff_token"}
        html_error = await browser.post(url, data={"email": "", "_handoff_token": token})
        assert html_error.status_code == 422
        assert "Work e-mail is required" in html_error.text

        stranger = unique_email()
        wrong_origin = await browser.post(
            url,
            data={"email": stranger, "_handoff_token": token},
            headers={"Origin": "https://evil.example", **json_answer},
        )
        assert wrong_origin.status_code == 403
        assert wrong_origin.json()["error"]["code"] == "origin_not_allowed"
        unknown = await browser.post(
            f"{services.urls['intake']}/v1/forms/no-such-form/submissions",
            data={"email": stranger},
            headers=json_answer,
        )
        assert unknown.status_code == 404
        assert await stored(stack, stranger) == 0

        preflight = await browser.options(url, headers={"Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 204
        assert "Idempotency-Key" in preflight.headers["access-control-allow-headers"]

    metrics = (await http.get("/metrics")).text
    for reason in ("honeypot", "origin", "unknown_form", "token_missing", "invalid"):
        assert f'handoff_intake_rejections_total{{reason="{reason}"}}' in metrics


async def test_a_form_config_that_cannot_work_is_refused(http: httpx.AsyncClient) -> None:
    config = form_config("broken")
    config["fields"] = config["fields"][1:]
    config["allowed_origins"] = ["not a url"]
    response = await http.put("/v1/forms/broken", json=config)
    assert response.status_code == 422
    assert "allowed_origins.0" in fields_of(response)
    assert (await http.get("/v1/forms/broken")).status_code == 404
