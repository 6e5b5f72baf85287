"""Prometheus metrics shared by all services (one service runs per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "handoff_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route", "status"],
)
EVENTS_CONSUMED = Counter(
    "handoff_events_consumed_total",
    "Events taken from Kafka, by what became of them.",
    ["topic", "outcome"],
)
EVENTS_PUBLISHED = Counter(
    "handoff_events_published_total",
    "Events acknowledged by Kafka.",
    ["topic"],
)
HANDLER_SECONDS = Histogram(
    "handoff_event_handler_duration_seconds",
    "Time to handle one event, database commit included.",
    ["type"],
)
HANDLER_FAILURES = Counter(
    "handoff_event_handler_failures_total",
    "Failed attempts to handle an event (each retry counts).",
    ["type"],
)
DEAD_LETTERS = Counter(
    "handoff_dead_letters_total",
    "Messages sent to a dead-letter topic.",
    ["topic"],
)
CONSUMER_LAG = Gauge(
    "handoff_consumer_lag_messages",
    "Messages in a partition not yet handled by this instance.",
    ["topic", "partition"],
)
OUTBOX_BACKLOG = Gauge("handoff_outbox_backlog_messages", "Outbox rows not yet published.")
OUTBOX_OLDEST_AGE = Gauge(
    "handoff_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row."
)
