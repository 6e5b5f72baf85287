"""The errors a service raises on purpose, each with a stable code and an HTTP status.

Service code raises these; ``shared.service`` maps them to JSON responses in one place.
A consumer handler raising ``InvalidInput`` marks the message as permanently unhandleable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FieldError:
    """One bad field, named by its dotted path in the request body."""

    field: str
    message: str


@dataclass
class HandoffError(Exception):
    """Base of the deliberate errors; ``message`` is meant for the API client."""

    message: str
    fields: list[FieldError] = field(default_factory=list)
    code = "error"
    status = 500

    def __str__(self) -> str:
        return self.message


class InvalidInput(HandoffError):
    code = "invalid_input"
    status = 422


class Unauthenticated(HandoffError):
    code = "unauthenticated"
    status = 401


class Forbidden(HandoffError):
    code = "forbidden"
    status = 403


class NotFound(HandoffError):
    code = "not_found"
    status = 404


class Conflict(HandoffError):
    code = "conflict"
    status = 409


class Unavailable(HandoffError):
    code = "unavailable"
    status = 503


def invalid_input_from(message: str, exc: ValidationError) -> InvalidInput:
    """Turn pydantic's errors into an InvalidInput that names each bad field by dotted path."""
    fields = [
        FieldError(".".join(str(p) for p in err["loc"]) or "body", err["msg"])
        for err in exc.errors()
    ]
    return InvalidInput(message, fields)


def load_config_file(model: type[M], path: Path) -> M:
    """Read a JSON configuration file into ``model``; InvalidInput names each bad field."""
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise invalid_input_from(f"invalid {path.name}", exc) from exc
