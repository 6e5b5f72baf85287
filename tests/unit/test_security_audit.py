"""Security audit of the four apps' routes, from the apps themselves (no server needed).

Every route needs an API key of some scope unless it is on the public allow-list below; every
body a client writes refuses fields it does not know (so server-owned ones cannot be set:
OWASP API3); and no response model exposes a key hash or a signing secret except the
one-time answers that hand out a new key or secret.
"""

from __future__ import annotations

import importlib
import types
import typing
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ValidationError

from services.feedback.schemas import OutcomeIn
from services.intake.schemas import LeadIn
from shared.auth import required_scopes
from shared.events import Scope

SERVICES = ("intake", "scoring", "routing", "feedback")

# (service, method, path) anyone may call; anything else needs a key.
PUBLIC = {
    *((s, "GET", p) for s in SERVICES for p in ("/healthz", "/readyz", "/metrics")),
    # The event contract is public documentation, like the OpenAPI document.
    *((s, "GET", "/asyncapi.json") for s in SERVICES),
    # Browsers post forms without a key: spam defences guard them (origin, token, rates).
    ("intake", "GET", "/v1/forms/embed.js"),
    ("intake", "GET", "/v1/forms/{form_id}/snippet"),
    ("intake", "GET", "/v1/forms/{form_id}/token"),
    ("intake", "OPTIONS", "/v1/forms/{form_id}/submissions"),
    ("intake", "POST", "/v1/forms/{form_id}/submissions"),
    # The dashboard's page and assets are static; its data comes from /v1/kpis with a key.
    ("feedback", "GET", "/dashboard"),
    # A CRM proves itself by the Handoff-Signature over the body instead of a key.
    ("feedback", "POST", "/v1/webhooks/{source_id}/outcomes"),
}
# FastAPI's documentation routes and static mounts (no dependencies at all).
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/dashboard/assets"}
# Answers that show a new key or secret once, by design.
SHOWN_ONCE = {"ApiKeyIssued", "WebhookCreated", "SourceCreated"}
SECRET_FIELDS = {"key_hash", "secret", "previous_secret", "password", "token_secret"}


def _app(service: str) -> FastAPI:
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app()
    return app


def _routes() -> Iterator[tuple[str, str, str, Dependant | None]]:
    for service in SERVICES:
        for route in iter_route_contexts(_app(service).routes):
            dependant = getattr(route, "dependant", None)
            for method in sorted(route.methods or {"MOUNT"}):
                if method != "HEAD":
                    yield service, method, str(route.path), dependant


def _scopes(dependant: Dependant) -> set[Scope]:
    found: set[Scope] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        found |= set(required_scopes(current.call) or ())
        pending.extend(current.dependencies)
    return found


ROUTES = list(_routes())


def test_the_audit_sees_every_service_and_its_api() -> None:
    assert {s for s, *_ in ROUTES} == set(SERVICES)
    assert len(ROUTES) > 60
    assert ("intake", "DELETE", "/v1/leads/{lead_id}") in {(s, m, p) for s, m, p, _ in ROUTES}


@pytest.mark.parametrize(
    ("service", "method", "path", "dependant"),
    ROUTES,
    ids=[f"{s}:{m}:{p}" for s, m, p, _ in ROUTES],
)
def test_every_route_needs_a_scoped_key_unless_public(
    service: str, method: str, path: str, dependant: Dependant | None
) -> None:
    if dependant is None:
        assert path in DOCS, f"{path} has no dependencies and is not documentation or assets"
        return
    scopes = _scopes(dependant)
    if (service, method, path) in PUBLIC:
        assert not scopes, f"{method} {path} is listed public but asks for {scopes}"
    else:
        assert scopes, f"{service}: {method} {path} needs require(Scope...) or the allow-list"


def test_the_public_list_names_only_existing_routes() -> None:
    existing = {(s, m, p) for s, m, p, _ in ROUTES}
    assert existing >= PUBLIC


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    """Every pydantic model inside a type (unions, lists, dicts, nested models)."""
    seen: set[type[BaseModel]] = set()
    pending = [annotation]
    while pending:
        current = pending.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            if current not in seen:
                seen.add(current)
                yield current
                pending.extend(f.annotation for f in current.model_fields.values())
        elif isinstance(current, types.UnionType) or typing.get_origin(current) is not None:
            pending.extend(typing.get_args(current))


# A what-if that stores nothing takes leads as events carry them (unknown fields ignored).
STORES_NOTHING = {("routing", "POST", "/v1/simulate")}


def _write_bodies() -> Iterator[tuple[str, str, str, object]]:
    for service, method, path, dependant in ROUTES:
        if (service, method, path) in STORES_NOTHING:
            continue
        if dependant is not None and method in {"POST", "PUT", "PATCH"}:
            for body in dependant.body_params:
                annotation = body.field_info.annotation
                # Feedback parses its one-or-many body itself, with OutcomeIn.
                yield service, method, path, OutcomeIn if annotation is typing.Any else annotation


BODIES = list(_write_bodies())


@pytest.mark.parametrize(
    ("service", "method", "path", "annotation"),
    BODIES,
    ids=[f"{s}:{m}:{p}" for s, m, p, _ in BODIES],
)
def test_write_bodies_refuse_fields_they_do_not_know(
    service: str, method: str, path: str, annotation: object
) -> None:
    for model in _models(annotation):
        if model is LeadIn:
            continue  # custom questions are kept; server-owned names are refused (next test)
        assert model.model_config.get("extra") == "forbid", (
            f"{service}: {method} {path}: {model.__name__} accepts unknown fields"
        )


def test_a_lead_cannot_carry_server_owned_fields() -> None:
    owned = ["score", "owner", "rep_id", "status", "lead_id", "captured_at", "grade", "priority"]
    body = {"contact": {"email": "ada@example.com"}, **dict.fromkeys(owned, "x")}
    with pytest.raises(ValidationError) as refused:
        LeadIn.model_validate(body)
    named = {str(e["loc"][0]) for e in refused.value.errors()}
    assert named == set(owned)


def test_no_response_exposes_key_hashes_or_secrets() -> None:
    for service in SERVICES:
        for route in iter_route_contexts(_app(service).routes):
            response_model = getattr(route, "response_model", None)
            for model in _models(response_model):
                if model.__name__ in SHOWN_ONCE:
                    continue
                exposed = SECRET_FIELDS & set(model.model_fields)
                assert not exposed, f"{service} {route.path}: {model.__name__} shows {exposed}"
