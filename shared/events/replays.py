"""The record ``handoff dlq replay`` keeps on ``dlq.replays`` for each dead letter it replays.

Not an event between services: the CLI's own ledger, so a later replay (``--all`` included)
skips entries already sent back. Declared here so the AsyncAPI document describes it too.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DlqReplayRecord(BaseModel):
    """One replayed dead letter; the Kafka key is ``<dlq topic>/<partition>/<offset>``."""

    model_config = ConfigDict(frozen=True)

    dlq_topic: str = Field(examples=["leads.scored.dlq"])
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    event_id: str | None = Field(description="the replayed event's id, when it had one")
    replayed_to: str = Field(description="<topic>/<partition>/<offset> the replay landed at")
    replayed_at: datetime
