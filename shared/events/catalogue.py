"""Who produces and who consumes each event: the one table the AsyncAPI document and the
README's event catalogue are generated from.

A test compares the consumers named here with the handlers each service registers, so the
table cannot drift from the code. Parties outside Handoff (sales and marketing tools) are
listed apart from the services: they appear in the documentation, not in the operations.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import models, topics
from shared.events.envelope import EventData, registry

SERVICES: tuple[str, ...] = ("intake", "scoring", "routing", "feedback")
"""The Handoff services, in pipeline order."""

PORTS: dict[str, int] = {"intake": 8001, "scoring": 8002, "routing": 8003, "feedback": 8004}
"""Each service's port on a local stack (``make up``)."""


@dataclass(frozen=True)
class Header:
    """A Kafka record header a producer sets; consumers may filter on it."""

    name: str
    description: str
    example: str


COMMON_HEADERS: tuple[Header, ...] = (
    Header("ce_type", "the envelope's `type`, to filter without parsing", "lead.scored.v1"),
    Header("ce_id", "the envelope's `id`", "0b9c6c52-3f7e-4a57-9d55-8f0f4a7f3d11"),
)
"""Headers the transactional outbox puts on every event (``shared.outbox.Outbox.add``)."""

DLQ_HEADERS: tuple[Header, ...] = (
    Header("dlq.error", "the error, `<type>: <message>`", "InvalidInput: lead_id: Field required"),
    Header("dlq.error.type", "the exception's class name", "InvalidInput"),
    Header("dlq.original.topic", "where the message was read", "sales.outcomes"),
    Header("dlq.original.partition", "its partition there", "2"),
    Header("dlq.original.offset", "its offset there", "1042"),
    Header("dlq.attempts", "how often it was tried", "4"),
    Header("dlq.consumer.group", "the consumer group that gave up", "handoff-feedback"),
    Header("dlq.failed_at", "when, ISO 8601 UTC", "2026-03-02T09:15:04.120000+00:00"),
)
"""Headers a dead-lettered message carries besides its original ones
(``shared.kafka.runner.dead_letter_headers``)."""


@dataclass(frozen=True)
class EventSpec:
    """One released event type and the parties on either side of it."""

    model: type[EventData]
    key: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    external_producers: tuple[str, ...] = ()
    external_consumers: tuple[str, ...] = ()
    headers: tuple[Header, ...] = ()
    note: str = ""

    @property
    def event_type(self) -> str:
        return self.model.event_type

    @property
    def name(self) -> str:
        """``lead.routed.v1`` without its version: ``lead.routed``."""
        return self.event_type.rsplit(".", 1)[0]

    @property
    def version(self) -> int:
        return int(self.event_type.rsplit(".v", 1)[1])

    @property
    def topic(self) -> str:
        return self.model.topic


_TEAM = Header(
    "team", "the team the lead was routed to: a team's tool filters on it", "na-enterprise"
)

CATALOGUE: tuple[EventSpec, ...] = (
    EventSpec(models.LeadCapturedV1, "lead id", ("intake",), ("scoring",)),
    EventSpec(
        models.LeadTouchedV1,
        "lead id",
        ("intake",),
        ("scoring",),
        note="a known lead submitted again; scoring re-scores it",
    ),
    EventSpec(models.LeadScoredV1, "lead id", ("scoring",), ("routing",)),
    EventSpec(
        models.LeadRoutedV1,
        "lead id",
        ("routing",),
        ("feedback",),
        external_consumers=("sales tools",),
        headers=(_TEAM,),
        note="on every hand-over; `attempt` counts them",
    ),
    EventSpec(
        models.LeadSlaBreachedV1,
        "lead id",
        ("routing",),
        ("feedback",),
        external_consumers=("operators",),
    ),
    EventSpec(
        models.LeadReassignedV1,
        "lead id",
        ("routing",),
        ("feedback",),
        external_consumers=("operators",),
    ),
    EventSpec(
        models.LeadEscalatedV1,
        "lead id",
        ("routing",),
        ("feedback",),
        external_consumers=("operators",),
    ),
    EventSpec(
        models.SalesOutcomeRecordedV1,
        "lead id",
        ("routing", "feedback"),
        ("scoring", "routing", "feedback"),
        external_producers=("sales tools",),
        note="routing publishes `accepted` on accept; feedback what `POST /v1/outcomes` takes",
    ),
    EventSpec(
        models.CampaignBriefedV1,
        "campaign id",
        ("intake",),
        ("routing", "feedback"),
        external_consumers=("sales tools",),
    ),
    EventSpec(
        models.CampaignCapacityWarnedV1,
        "campaign id",
        ("routing",),
        (),
        external_consumers=("marketing tools", "sales tools"),
    ),
    EventSpec(
        models.LeadQualityUpdatedV1,
        "campaign id",
        ("feedback",),
        (),
        external_consumers=("marketing tools",),
    ),
    EventSpec(models.LeadErasedV1, "lead id", ("intake",), ("scoring", "routing", "feedback")),
    EventSpec(
        models.ApiKeyIssuedV1,
        "key id",
        ("intake",),
        SERVICES,
        note="topic kept forever: a new instance rebuilds its key table from it",
    ),
    EventSpec(models.ApiKeyRevokedV1, "key id", ("intake",), SERVICES),
)
"""Every released event type, in the order of the pipeline."""


def spec(event_type: str) -> EventSpec:
    """The catalogue entry of ``event_type``; KeyError when it is not catalogued."""
    for entry in CATALOGUE:
        if entry.event_type == event_type:
            return entry
    raise KeyError(event_type)


def topic_names() -> tuple[str, ...]:
    """Every main topic, in ``shared.events.topics`` order."""
    return tuple(t.name for t in topics.TOPICS if not t.name.endswith(topics.DLQ_SUFFIX))


def uncatalogued() -> set[str]:
    """Registered event types missing from the catalogue (a test keeps this empty)."""
    return set(registry()) - {e.event_type for e in CATALOGUE}


def events_in(service: str) -> tuple[str, ...]:
    """The event types ``service`` consumes."""
    return tuple(e.event_type for e in CATALOGUE if service in e.consumers)


def events_out(service: str) -> tuple[str, ...]:
    """The event types ``service`` produces."""
    return tuple(e.event_type for e in CATALOGUE if service in e.producers)


def markdown_table() -> str:
    """The README's event catalogue (between its ``event-catalogue`` markers)."""
    lines = [
        "| type | version | topic | key | producer | consumers | headers |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in CATALOGUE:
        producers = ", ".join((*e.producers, *e.external_producers))
        consumers = ", ".join((*e.consumers, *e.external_consumers)) or "—"
        headers = ", ".join(f"`{h.name}`" for h in e.headers) or "—"
        lines.append(
            f"| `{e.name}` | {e.version} | `{e.topic}` | {e.key} | {producers} | {consumers} "
            f"| {headers} |"
        )
    return "\n".join(lines) + "\n"


def services_table(owns: dict[str, str]) -> str:
    """The README's services table: port, what each owns, events in and out."""
    lines = [
        "| service | port | owns (PostgreSQL schema) | events in | events out |",
        "|---|---|---|---|---|",
    ]
    for name in SERVICES:
        ins = ", ".join(f"`{t}`" for t in events_in(name)) or "—"
        outs = ", ".join(f"`{t}`" for t in events_out(name)) or "—"
        lines.append(f"| {name} | {PORTS[name]} | {owns[name]} | {ins} | {outs} |")
    return "\n".join(lines) + "\n"
