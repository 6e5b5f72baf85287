"""Routing's HTTP bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from shared.events import Priority


class AssignmentRead(BaseModel):
    id: uuid.UUID
    lead_id: str
    team: str
    rep_id: str | None
    queue: str | None
    rule: str
    reason: str
    priority: Priority
    score: int
    captured_at: datetime
    routed_at: datetime
    sla_due_at: datetime | None
