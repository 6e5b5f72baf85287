"""Every Kafka topic Handoff uses, with its partition count: the one place topics are named."""

from dataclasses import dataclass

LEADS_CAPTURED = "leads.captured"
LEADS_SCORED = "leads.scored"
LEADS_ROUTED = "leads.routed"
LEADS_SLA = "leads.sla"
SALES_OUTCOMES = "sales.outcomes"
MARKETING_CAMPAIGNS = "marketing.campaigns"
MARKETING_LEAD_QUALITY = "marketing.lead_quality"
LEADS_ERASED = "leads.erased"
AUTH_API_KEYS = "auth.api_keys"
# Operators' record of dead letters replayed (``handoff dlq replay``), so none is replayed twice.
DLQ_REPLAYS = "dlq.replays"

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    """A topic the project creates itself (auto-create stays off)."""

    name: str
    partitions: int
    retention_ms: int | None = None


def dlq_topic(topic: str) -> str:
    """Name of the dead-letter topic that takes ``topic``'s unhandleable messages."""
    return topic + DLQ_SUFFIX


_DAY_MS = 24 * 3600 * 1000
# Topics carrying a person's data (the lead, a rep's note) keep it 7 days, their dead letters
# 14 (time to fix and replay): an erased lead is gone from the broker when they expire.
PERSONAL_RETENTION_MS = 7 * _DAY_MS
PERSONAL_DLQ_RETENTION_MS = 14 * _DAY_MS

# Lead-keyed topics get 6 partitions: up to six instances of a consumer share the work.
_MAIN: tuple[TopicSpec, ...] = (
    TopicSpec(LEADS_CAPTURED, 6, retention_ms=PERSONAL_RETENTION_MS),
    TopicSpec(LEADS_SCORED, 6, retention_ms=PERSONAL_RETENTION_MS),
    TopicSpec(LEADS_ROUTED, 6, retention_ms=PERSONAL_RETENTION_MS),
    TopicSpec(LEADS_SLA, 3),
    TopicSpec(SALES_OUTCOMES, 6, retention_ms=PERSONAL_RETENTION_MS),
    TopicSpec(MARKETING_CAMPAIGNS, 1),
    TopicSpec(MARKETING_LEAD_QUALITY, 1),
    TopicSpec(LEADS_ERASED, 3),
    # Kept forever: a new instance or service rebuilds its key table from the beginning.
    TopicSpec(AUTH_API_KEYS, 1, retention_ms=-1),
)

DLQ_TOPICS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(
        dlq_topic(t.name),
        1,
        retention_ms=PERSONAL_DLQ_RETENTION_MS if t.retention_ms == PERSONAL_RETENTION_MS else None,
    )
    for t in _MAIN
)

TOPICS: tuple[TopicSpec, ...] = _MAIN + DLQ_TOPICS + (TopicSpec(DLQ_REPLAYS, 1, retention_ms=-1),)
