"""Rules as data: matching, order, validation against the org; the org, its CSV and capacity."""

import json
from datetime import date
from pathlib import Path

import pytest

from services.routing.capacity import campaign_days, check_capacity
from services.routing.org import OrgConfig, RepConfig, TeamConfig, company_key, load_org
from services.routing.org_csv import org_from_csv
from services.routing.rules import RuleSet, lead_facts, parse_rule_set
from services.routing.settings import Settings
from shared.errors import InvalidInput
from shared.events import LeadScoredV1, Priority, utcnow
from shared.events.models import example_lead

RULES = {
    "rules": [
        {"id": "enterprise", "conditions": [{"field": "company_size", "op": "gte", "value": 1000}],
         "team": "enterprise"},
        {"id": "emea", "conditions": [{"field": "country", "op": "in", "value": ["GB", "de"]},
                                      {"field": "priority", "op": "eq", "value": "hot"}],
         "team": "emea"},
        {"id": "spring-vip", "conditions": [{"field": "campaign_id", "op": "eq", "value": "vip"}],
         "rep": "ann"},
    ],
    "default_team": "inbound",
}  # fmt: skip


def scored(priority: Priority = Priority.HOT, **lead: object) -> LeadScoredV1:
    return LeadScoredV1(
        lead_id="l1", captured_at=utcnow(), scored_at=utcnow(), score=80, fit=80, intent=80,
        grade="A", priority=priority, reasons=(), config_version="c", model_version="m",
        lead=example_lead(**lead),
    )  # fmt: skip


def test_the_first_matching_rule_wins_and_the_default_catches_the_rest() -> None:
    rules = RuleSet.model_validate(RULES)
    big = scored(company={"size": 5000, "country": "GB"})
    assert rules.first_match(lead_facts(big)).id == "enterprise"  # type: ignore[union-attr]
    uk = scored(company={"size": 50, "country": "GB"})
    assert rules.first_match(lead_facts(uk)).id == "emea"  # type: ignore[union-attr]
    warm_uk = scored(Priority.WARM, company={"size": 50, "country": "GB"})
    assert rules.first_match(lead_facts(warm_uk)) is None
    vip = scored(company={"country": "US"}, attribution={"campaign_id": "VIP"})
    assert rules.first_match(lead_facts(vip)).rep == "ann"  # type: ignore[union-attr]


def test_numbers_between_and_absent_values() -> None:
    rules = parse_rule_set(
        {"rules": [
            {"id": "mid", "conditions": [{"field": "company_size", "op": "between",
                                          "value": [100, 999]}], "team": "mid"},
            {"id": "no-domain", "conditions": [{"field": "domain", "op": "absent"}], "team": "x"},
        ], "default_team": "inbound"}
    )  # fmt: skip
    assert rules.first_match(lead_facts(scored(company={"size": 120}))).id == "mid"  # type: ignore[union-attr]
    assert rules.first_match(lead_facts(scored(company={"size": 5}))).id == "no-domain"  # type: ignore[union-attr]


def test_a_bad_rule_set_names_each_bad_field() -> None:
    body = {
        "rules": [
            {"id": "a", "conditions": [{"field": "shoe_size", "op": "eq", "value": "9"}],
             "team": "x"},
            {"id": "b", "conditions": [{"field": "score", "op": "in", "value": ["1"]}],
             "team": "x"},
            {"id": "c", "team": "x", "rep": "y"},
        ],
        "default_team": "inbound",
    }  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        parse_rule_set(body)
    fields = {f.field for f in caught.value.fields}
    assert fields == {"rules.0.conditions.0.field", "rules.1.conditions.0", "rules.2"}
    assert "unknown field 'shoe_size'" in caught.value.fields[0].message


def test_rules_naming_unknown_teams_or_reps_are_refused() -> None:
    rules = RuleSet.model_validate(RULES)
    with pytest.raises(InvalidInput) as caught:
        rules.check(teams={"inbound", "emea"}, reps={"bob"})
    assert {(f.field, f.message) for f in caught.value.fields} == {
        ("rules.0.team", "unknown team 'enterprise'"),
        ("rules.2.rep", "unknown rep 'ann'"),
    }


