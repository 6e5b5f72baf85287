"""Choosing a rep: the team configuration and weighted round robin, as pure functions.

The position in the rotation is stored in PostgreSQL (``team_cursor``) and advanced under a
row lock, so several routing instances share one fair rotation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import load_config_file
from shared.events import Priority


class RepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1, max_length=100)
    weight: int = Field(default=1, ge=1, le=100)
    active: bool = True


class TeamConfig(BaseModel):
    """One sales team: its reps and the acceptance SLA of each priority."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    team: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    manager: str | None = None
    sla_minutes: dict[Priority, int]
    reps: tuple[RepConfig, ...]


def load_team(path: Path) -> TeamConfig:
    """Read and validate a team file; InvalidInput names each bad field."""
    return load_config_file(TeamConfig, path)


def rotation(weights: dict[str, int]) -> list[str]:
    """One full cycle of smooth weighted round robin (nginx's algorithm), deterministic.

    A rep of weight 2 appears twice per cycle, spread out rather than back to back; ties
    go to the smaller rep id, so the order never depends on when a rep was added.
    """
    reps = sorted(weights)
    total = sum(weights.values())
    current = dict.fromkeys(reps, 0)
    cycle: list[str] = []
    for _ in range(total):
        for rep in reps:
            current[rep] += weights[rep]
        chosen = max(reps, key=lambda r: (current[r], -reps.index(r)))
        current[chosen] -= total
        cycle.append(chosen)
    return cycle


def pick(weights: dict[str, int], position: int) -> str | None:
    """The rep at ``position`` of the rotation, or None when nobody is eligible."""
    cycle = rotation(weights)
    return cycle[position % len(cycle)] if cycle else None


def sla_due(team: TeamConfig, priority: Priority, routed_at: datetime) -> datetime | None:
    """When the assigned rep must have accepted the lead."""
    minutes = team.sla_minutes.get(priority)
    return routed_at + timedelta(minutes=minutes) if minutes is not None else None
