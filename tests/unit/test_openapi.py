"""Each service's OpenAPI document is whole: every reference resolves, every keyed operation
documents 401 and 403, and every error answer has the one error schema."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

SERVICES = ("intake", "scoring", "routing", "feedback")


def _document(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"services.{service}.app").create_app()
    document: dict[str, Any] = app.openapi()
    return document


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


@pytest.mark.parametrize("service", SERVICES)
def test_every_reference_resolves(service: str) -> None:
    document = _document(service)
    defined = set(document["components"]["schemas"])
    missing = {r for r in _refs(document) if r.rsplit("/", 1)[-1] not in defined}
    assert not missing


@pytest.mark.parametrize("service", SERVICES)
def test_keyed_operations_document_401_403_and_errors_have_the_error_schema(
    service: str,
) -> None:
    for path, item in _document(service)["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), f"{method} {path}"
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path}"
