"""Prometheus metrics shared by all services (one service runs per process).

Names follow Prometheus conventions (base units in the name, ``_total`` on counters) and
are what ``deploy/prometheus/rules.yml`` and ``deploy/grafana/handoff.json`` query; a test
checks that every name those files use is exported by a running service.
"""

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
    "Failed attempts to handle an event (each retry counts), by topic and event type.",
    ["topic", "type"],
)
DEAD_LETTERS = Counter(
    "handoff_dead_letters_total",
    "Messages sent to a dead-letter topic.",
    ["topic"],
)
CONSUMER_LAG = Gauge(
    "handoff_consumer_lag_messages",
    "Messages in a partition assigned to this instance that the group has not committed.",
    ["topic", "partition"],
)
# Read from the service's outbox table, so every instance reports the same figure: alert
# and graph on max() by job, never sum().
OUTBOX_BACKLOG = Gauge(
    "handoff_outbox_backlog_messages", "Outbox rows not yet published, read from PostgreSQL."
)
OUTBOX_OLDEST_AGE = Gauge(
    "handoff_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row, read from PostgreSQL (0 when none).",
)
OUTBOX_RELAY_FAILURES = Counter(
    "handoff_outbox_relay_failures_total",
    "Outbox relay rounds that failed because Kafka or PostgreSQL did not answer.",
)
