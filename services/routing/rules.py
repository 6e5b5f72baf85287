"""Routing rules as data: conditions on a lead's attributes, evaluated in order, first match wins.

A rule names a team (round robin among its eligible reps) or one rep. The rule set's
``default_team`` catches every lead no rule matched. Rule sets are validated against the org
when saved, and every saved set gets the next version number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from services.routing.org import ID_PATTERN
from shared.errors import FieldError, InvalidInput, invalid_input_from
from shared.events import LeadScoredV1

NUMBER_FIELDS = frozenset({"company_size", "score"})
TEXT_FIELDS = frozenset(
    {
        "country",
        "region",
        "industry",
        "domain",
        "company_name",
        "product",
        "form_type",
        "campaign_id",
        "channel",
        "source",
        "priority",
        "grade",
    }
)
FIELDS = NUMBER_FIELDS | TEXT_FIELDS
NUMBER_OPS = frozenset({"eq", "gte", "lte", "between", "present", "absent"})
TEXT_OPS = frozenset({"eq", "in", "not_in", "contains", "present", "absent"})

Facts = dict[str, str | int | None]


class Condition(BaseModel):
    """One test on one lead attribute; text compares case-insensitively."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    op: str
    value: Any = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str) -> str:
        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}; known: {', '.join(sorted(FIELDS))}")
        return name

    @model_validator(mode="after")
    def _valid(self) -> Self:
        ops = NUMBER_OPS if self.field in NUMBER_FIELDS else TEXT_OPS
        if self.op not in ops:
            raise ValueError(f"op {self.op!r} does not apply to {self.field}; use {sorted(ops)}")
        value = self.value
        if self.op in ("present", "absent"):
            return self
        if self.op in ("in", "not_in"):
            ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
            if not ok:
                raise ValueError(f"{self.op} needs a non-empty list of strings")
        elif self.op == "between":
            ok = isinstance(value, list) and len(value) == 2
            if not ok or not all(isinstance(v, int | float) for v in value):
                raise ValueError("between needs [low, high]")
        elif self.field in NUMBER_FIELDS:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"{self.field} compares with a number")
        elif not isinstance(value, str):
            raise ValueError(f"{self.op} needs a string")
        return self

    def matches(self, facts: Facts) -> bool:
        actual = facts.get(self.field)
        if self.op == "present":
            return actual not in (None, "")
        if self.op == "absent":
            return actual in (None, "")
        if actual is None:
            return self.op == "not_in"
        if isinstance(actual, int):
            if self.op == "between":
                low, high = self.value
                return bool(low <= actual <= high)
            if self.op == "gte":
                return bool(actual >= self.value)
            if self.op == "lte":
                return bool(actual <= self.value)
            return bool(actual == self.value)
        text = str(actual).lower()
        if self.op == "eq":
            return text == str(self.value).lower()
        if self.op == "contains":
            return str(self.value).lower() in text
        values = {str(v).lower() for v in self.value}
        return (text in values) if self.op == "in" else (text not in values)


class Rule(BaseModel):
    """All conditions must hold (an empty list always matches); the target is a team or a rep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    description: str | None = Field(default=None, max_length=500)
    conditions: tuple[Condition, ...] = ()
    team: str | None = None
    rep: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.team is None) == (self.rep is None):
            raise ValueError("a rule names exactly one of team or rep")
        return self

    def matches(self, facts: Facts) -> bool:
        return all(c.matches(facts) for c in self.conditions)


class RuleSet(BaseModel):
    """The ordered rules and the team that takes every lead no rule matched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...] = ()
    default_team: str

    def check(self, *, teams: Iterable[str], reps: Iterable[str]) -> None:
        """Raise InvalidInput naming each rule target that does not exist, or a repeated id."""
        team_ids, rep_ids = set(teams), set(reps)
        errors: list[FieldError] = []
        if self.default_team not in team_ids:
            errors.append(FieldError("default_team", f"unknown team {self.default_team!r}"))
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                errors.append(FieldError(f"rules.{i}.id", f"duplicate rule id {rule.id!r}"))
            seen.add(rule.id)
            if rule.team is not None and rule.team not in team_ids:
                errors.append(FieldError(f"rules.{i}.team", f"unknown team {rule.team!r}"))
            if rule.rep is not None and rule.rep not in rep_ids:
                errors.append(FieldError(f"rules.{i}.rep", f"unknown rep {rule.rep!r}"))
        if errors:
            raise InvalidInput("the rule set refers to things that do not exist", errors)

    def first_match(self, facts: Facts) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(facts)), None)


def parse_rule_set(body: object) -> RuleSet:
    """Validate a rule set from JSON; InvalidInput names each bad field by dotted path."""
    try:
        return RuleSet.model_validate(body)
    except ValidationError as exc:
        raise invalid_input_from("invalid rule set", exc) from exc


def lead_facts(scored: LeadScoredV1) -> Facts:
    """The attributes rules may test, flattened from a scored lead."""
    lead = scored.lead
    return {
        "country": lead.company.country,
        "region": lead.company.region,
        "industry": lead.company.industry,
        "domain": lead.company.domain,
        "company_name": lead.company.name,
        "company_size": lead.company.size,
        "product": lead.interest.product,
        "form_type": lead.interest.form_type,
        "campaign_id": lead.attribution.campaign_id,
        "channel": lead.attribution.channel,
        "source": lead.attribution.source,
        "priority": scored.priority.value,
        "grade": scored.grade,
        "score": scored.score,
    }
