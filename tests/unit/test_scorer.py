import json
from pathlib import Path

import pytest

from services.scoring.scorer import RuleSet, load_rules, score_lead
from services.scoring.settings import Settings
from shared.errors import InvalidInput
from shared.events import Priority
from shared.events.models import example_lead


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(Settings().rules_file)


def test_a_senior_buyer_at_a_large_company_asking_for_a_demo_is_hot(rules: RuleSet) -> None:
    lead = example_lead(
        contact={"email": "cto@bigco.com", "job_title": "Chief Technology Officer"},
        company={"domain": "bigco.com", "size": 5000, "country": "US"},
        interest={"form_type": "demo_request", "product": "GTX Pro", "message": "Call me"},
        behaviour={"visits": 6, "pages_viewed": 12, "time_on_site_seconds": 900},
    )
    result = score_lead(lead, rules)
    assert result.priority is Priority.HOT
    assert result.grade == "A"
    assert result.fit == 100 and result.intent == 100
    assert result.reasons[0].points >= result.reasons[-1].points


def test_a_free_mail_newsletter_sign_up_is_cold_and_says_why(rules: RuleSet) -> None:
    lead = example_lead(
        contact={"email": "someone@gmail.com"},
        company={},
        interest={"form_type": "newsletter"},
        attribution={},
    )
    result = score_lead(lead, rules)
    assert result.priority is Priority.COLD
    assert result.grade == "D"
    factors = {r.factor: r.points for r in result.reasons}
    assert factors["Free-mail address"] == -10
    assert factors["Newsletter sign-up"] == 5
    assert result.fit == 0  # negative points never push a score below zero


def test_weights_blend_fit_and_intent(rules: RuleSet) -> None:
    lead = example_lead()
    fit_only = rules.model_copy(update={"weights": {"fit": 1.0, "intent": 0.0}})
    result = score_lead(lead, fit_only)
    assert result.score == result.fit


def test_a_rule_file_with_an_unknown_operator_is_refused_naming_the_rule(tmp_path: Path) -> None:
    raw = json.loads(Settings().rules_file.read_text())
    raw["fit"][1]["op"] = "roughly"
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(InvalidInput) as caught:
        load_rules(bad)
    assert [f.field for f in caught.value.fields] == ["fit.1.op"]


def test_a_rule_needing_a_value_without_one_is_refused(tmp_path: Path) -> None:
    raw = json.loads(Settings().rules_file.read_text())
    raw["intent"][0].pop("value")
    bad = tmp_path / "rules.json"
    bad.write_text(json.dumps(raw))
    with pytest.raises(InvalidInput, match=r"invalid rules\.json"):
        load_rules(bad)


def test_the_digest_changes_with_any_rule(rules: RuleSet) -> None:
    changed = rules.model_copy(update={"priority": {"hot": 71, "warm": 40}})
    assert changed.digest != rules.digest
