"""The errors every Handoff API may answer, written into each service's OpenAPI document.

Routes name the errors of their own logic (404, 409, ...); what the shared machinery adds
to every route — the API-key check, body parsing and its size limit, database outages —
is documented here once, with the one error shape (``shared.service.error_body``), so that
clients and contract tests see every status an operation can really return.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_KEYED = {
    "401": "No API key, or an unknown or revoked one",
    "403": "The key lacks the scope this operation needs",
}
_BODY = {
    "400": "The body cannot be parsed",
    "413": "Body over the size limit",
    "422": "Invalid input; every bad field is named",
}
_PARAMETERS = {"422": "Invalid input; every bad field is named"}
_OUTAGE = {"503": "Database or broker unavailable; nothing changed, retry"}
_METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error responses and the error schema to an OpenAPI document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            added: dict[str, str] = {}
            if operation.get("security"):
                added |= _KEYED
            if "requestBody" in operation:
                added |= _BODY
            if operation.get("parameters"):
                added |= _PARAMETERS
            if path.startswith("/v1/"):
                added |= _OUTAGE
            for status, description in added.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[0] not in "45":
                    continue
                content = response.get("content")
                if content is None or _is_fastapi_validation(content):
                    response["content"] = {"application/json": {"schema": _ERROR_REF}}
    return schema


def _is_fastapi_validation(content: dict[str, Any]) -> bool:
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return bool(ref.endswith("/HTTPValidationError"))


def with_documented_errors(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap an app's ``openapi`` method; the document is built once, then cached by FastAPI."""
    done: dict[int, dict[str, Any]] = {}

    def build() -> dict[str, Any]:
        schema = openapi()
        if id(schema) not in done:
            done.clear()
            done[id(schema)] = document_errors(schema)
        return schema

    return build
