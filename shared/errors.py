"""The errors a service raises on purpose, each with a stable code and an HTTP status.

Service code raises these; ``shared.service`` maps them to JSON responses in one place.
A consumer handler raising ``InvalidInput`` marks the message as permanently unhandleable.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


class NotFound(HandoffError):
    code = "not_found"
    status = 404


class Conflict(HandoffError):
    code = "conflict"
    status = 409


class Unavailable(HandoffError):
    code = "unavailable"
    status = 503
