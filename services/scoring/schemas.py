"""Scoring's HTTP bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

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


class RulesRead(BaseModel):
    version: str
    digest: str
