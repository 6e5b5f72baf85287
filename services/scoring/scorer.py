"""Rule-based fit and intent scoring: pure functions over a lead and a rule set.

A rule set is data (``rules.json``): each rule names a lead field by dotted path, an
operator, a value and the points it adds (or takes away) with a reason a rep understands.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.errors import load_config_file
from shared.events import Lead, Priority, Reason

Op = Literal["eq", "in", "gte", "lte", "between", "present", "absent", "contains_any"]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda v, x: v is not None and str(v).lower() == str(x).lower(),
    "in": lambda v, x: v is not None and str(v).lower() in {str(i).lower() for i in x},
    "gte": lambda v, x: isinstance(v, int | float) and v >= x,
    "lte": lambda v, x: isinstance(v, int | float) and v <= x,
    "between": lambda v, x: isinstance(v, int | float) and x[0] <= v <= x[1],
    "present": lambda v, x: v not in (None, ""),
    "absent": lambda v, x: v in (None, ""),
    "contains_any": lambda v, x: v is not None and any(w in str(v).lower() for w in x),
}

_NEEDS_VALUE = {"eq", "in", "gte", "lte", "between", "contains_any"}


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(pattern=r"^(contact|company|interest|attribution|behaviour|extra)\.\w+$")
    op: Op
    value: Any = None
    points: float = Field(ge=-100, le=100)
    reason: str = Field(min_length=1, max_length=120)

    @model_validator(mode="after")
    def _value_fits_op(self) -> Rule:
        if self.op in _NEEDS_VALUE and self.value is None:
            raise ValueError(f"operator {self.op!r} needs a value")
        if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
            raise ValueError("'between' takes [low, high]")
        return self


class RuleSet(BaseModel):
    """A versioned rule set; ``version`` is what every score names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    weights: dict[Literal["fit", "intent"], float]
    priority: dict[Literal["hot", "warm"], int]
    grades: dict[Literal["A", "B", "C"], int]
    fit: tuple[Rule, ...]
    intent: tuple[Rule, ...]

    @property
    def digest(self) -> str:
        """Content hash, so two different rule sets never pass for one version."""
        raw = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:12]


def load_rules(path: Path) -> RuleSet:
    """Read and validate a rule file; InvalidInput names each bad field."""
    return load_config_file(RuleSet, path)


@dataclass(frozen=True)
class Score:
    score: int
    fit: int
    intent: int
    grade: str
    priority: Priority
    reasons: tuple[Reason, ...]


def field_value(lead: Lead, path: str) -> Any:
    """The value at a dotted path such as ``company.size``, or None."""
    section, name = path.split(".", 1)
    if section == "extra":
        return lead.extra.get(name)
    return getattr(getattr(lead, section), name, None)


def _points(lead: Lead, rules: tuple[Rule, ...]) -> tuple[int, list[Reason]]:
    reasons = [
        Reason(factor=r.reason, points=r.points)
        for r in rules
        if _OPS[r.op](field_value(lead, r.field), r.value)
    ]
    total = sum(r.points for r in reasons)
    return max(0, min(100, round(total))), reasons


def score_lead(lead: Lead, rules: RuleSet) -> Score:
    """Fit and intent, each capped to 0-100, blended by the configured weights."""
    fit, fit_reasons = _points(lead, rules.fit)
    intent, intent_reasons = _points(lead, rules.intent)
    total_weight = sum(rules.weights.values()) or 1.0
    score = round((fit * rules.weights["fit"] + intent * rules.weights["intent"]) / total_weight)
    score = max(0, min(100, score))
    if score >= rules.priority["hot"]:
        priority = Priority.HOT
    elif score >= rules.priority["warm"]:
        priority = Priority.WARM
    else:
        priority = Priority.COLD
    grade = next((g for g in ("A", "B", "C") if score >= rules.grades[g]), "D")
    reasons = sorted(fit_reasons + intent_reasons, key=lambda r: abs(r.points), reverse=True)
    return Score(score, fit, intent, grade, priority, tuple(reasons))
