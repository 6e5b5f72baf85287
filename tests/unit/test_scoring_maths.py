"""The scoring maths: decay, thresholds, blending, reasons, the learner and its report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from deploy.eval.x_education import AFTER_CONTACT, to_lead
from services.scoring import learner
from services.scoring.config import ExtraField, Learning, RuleSet, load_rules
from services.scoring.features import bin_label, lead_features
from services.scoring.repository import outcome_label
from services.scoring.scorer import (
    Learned,
    blend_weight,
    decay_factor,
    grade_of,
    priority_of,
    score_lead,
)
from services.scoring.settings import Settings
from shared.events import Lead, OutcomeStatus, Priority
from shared.events.models import example_lead

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(Settings().rules_file)


def test_intent_halves_every_half_life_and_is_whole_at_the_touch() -> None:
    assert decay_factor(NOW, NOW, 24) == 1.0
    assert decay_factor(NOW - timedelta(hours=24), NOW, 24) == pytest.approx(0.5)
    assert decay_factor(NOW - timedelta(hours=72), NOW, 24) == pytest.approx(0.125)
    assert decay_factor(NOW + timedelta(hours=1), NOW, 24) == 1.0  # clock skew never boosts
    assert decay_factor(None, NOW, 24) == 1.0


def test_decay_lowers_intent_only_and_says_so(rules: RuleSet) -> None:
    lead = example_lead()
    fresh = score_lead(lead, rules)
    week_old = score_lead(lead, rules, decay=decay_factor(NOW - timedelta(days=7), NOW, 168))
    assert week_old.fit == fresh.fit
    assert week_old.intent == round(fresh.intent / 2)
    assert week_old.score < fresh.score
    factors = {r.factor: r.points for r in week_old.reasons}
    assert factors["No touch for 7 days"] < 0
    assert factors["Demo request form"] == 45  # the rule still reads as agreed


def test_thresholds_are_inclusive_lower_bounds(rules: RuleSet) -> None:
    hot, warm = rules.priority["hot"], rules.priority["warm"]
    assert priority_of(hot, rules) is Priority.HOT
    assert priority_of(hot - 1, rules) is Priority.WARM
    assert priority_of(warm, rules) is Priority.WARM
    assert priority_of(warm - 1, rules) is Priority.COLD
    grades = rules.grades
    assert [grade_of(grades[g], rules) for g in ("A", "B", "C")] == ["A", "B", "C"]
    assert grade_of(rules.grades["C"] - 1, rules) == "D"


def test_the_model_counts_more_as_outcomes_accumulate() -> None:
    learning = Learning(min_outcomes=30, prior_outcomes=100, max_weight=0.8)
    assert blend_weight(29, learning) == 0.0
    assert blend_weight(100, learning) == pytest.approx(0.5)
    assert blend_weight(10_000, learning) == 0.8


def test_blending_mixes_rules_and_model_and_reasons_name_both(rules: RuleSet) -> None:
    lead = example_lead()
    features = lead_features(lead, touches=1, extra_fields=())
    model = learner.LogisticModel(intercept=0.0, weights={"Form: demo request": 2.0})
    alone = score_lead(lead, rules)
    half = score_lead(lead, rules, features=features, learned=Learned(model, 0.5))
    p = learner.sigmoid(2.0)
    assert half.learned_probability == pytest.approx(p)
    assert half.score == round(0.5 * alone.rules_score + 0.5 * 100 * p)
    assert half.rules_score == alone.rules_score
    factors = {r.factor: r.points for r in half.reasons}
    assert factors["Form: demo request"] == round(0.5 * 100 * (p - 0.5), 1)
    assert factors["Demo request form"] == 45 * 0.5
    points = [abs(r.points) for r in half.reasons]
    assert points == sorted(points, reverse=True)
    unused = score_lead(lead, rules, features=features, learned=Learned(model, 0.0))
    assert unused == alone


def test_features_name_bins_and_only_the_configured_custom_fields() -> None:
    assert bin_label(0.5, (0, 1, 3, 5), "min") == "0-1 min"
    assert bin_label(7, (0, 1, 3, 5), "min") == "5+ min"
    assert bin_label(2, (0, 1, 2, 4), whole=True) == "2-3"
    assert bin_label(1, (0, 1, 2, 4), whole=True) == "1"
    lead = example_lead(extra={"occupation": "Working Professional", "pet": "cat"})
    occupation = ExtraField(name="occupation", label="Occupation")
    names = lead_features(lead, touches=3, extra_fields=(occupation,))
    assert names["Occupation: working professional"] == "fit"
    assert names["Form: demo request"] == "intent"
    assert names["Submitted 3+ times"] == "intent"
    assert not any("cat" in n for n in names)


def test_the_learner_finds_the_signal_and_reports_auc_and_calibration() -> None:
    rows = [["a"], ["a"], ["a"], ["b"], ["b"], ["b"]] * 10
    labels = [1, 1, 0, 0, 0, 1] * 10
    model = learner.fit(rows, labels, l2=0.1, min_count=1)
    assert model.probability(["a"]) == pytest.approx(2 / 3, abs=0.02)
    assert model.probability(["b"]) == pytest.approx(1 / 3, abs=0.02)
    assert learner.roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert learner.roc_auc([0.5, 0.5], [0, 1]) == 0.5  # a tie counts half
    assert learner.roc_auc([0.1, 0.2], [1, 1]) is None
    bins = learner.calibration([0.05, 0.15, 0.95, 0.95], [0, 0, 1, 0], bins=10)
    assert (bins[9].count, bins[9].predicted, bins[9].observed) == (2, 0.95, 0.5)
    assert bins[5].count == 0 and bins[5].observed is None


def test_what_an_outcome_teaches() -> None:
    assert outcome_label(OutcomeStatus.WON, None) == 1
    assert outcome_label(OutcomeStatus.QUALIFIED, None) == 1
    assert outcome_label(OutcomeStatus.LOST, "price") == 0
    assert outcome_label(OutcomeStatus.DISQUALIFIED, "bad_fit") == 0
    assert outcome_label(OutcomeStatus.DISQUALIFIED, "spam") is None
    assert outcome_label(OutcomeStatus.DISQUALIFIED, "duplicate") is None


def _rules(**changes: object) -> dict[str, object]:
    raw = load_rules(Settings().rules_file).model_dump(mode="json")
    raw.update(changes)
    return raw


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": {"hot": 40, "warm": 70}}, "priority"),
        ({"grades": {"A": 80, "B": 90, "C": 40}}, "grades"),
        ({"weights": {"fit": 0, "intent": 0}}, "weights"),
        ({"version": "has spaces"}, "version"),
        ({"decay": {"half_life_hours": 0}}, "decay.half_life_hours"),
        ({"learning": {"max_weight": 1.5}}, "learning.max_weight"),
        ({"fit": [{"field": "company.size", "op": "gte", "value": "big", "points": 5,
                   "reason": "Big"}]}, "fit.0"),
        ({"intent": [{"field": "nowhere.x", "op": "present", "points": 5, "reason": "X"}]},
         "intent.0.field"),
    ],
)  # fmt: skip
def test_a_bad_rule_set_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RuleSet.model_validate(_rules(**changes))
    assert [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()] == [field]


def test_the_evaluation_never_reads_what_sales_wrote_after_contact() -> None:
    header = "Prospect ID,Lead Origin,Lead Source,TotalVisits,Converted," + ",".join(AFTER_CONTACT)
    row = "p-1,Lead Add Form,Reference,3,1," + ",".join("x" for _ in AFTER_CONTACT)
    other = "p-1,Lead Add Form,Reference,3,1," + ",".join("y" for _ in AFTER_CONTACT)
    [first] = csv.DictReader(io.StringIO(f"{header}\n{row}\n"))
    [second] = csv.DictReader(io.StringIO(f"{header}\n{other}\n"))
    assert to_lead(first) == to_lead(second)
    lead = Lead.model_validate(to_lead(first))
    assert lead.interest.form_type == "lead_add_form"
    assert lead.attribution.channel == "referral"
    assert lead.behaviour.visits == 3


def test_the_evaluation_reports_outcomes_feedback_accepts() -> None:
    from decimal import Decimal

    from deploy.eval.scoring import outcome_for
    from services.feedback.outcomes import OutcomeEntry, field_problems

    converted = {"Prospect ID": "p-1", "Converted": "1"}
    won = outcome_for(converted, "lead-1", "120.00")
    assert (won["status"], won["amount"], won["currency"]) == ("won", "120.00", "USD")
    lost = outcome_for({"Prospect ID": "p-2", "Converted": "0"}, "lead-2")
    assert lost["status"] in {"lost", "disqualified"} and lost["reason"]
    for body in (won, lost):
        entry = OutcomeEntry(
            outcome_id=body["outcome_id"],
            status=OutcomeStatus(body["status"]),
            occurred_at=datetime.now(UTC),
            reason=body.get("reason"),
            amount=Decimal(body["amount"]) if "amount" in body else None,
            currency=body.get("currency"),
        )
        assert field_problems(entry, reporting_currency="USD", rates={}) == []
