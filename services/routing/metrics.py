"""Routing's Prometheus metrics (low-cardinality labels: team, rule, kind; rep only for load)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CAPTURE_TO_ROUTED = Histogram(
    "handoff_routing_capture_to_routed_seconds",
    "Time from a lead's capture by intake to its first assignment.",
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30),
)
ASSIGNMENTS = Counter(
    "handoff_routing_assignments_total",
    "Leads assigned, by team, matching rule and kind (rotation, owner, named, queue, ...).",
    ["team", "rule", "kind"],
)
FALLBACKS = Counter(
    "handoff_routing_fallback_assignments_total",
    "Leads held in a team's fallback queue because no rep was eligible.",
    ["team"],
)
SLA_BREACHES = Counter(
    "handoff_routing_sla_breaches_total", "Acceptance SLAs missed, by team.", ["team"]
)
ESCALATIONS = Counter(
    "handoff_routing_escalations_total", "Leads escalated to a team manager.", ["team"]
)
SLA_ACTION_DELAY = Histogram(
    "handoff_routing_sla_action_delay_seconds",
    "How long after its deadline a missed SLA was acted on.",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10, 60),
)
OPEN_LEADS = Gauge(
    "handoff_routing_open_leads", "Leads a rep holds that are not closed.", ["team", "rep"]
)
CAMPAIGN_WARNINGS = Counter(
    "handoff_routing_campaign_capacity_warnings_total",
    "Campaign briefs whose expected hot leads exceed the team's capacity.",
    ["team"],
)
WEBHOOK_DELIVERIES = Counter(
    "handoff_routing_webhook_deliveries_total",
    "Webhook delivery attempts by result: delivered, retried (will try again), failed (gave up).",
    ["result"],
)
WEBHOOK_SECONDS = Histogram(
    "handoff_routing_webhook_call_seconds",
    "Duration of one webhook call to a subscriber, answered or not.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
