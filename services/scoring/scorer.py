"""Fit and intent scoring: pure functions over a lead, a rule set and (once trained) a model.

Rules give a fit and an intent score (0-100 each) from point rules, blended by the
configured weights. The learned model gives a conversion probability from the lead's
features. The final score is ``(1 - a) * rules + a * 100 * probability`` where ``a`` grows
with the outcomes the model learned from (see ``config.Learning``). Intent, from the rules
and from the model alike, decays with the time since the lead's last touch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.scoring.config import Learning, Rule, RuleSet, load_rules
from services.scoring.features import Group
from services.scoring.learner import LogisticModel, sigmoid
from shared.events import Lead, Priority, Reason

__all__ = ["RuleSet", "Score", "load_rules", "score_lead"]

MAX_REASONS = 8

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda v, x: v is not None and str(v).lower() == str(x).lower(),
    "in": lambda v, x: v is not None and str(v).lower() in {str(i).lower() for i in x},
    "gte": lambda v, x: _is_number(v) and v >= x,
    "lte": lambda v, x: _is_number(v) and v <= x,
    "between": lambda v, x: _is_number(v) and x[0] <= v <= x[1],
    "present": lambda v, x: v not in (None, ""),
    "absent": lambda v, x: v in (None, ""),
    "contains_any": lambda v, x: v is not None and any(w in str(v).lower() for w in x),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Score:
    score: int
    fit: int
    intent: int
    grade: str
    priority: Priority
    reasons: tuple[Reason, ...]
    rules_score: int
    learned_probability: float | None = None


@dataclass(frozen=True)
class Learned:
    """A trained model and how much it counts in the blend (0 = not at all)."""

    model: LogisticModel
    weight: float


def field_value(lead: Lead, path: str) -> Any:
    """The value at a dotted path such as ``company.size``, or None."""
    section, name = path.split(".", 1)
    if section == "extra":
        return lead.extra.get(name)
    return getattr(getattr(lead, section), name, None)


def decay_factor(last_touch_at: datetime | None, now: datetime, half_life_hours: float) -> float:
    """1 at the moment of a touch, halving every ``half_life_hours`` after it."""
    if last_touch_at is None:
        return 1.0
    hours = max((now - last_touch_at).total_seconds(), 0.0) / 3600
    return float(0.5 ** (hours / half_life_hours))


def blend_weight(outcomes_learned: int, learning: Learning) -> float:
    """The learned model's share of the score: nothing below ``min_outcomes``, then growing."""
    if outcomes_learned < learning.min_outcomes:
        return 0.0
    share = outcomes_learned / (outcomes_learned + learning.prior_outcomes)
    return min(learning.max_weight, share)


def grade_of(score: int, rules: RuleSet) -> str:
    return next((g for g in ("A", "B", "C") if score >= rules.grades[g]), "D")


def priority_of(score: int, rules: RuleSet) -> Priority:
    if score >= rules.priority["hot"]:
        return Priority.HOT
    if score >= rules.priority["warm"]:
        return Priority.WARM
    return Priority.COLD


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def _points(lead: Lead, rules: tuple[Rule, ...]) -> tuple[float, list[Reason]]:
    reasons = [
        Reason(factor=r.reason, points=r.points)
        for r in rules
        if _OPS[r.op](field_value(lead, r.field), r.value)
    ]
    return float(max(0, min(100, round(sum(r.points for r in reasons))))), reasons


def _weighted(fit: float, intent: float, rules: RuleSet) -> float:
    total = sum(rules.weights.values())
    return (fit * rules.weights["fit"] + intent * rules.weights["intent"]) / total


def _learned_parts(
    learned: Learned, features: Mapping[str, Group], decay: float
) -> tuple[float, float, float, list[Reason]]:
    """Probability, learned fit and intent (0-100) and each factor's points."""
    model = learned.model
    parts = model.logit_parts(features)
    scaled = {n: c * (decay if features[n] == "intent" else 1.0) for n, c in parts.items()}
    b = model.intercept
    fit = 100 * sigmoid(b + sum(c for n, c in scaled.items() if features[n] == "fit"))
    intent = 100 * sigmoid(b + sum(c for n, c in scaled.items() if features[n] == "intent"))
    probability = sigmoid(b + sum(scaled.values()))
    base = sigmoid(b)
    reasons = [
        Reason(factor=n, points=round(learned.weight * 100 * (sigmoid(b + c) - base), 1))
        for n, c in scaled.items()
    ]
    return probability, fit, intent, reasons


def score_lead(
    lead: Lead,
    rules: RuleSet,
    *,
    features: Mapping[str, Group] | None = None,
    learned: Learned | None = None,
    decay: float = 1.0,
) -> Score:
    """Score one lead; ``decay`` (0-1) scales intent, ``learned`` blends in the model."""
    fit, fit_reasons = _points(lead, rules.fit)
    raw_intent, intent_reasons = _points(lead, rules.intent)
    intent = raw_intent * decay
    rules_score = _weighted(fit, intent, rules)
    a = learned.weight if learned is not None and features is not None else 0.0
    rule_reasons = [
        Reason(factor=r.factor, points=round(r.points * (1 - a), 1))
        for r in fit_reasons + intent_reasons
    ]
    if decay < 0.995:
        lost = _weighted(fit, raw_intent, rules) - rules_score
        days = math.log(decay, 0.5) * rules.decay.half_life_hours / 24
        rule_reasons.append(
            Reason(factor=f"No touch for {days:.0f} days", points=round(-lost * (1 - a), 1))
        )
    probability: float | None = None
    total, fit_total, intent_total = rules_score, fit, intent
    reasons = rule_reasons
    if learned is not None and features is not None and a > 0:
        probability, l_fit, l_intent, l_reasons = _learned_parts(learned, features, decay)
        total = (1 - a) * rules_score + a * 100 * probability
        fit_total = (1 - a) * fit + a * l_fit
        intent_total = (1 - a) * intent + a * l_intent
        reasons = [r for r in rule_reasons + l_reasons if abs(r.points) >= 0.5]
    score = _clamp(total)
    ranked = sorted(reasons, key=lambda r: abs(r.points), reverse=True)[:MAX_REASONS]
    return Score(
        score=score,
        fit=_clamp(fit_total),
        intent=_clamp(intent_total),
        grade=grade_of(score, rules),
        priority=priority_of(score, rules),
        reasons=tuple(ranked),
        rules_score=_clamp(rules_score),
        learned_probability=probability,
    )
