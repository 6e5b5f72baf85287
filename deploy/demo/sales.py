"""How the simulated sales team behaves, in the simulated time of a working day.

Every delay is drawn in simulated seconds and played ``speed`` times faster. Most reps
accept within a few minutes; about one in five is slow (a rep in meetings all day) and lets
hot leads pass their SLA, so routing reassigns and escalates them. Managers take what is
escalated to them at once. A few leads are declined as outside the rep's patch. Outcomes are
the ones the data recorded: a converted row is qualified then won, any other row is lost or
disqualified after contact. Leads routing sends to marketing nurture get their recorded
outcome later, without a rep.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

# Simulated seconds.
LEAD_GAP = 6.0  # mean gap between two arriving leads: 600 an hour, a course launch day
FAST_ACCEPT = (20.0, 180.0)
SLOW_ACCEPT = (420.0, 1200.0)
MANAGER_ACCEPT = (20.0, 90.0)
CONTACT = (30.0, 300.0)
DECIDE = (600.0, 3600.0)
CLOSE = (600.0, 2400.0)
NURTURE = (1800.0, 7200.0)
DECLINE_SHARE = 0.03
SLOW_SHARE = 0.2
NEGATIVE = (
    ("lost", "chose another provider"),
    ("lost", "no reply after contact"),
    ("disqualified", "bad_fit"),
    ("disqualified", "no_budget"),
    ("disqualified", "unreachable"),
)

# What the demo asks routing for, in simulated seconds: hot within 5 minutes, warm in an hour.
HOT_SLA = 300.0
WARM_SLA = 3600.0


def _fraction(*parts: str) -> float:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Pace:
    """``speed`` simulated seconds pass in one real second."""

    speed: float

    def real(self, simulated: float) -> float:
        return simulated / self.speed

    def sla_seconds(self) -> dict[str, int]:
        """The demo's SLA per priority in real seconds (routing counts whole seconds, >= 1)."""
        return {
            "hot": max(1, round(self.real(HOT_SLA))),
            "warm": max(1, round(self.real(WARM_SLA))),
        }


class SalesTeam:
    """Delays and decisions of each rep; the same seed gives the same team."""

    def __init__(self, seed: int = 7) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

    def is_slow(self, rep_id: str) -> bool:
        return _fraction(str(self.seed), "slow", rep_id) < SLOW_SHARE

    def _between(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)

    def arrival_gap(self) -> float:
        return self.rng.expovariate(1 / LEAD_GAP)

    def accept_delay(self, rep_id: str, *, escalated: bool) -> float:
        if escalated:
            return self._between(MANAGER_ACCEPT)
        return self._between(SLOW_ACCEPT if self.is_slow(rep_id) else FAST_ACCEPT)

    def declines(self, lead_key: str, attempt: int) -> bool:
        """Only a first hand-over is declined, so every lead still reaches someone."""
        return attempt == 1 and _fraction(str(self.seed), "decline", lead_key) < DECLINE_SHARE

    def contact_delay(self) -> float:
        return self._between(CONTACT)

    def decide_delay(self) -> float:
        return self._between(DECIDE)

    def close_delay(self) -> float:
        return self._between(CLOSE)

    def nurture_delay(self) -> float:
        return self._between(NURTURE)

    def negative(self, lead_key: str) -> tuple[str, str]:
        """How a lead that did not convert ends: lost or disqualified, with a reason."""
        index = int(_fraction(str(self.seed), "negative", lead_key) * len(NEGATIVE))
        return NEGATIVE[index]
