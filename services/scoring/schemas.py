"""Scoring's HTTP bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from services.scoring.config import RuleSet
from shared.events import Priority, Reason


class ScoreRead(BaseModel):
    lead_id: str
    score: int
    fit: int
    intent: int
    grade: str
    priority: Priority
    reasons: list[Reason]
    config_version: str
    model_version: str
    scored_at: datetime
    rules_score: int | None = None
    learned_probability: float | None = None
    touches: int = 1
    last_touch_at: datetime | None = None


class RulesRead(BaseModel):
    """A stored rule set version; ``config_version`` is what scores name."""

    version: str
    digest: str
    config_version: str
    active: bool
    created_at: datetime
    created_by: str
    activated_at: datetime | None
    rules: RuleSet


class RulesVersionsRead(BaseModel):
    versions: list[RulesRead]


class CalibrationBinRead(BaseModel):
    lower: float
    upper: float
    count: int
    predicted: float | None
    observed: float | None


class ModelRead(BaseModel):
    """The model in force and how well it does on outcomes it did not learn from."""

    model_version: str
    trained_at: datetime | None
    config_version: str | None
    outcomes_learned: int
    holdout_size: int
    examples: int
    auc: float | None
    rules_auc: float | None
    calibration: list[CalibrationBinRead]
    blend_weight: float
    features: int
    top_factors: list[Reason]
