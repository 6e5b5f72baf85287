"""The scoring configuration as data: point rules, thresholds, decay and what the model learns.

Marketing and sales agree on it together; it is validated in full before it is stored, and
every score names the version (and content digest) that produced it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.errors import load_config_file

Op = Literal["eq", "in", "gte", "lte", "between", "present", "absent", "contains_any"]
NEEDS_VALUE = {"eq", "in", "gte", "lte", "between", "contains_any"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    field: str = Field(
        pattern=r"^(contact|company|interest|attribution|behaviour|consent|extra)\.\w+$"
    )
    op: Op
    value: Any = None
    points: float = Field(ge=-100, le=100)
    reason: str = Field(min_length=1, max_length=120)

    @model_validator(mode="after")
    def _value_fits_op(self) -> Rule:
        if self.op in NEEDS_VALUE and self.value is None:
            raise ValueError(f"operator {self.op!r} needs a value")
        if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
            raise ValueError("'between' takes [low, high]")
        if self.op in {"in", "contains_any"} and not isinstance(self.value, list):
            raise ValueError(f"{self.op!r} takes a list of values")
        if self.op in {"gte", "lte"} and not isinstance(self.value, int | float):
            raise ValueError(f"{self.op!r} takes a number")
        return self


class Decay(_Strict):
    """Intent fades with time since the lead's last touch: halved every ``half_life_hours``."""

    half_life_hours: float = Field(default=168.0, gt=0, le=24 * 365)


class ExtraField(_Strict):
    """A custom form field (``lead.extra[name]``) the model should learn from."""

    name: str = Field(pattern=r"^\w{1,64}$")
    label: str = Field(min_length=1, max_length=60)
    group: Literal["fit", "intent"] = "fit"
    kind: Literal["category", "number"] = "category"
    bins: tuple[float, ...] = (0,)
    unit: str = Field(default="", max_length=20)

    @model_validator(mode="after")
    def _ascending_bins(self) -> ExtraField:
        if list(self.bins) != sorted(set(self.bins)):
            raise ValueError("bins must be strictly ascending lower bounds")
        return self


class Learning(_Strict):
    """How the learned model is trained and how much it counts beside the rules.

    The model's weight in the blend is ``n / (n + prior_outcomes)`` for ``n`` outcomes
    learned, capped at ``max_weight``: rules decide alone at first and the model takes
    over as evidence accumulates.
    """

    extra_fields: tuple[ExtraField, ...] = ()
    min_outcomes: int = Field(default=30, ge=2, le=1_000_000)
    prior_outcomes: int = Field(default=200, ge=0, le=1_000_000)
    max_weight: float = Field(default=0.9, ge=0, le=1)
    holdout_percent: int = Field(default=20, ge=5, le=50)
    l2: float = Field(default=2.0, gt=0, le=1000)
    min_feature_count: int = Field(default=5, ge=1, le=1000)

    @model_validator(mode="after")
    def _unique_names(self) -> Learning:
        names = [f.name for f in self.extra_fields]
        if len(names) != len(set(names)):
            raise ValueError("extra_fields names must be unique")
        return self


class RuleSet(_Strict):
    """A versioned rule set; ``version`` plus ``digest`` is what every score names."""

    version: str = Field(min_length=1, max_length=64, pattern=r"^[\w.+-]+$")
    weights: dict[Literal["fit", "intent"], float]
    priority: dict[Literal["hot", "warm"], int]
    grades: dict[Literal["A", "B", "C"], int]
    fit: tuple[Rule, ...]
    intent: tuple[Rule, ...]
    decay: Decay = Decay()
    learning: Learning = Learning()

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != {"fit", "intent"} or any(w < 0 for w in value.values()):
            raise ValueError("needs non-negative 'fit' and 'intent' weights")
        if sum(value.values()) <= 0:
            raise ValueError("the weights must not both be zero")
        return value

    @field_validator("priority")
    @classmethod
    def _priority(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != {"hot", "warm"} or not 0 <= value["warm"] < value["hot"] <= 100:
            raise ValueError("needs 'hot' and 'warm' thresholds with 0 <= warm < hot <= 100")
        return value

    @field_validator("grades")
    @classmethod
    def _grades(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != {"A", "B", "C"} or not 0 <= value["C"] < value["B"] < value["A"] <= 100:
            raise ValueError("needs 'A', 'B' and 'C' thresholds with 0 <= C < B < A <= 100")
        return value

    @property
    def digest(self) -> str:
        """Content hash, so two different rule sets never pass for one version."""
        raw = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:12]

    @property
    def config_version(self) -> str:
        return f"{self.version}+{self.digest}"


def load_rules(path: Path) -> RuleSet:
    """Read and validate a rule file; InvalidInput names each bad field."""
    return load_config_file(RuleSet, path)
