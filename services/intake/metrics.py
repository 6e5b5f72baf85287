"""Intake's own metrics, beside the shared ones."""

from prometheus_client import Counter

LEADS = Counter(
    "handoff_intake_leads_total",
    "Submissions accepted, as new leads or as touches of known leads.",
    ["outcome", "channel", "campaign"],
)
REJECTIONS = Counter(
    "handoff_intake_rejections_total",
    "Submissions refused or silently dropped, by reason; none of them is stored.",
    ["reason"],
)
