"""Feedback's own Prometheus metrics (labels stay low-cardinality: statuses, paths)."""

from prometheus_client import Counter, Gauge, Histogram

OUTCOMES = Counter(
    "handoff_feedback_outcomes_total",
    "Outcomes stored, by status and by the way they came (api or kafka).",
    ["status", "path"],
)
OUTCOMES_REJECTED = Counter(
    "handoff_feedback_outcomes_rejected_total",
    "Outcomes refused: invalid fields or an invalid transition.",
    ["path", "why"],
)
FEEDBACK_COVERAGE = Gauge(
    "handoff_feedback_coverage_ratio",
    "Routed leads of the last 30 days with an outcome / routed leads (0 to 1).",
)
AWAITING_OUTCOME = Gauge(
    "handoff_feedback_awaiting_outcome_leads",
    "Routed leads with no outcome after the nudge delay (feedback nudges).",
)
KPI_REFRESH_SECONDS = Histogram(
    "handoff_feedback_kpi_refresh_seconds",
    "From a campaign's first unpublished change to its marketing.lead_quality event.",
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)
KPI_COMPUTE_SECONDS = Histogram(
    "handoff_feedback_kpi_compute_seconds",
    "Time to load and compute one KPI answer (API, CSV or event).",
    ["what"],
)
