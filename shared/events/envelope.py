"""The one envelope every Handoff event travels in (CloudEvents 1.0 attribute names, JSON)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class EventData(BaseModel):
    """Base of every event payload: frozen, and tied to one versioned type and one topic."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]


D = TypeVar("D", bound=EventData)


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp Handoff writes is UTC."""
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[D]):
    """A CloudEvent: ``subject`` is the lead id and Kafka key; ``id`` makes handling idempotent."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    source: str
    time: datetime = Field(default_factory=utcnow)
    subject: str
    datacontenttype: Literal["application/json"] = "application/json"
    data: D

    @property
    def topic(self) -> str:
        """The topic this event is published on, fixed by its type."""
        return self.data.topic

    def to_bytes(self) -> bytes:
        """Serialise for Kafka."""
        return self.model_dump_json().encode()


class EventDecodeError(ValueError):
    """Raised when bytes are not a valid Handoff event; such a message can never be handled."""


_REGISTRY: dict[str, type[EventData]] = {}


def register(model: type[D]) -> type[D]:
    """Class decorator adding an event model to the registry of known types."""
    if model.event_type in _REGISTRY:
        raise ValueError(f"event type {model.event_type} registered twice")
    _REGISTRY[model.event_type] = model
    return model


def registry() -> dict[str, type[EventData]]:
    """A copy of the known event types, for documentation and tests."""
    return dict(_REGISTRY)


def new_event(
    data: D, *, subject: str, source: str, event_id: uuid.UUID | None = None
) -> Envelope[D]:
    """Wrap a payload in a fresh envelope; pass ``event_id`` to derive a deterministic id."""
    fields: dict[str, Any] = {"type": data.event_type, "source": source, "subject": subject}
    if event_id is not None:
        fields["id"] = event_id
    envelope: Envelope[D] = Envelope[type(data)](data=data, **fields)  # type: ignore[misc,operator]
    return envelope


def decode(raw: bytes | None) -> Envelope[EventData]:
    """Parse Kafka bytes into a typed envelope, or raise EventDecodeError saying why."""
    if raw is None:
        raise EventDecodeError("message has no value")
    try:
        head = _Head.model_validate_json(raw)
    except ValidationError as exc:
        raise EventDecodeError(f"not an event envelope: {_first_error(exc)}") from exc
    model = _REGISTRY.get(head.type)
    if model is None:
        raise EventDecodeError(f"unknown event type {head.type!r}")
    try:
        return Envelope[model].model_validate_json(raw)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise EventDecodeError(f"invalid {head.type}: {_first_error(exc)}") from exc


class _Head(BaseModel):
    """Just enough of an envelope to find its type before validating the payload."""

    type: str
    data: dict[str, Any]


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"
