"""Scoring's own metrics: scores by grade and priority, latency, the model in force."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram, Info

if TYPE_CHECKING:
    from services.scoring.model_store import StoredModel

SCORES = Counter(
    "handoff_scoring_scores_total",
    "Leads scored (first scores and re-scores), by grade and priority.",
    ["grade", "priority", "trigger"],
)
LATENCY = Histogram(
    "handoff_scoring_latency_seconds",
    "Time to score one lead inside its handler: load rules and model, compute, store.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
OUTCOMES = Counter(
    "handoff_scoring_outcomes_total",
    "Sales outcomes received, by what they teach the model.",
    ["label"],
)
MODEL = Info("handoff_scoring_model", "The learned model in force on this instance.")
OUTCOMES_LEARNED = Gauge(
    "handoff_scoring_model_outcomes_learned", "Outcomes the model in force was trained on."
)
MODEL_AUC = Gauge(
    "handoff_scoring_model_auc", "ROC AUC of the model in force on its holdout (NaN: none)."
)


def observe_model(model: StoredModel | None) -> None:
    """Publish which model this instance now scores with."""
    if model is None:
        MODEL.info({"version": "rules-only"})
        OUTCOMES_LEARNED.set(0)
        MODEL_AUC.set(float("nan"))
        return
    MODEL.info({"version": model.version, "config_version": model.config_version})
    OUTCOMES_LEARNED.set(model.outcomes_learned)
    MODEL_AUC.set(float("nan") if model.auc is None else model.auc)
