"""Every service's OpenAPI document: request examples that fit, errors with examples."""

from __future__ import annotations

import importlib
from typing import Any

import jsonschema
import pytest

from shared.openapi import document_errors

SERVICES = ("intake", "scoring", "routing", "feedback")
METHODS = {"get", "put", "post", "patch", "delete"}


def openapi(service: str) -> dict[str, Any]:
    schema: dict[str, Any] = (
        importlib.import_module(f"services.{service}.app").create_app().openapi()
    )
    return schema


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """Validate against ``schema`` with ``#/components/...`` refs resolved in ``doc``."""
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_has_examples_that_fit_its_schema(service: str) -> None:
    doc = openapi(service)
    bodies = [(m, p, op) for m, p, op in operations(doc) if "requestBody" in op]
    assert bodies
    for method, path, op in bodies:
        media = op["requestBody"]["content"]["application/json"]
        examples = media.get("examples")
        assert examples, f"{method.upper()} {path} has no request example"
        check = validator(doc, media["schema"])
        for name, example in examples.items():
            errors = [e.message for e in check.iter_errors(example["value"])]
            assert errors == [], (method, path, name, errors)


@pytest.mark.parametrize("service", SERVICES)
def test_every_documented_error_response_carries_an_example_of_the_error_shape(
    service: str,
) -> None:
    doc = openapi(service)
    error_schema = validator(doc, {"$ref": "#/components/schemas/Error"})
    seen = 0
    for method, path, op in operations(doc):
        for status, response in op["responses"].items():
            if not (status.isdigit() and int(status) >= 400):
                continue
            seen += 1
            media = response.get("content", {}).get("application/json", {})
            assert media.get("schema") == {"$ref": "#/components/schemas/Error"}, (path, status)
            examples = [media["example"]] if "example" in media else []
            examples += [e["value"] for e in media.get("examples", {}).values()]
            assert examples, f"{method.upper()} {path} {status} has no example"
            for example in examples:
                error_schema.validate(example)
        if op.get("security"):
            assert {"401", "403"} <= set(op["responses"]), (method, path)
        if "requestBody" in op:
            assert "422" in op["responses"], (method, path)
    assert seen > 0
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_a_declared_description_becomes_the_example_message() -> None:
    doc = {
        "paths": {
            "/v1/things/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path"}],
                    "security": [{"HTTPBearer": []}],
                    "responses": {"200": {"description": "OK"}, "404": {"description": "No thing"}},
                }
            }
        }
    }
    responses = document_errors(doc)["paths"]["/v1/things/{id}"]["get"]["responses"]
    assert set(responses) == {"200", "401", "403", "404", "422", "503"}
    example = responses["404"]["content"]["application/json"]["example"]
    assert example == {"error": {"code": "not_found", "message": "No thing", "fields": []}}
    assert responses["422"]["content"]["application/json"]["example"]["error"]["fields"]


def _body_models() -> dict[tuple[str, str, str], Any]:
    from services.feedback.schemas import OutcomeIn, SpendIn
    from services.feedback.webhooks import SourceCreate
    from services.intake.api_keys import ApiKeyCreate
    from services.intake.schemas import CampaignIn, FormConfig, LeadIn
    from services.routing.org import AccountConfig, OrgConfig, RepConfig, TeamConfig
    from services.routing.rules import RuleSet
    from services.routing.schemas import (
        AcceptBody,
        DeclineBody,
        RepPatch,
        SimulateBody,
        WebhookCreate,
    )
    from services.scoring.config import RuleSet as ScoringRuleSet

    return {
        ("intake", "post", "/v1/leads"): LeadIn,
        ("intake", "post", "/v1/campaigns"): CampaignIn,
        ("intake", "put", "/v1/forms/{form_id}"): FormConfig,
        ("intake", "post", "/v1/api-keys"): ApiKeyCreate,
        ("scoring", "post", "/v1/rules"): ScoringRuleSet,
        ("routing", "post", "/v1/assignments/{assignment_id}/accept"): AcceptBody,
        ("routing", "post", "/v1/assignments/{assignment_id}/decline"): DeclineBody,
        ("routing", "post", "/v1/simulate"): SimulateBody,
        ("routing", "put", "/v1/teams/{team_id}"): TeamConfig,
        ("routing", "put", "/v1/reps/{rep_id}"): RepConfig,
        ("routing", "patch", "/v1/reps/{rep_id}"): RepPatch,
        ("routing", "put", "/v1/accounts/{account_id}"): AccountConfig,
        ("routing", "post", "/v1/org"): OrgConfig,
        ("routing", "put", "/v1/rules"): RuleSet,
        ("routing", "post", "/v1/webhooks"): WebhookCreate,
        ("feedback", "post", "/v1/outcomes"): OutcomeIn,
        ("feedback", "post", "/v1/webhooks/{source_id}/outcomes"): OutcomeIn,
        ("feedback", "post", "/v1/webhook-sources"): SourceCreate,
        ("feedback", "post", "/v1/campaigns/{campaign_id}/spend"): SpendIn,
    }


@pytest.mark.parametrize("service", SERVICES)
def test_request_examples_pass_the_services_own_validators(service: str) -> None:
    """JSON Schema cannot express cross-field rules (one e-mail field per form, start < end)."""
    models = _body_models()
    examples = importlib.import_module(f"services.{service}.openapi_examples").REQUESTS
    for (method, path), named in examples.items():
        model = models[(service, method, path)]
        for value in named.values():
            for item in value if isinstance(value, list) else [value]:
                model.model_validate(item)