def test_an_org_with_dangling_references_is_refused_naming_them() -> None:
    org = OrgConfig(
        teams=(TeamConfig(id="t", name="T", manager_id="nobody"),),
        reps=(RepConfig(id="a", name="A", team="ghost"), RepConfig(id="a", name="A2", team="t")),
    )
    with pytest.raises(InvalidInput) as caught:
        org.check()
    assert {f.field for f in caught.value.fields} == {
        "teams.0.manager_id",
        "reps.0.team",
        "reps.1.id",
    }


def test_the_default_org_file_is_valid_and_its_rules_resolve() -> None:
    org, rules = load_org(Settings().org_file)
    parse_rule_set(rules).check(teams=[t.id for t in org.teams], reps=[r.id for r in org.reps])
    assert org.teams[0].manager_id in {r.id for r in org.reps if r.role == "manager"}


def test_company_names_compare_without_case_punctuation_or_legal_suffix() -> None:
    assert company_key("Acme Corporation") == company_key("ACME corp.") == "acme"
    assert company_key(None) is None


def test_an_org_loads_from_csv_with_owners_from_the_pipeline(tmp_path: Path) -> None:
    teams = tmp_path / "teams.csv"
    teams.write_text(
        "sales_agent,manager,regional_office\nAnna Snelling,Dustin Brinkmann,Central\n"
        "Moses Frase,Dustin Brinkmann,Central\nViolet Mclelland,Cara Losch,East\n"
    )
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account,sector\nCancity,retail\nUnworked,retail\n")
    pipeline = tmp_path / "pipeline.csv"
    pipeline.write_text(
        "opportunity_id,sales_agent,account,engage_date\n1,Moses Frase,Cancity,2017-01-01\n"
        "2,Anna Snelling,Cancity,2017-02-01\n3,Moses Frase,Cancity,2016-01-01\n"
    )
    org = org_from_csv(teams=teams, accounts=accounts, pipeline=pipeline)
    org.check()
    assert [t.id for t in org.teams] == ["cara-losch", "dustin-brinkmann"]
    assert org.teams[1].region == "Central"
    managers = {r.id for r in org.reps if r.role == "manager"}
    assert managers == {"cara-losch", "dustin-brinkmann"}
    assert [(a.id, a.owner_rep_id) for a in org.accounts] == [("cancity", "moses-frase")]


def test_accounts_without_owners_need_the_pipeline(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account\nCancity\n")
    with pytest.raises(InvalidInput, match="no owner column"):
        org_from_csv(teams=None, accounts=accounts)


def test_a_team_file_with_bad_values_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "org.json"
    bad.write_text(json.dumps({"org": {"teams": [{"id": "T 1", "name": "x",
                                                  "sla_seconds": {"lukewarm": 5}}]},
                               "rules": {}}))  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        load_org(bad)
    assert {f.field for f in caught.value.fields} == {
        "org.teams.0.id",
        "org.teams.0.sla_seconds.lukewarm.[key]",
    }


def test_capacity_counts_working_days_hours_and_open_leads() -> None:
    team = TeamConfig(id="t", name="T", minutes_per_hot_lead=30)
    reps = [
        RepConfig(id="a", name="A", team="t", working_hours={"start": "09:00", "end": "13:00"}),
        RepConfig(id="b", name="B", team="t"),
        RepConfig(id="off", name="Off", team="t", active=False),
    ]  # fmt: skip
    days = campaign_days(date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 1))  # Mon-Sun
    result = check_capacity(
        team=team, reps=reps, open_leads={"b": 10}, expected_leads=1000, hot_share=0.3, days=days
    )
    # a: 5 days x 4 h x 2 per hour = 40; b: 5 days x 8 h x 2 = 80, less 10 open.
    assert (result.capacity, result.expected_hot_leads, result.days) == (110, 300, 7)
    assert result.short
    assert "300" in result.message()
    small = check_capacity(
        team=team, reps=reps, open_leads={}, expected_leads=100, hot_share=0.3, days=days
    )
    assert not small.short


def test_working_hours_with_a_utc_offset_are_refused_not_a_crash() -> None:
    from pydantic import ValidationError

    from services.routing.org import WorkingHours

    with pytest.raises(ValidationError, match="without a UTC offset"):
        WorkingHours.model_validate({"start": "09:00", "end": "00:00:00Z"})
