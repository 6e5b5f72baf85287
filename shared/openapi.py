"""The error responses every service documents, each with its schema and an example.

Errors leave a service in one shape (``shared.service.error_body``); this module makes the
OpenAPI document say so. ``document_errors`` post-processes a service's generated schema:
every operation gets 401/403/503 when it needs a key, 422 when it takes input (replacing
FastAPI's default validation schema, which is not what Handoff sends), and every error
response gets the ``Error`` schema and an example. Routes may still declare their own
error responses (``responses={404: {"description": "No such lead"}}``); the description
becomes the example's message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema


class ErrorField(BaseModel):
    field: str = Field(description="dotted path of the bad field in the request")
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, for programs: invalid_input, not_found, ...")
    message: str = Field(description="for people")
    fields: list[ErrorField] = []


class Error(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


_COMMON: dict[int, tuple[str, str, str, list[dict[str, str]]]] = {
    400: ("The body cannot be parsed", "bad_request", "There was an error parsing the body", []),
    401: (
        "No API key, or an unknown or revoked one",
        "unauthenticated",
        "missing or invalid API key",
        [],
    ),
    403: ("The API key lacks the scope", "forbidden", "this key lacks the sales scope", []),
    404: ("Not found", "not_found", "no such resource", []),
    409: ("Conflicts with the current state", "conflict", "the resource changed", []),
    413: ("Body over the size limit", "body_too_large", "request body over 65536 bytes", []),
    422: (
        "Invalid input; every bad field is named",
        "invalid_input",
        "invalid input: contact.email",
        [{"field": "contact.email", "message": "value is not a valid email address"}],
    ),
    429: ("Too many requests; retry after Retry-After", "rate_limited", "too many submissions", []),
    503: (
        "A dependency (PostgreSQL) is unavailable; nothing changed, retry after Retry-After",
        "unavailable",
        "database unavailable, retry",
        [],
    ),
}


def error_example(status: int, message: str | None = None) -> dict[str, Any]:
    """An example error body for ``status``; ``message`` overrides the generic one."""
    _, code, generic, fields = _COMMON.get(status, ("Error", "error", "error", []))
    return {"error": {"code": code, "message": message or generic, "fields": fields}}


def _is_error(status: str) -> bool:
    return status.isdigit() and int(status) >= 400


def _document_operation(path: str, operation: dict[str, Any], ref: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    needs = set()
    if operation.get("security"):
        needs |= {"401", "403"}
    if operation.get("security") or path.startswith("/v1/"):
        needs.add("503")
    if operation.get("requestBody") or operation.get("parameters"):
        needs.add("422")
    if operation.get("requestBody"):
        needs |= {"400", "413"}
    for status in sorted(needs):
        responses.setdefault(status, {"description": _COMMON[int(status)][0]})
    for status, response in responses.items():
        if not _is_error(status):
            continue
        declared = response.get("description") or ""
        specific = declared if declared and declared != _COMMON.get(int(status), ("",))[0] else None
        if status == "422" and declared == "Validation Error":
            response["description"] = _COMMON[422][0]
            specific = None
        media = response.setdefault("content", {}).setdefault("application/json", {})
        media["schema"] = {"$ref": ref}
        if "example" not in media and "examples" not in media:
            message = specific if status in ("404", "409") else None
            media["example"] = error_example(int(status), message)
            if status == "422" and not operation.get("requestBody"):
                media["example"] = _parameter_error(operation["parameters"][0])


def _parameter_error(parameter: dict[str, Any]) -> dict[str, Any]:
    """A 422 example naming the operation's own first parameter, as the service would."""
    name = f"{parameter.get('in', 'query')}.{parameter['name']}"
    field = {"field": name, "message": "Input should be a valid value"}
    return {
        "error": {"code": "invalid_input", "message": f"invalid input: {name}", "fields": [field]}
    }


RequestExamples = Mapping[tuple[str, str], Mapping[str, Any]]
"""Named example bodies per ``(method, path)``: ``{("post", "/v1/leads"): {"a lead": {}}}``."""


def document_errors(
    schema: dict[str, Any],
    request_examples: RequestExamples | None = None,
    models: Sequence[type[BaseModel]] = (),
) -> dict[str, Any]:
    """Give every operation its documented, exemplified errors and its request examples.

    ``models`` adds schemas that routes reference by hand (``openapi_extra``) but that
    FastAPI cannot see, so no ``$ref`` in the document dangles.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if models:
        _, extra = models_json_schema(
            [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
        )
        for name, definition in extra.get("$defs", {}).items():
            components.setdefault(name, definition)
    for model in (ErrorField, ErrorDetail, Error):
        components[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components[model.__name__].pop("$defs", None)
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                _document_operation(path, operation, "#/components/schemas/Error")
    for (method, path), examples in (request_examples or {}).items():
        operation = schema["paths"][path][method]
        media = operation["requestBody"]["content"]["application/json"]
        media["examples"] = {name: {"summary": name, "value": v} for name, v in examples.items()}
    return schema


def install_openapi(
    app: FastAPI,
    request_examples: RequestExamples | None = None,
    models: Sequence[type[BaseModel]] = (),
) -> None:
    """Make ``app.openapi()`` document Handoff's errors and examples (built once, cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = document_errors(schema, request_examples, models)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
