"""The demo's column mappings: files read and checked, rows turned into leads and outcomes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deploy.demo.mapping import DEFAULT_MAPPING, MappingError, lead_targets, load_mapping
from deploy.demo.prepare import plan_campaigns
from deploy.demo.sales import Pace, SalesTeam
from shared.events import Lead

MINIMAL: dict[str, Any] = {
    "id_column": "ref",
    "email_domain": "shop.example",
    "missing": ["", "n/a", "select *"],
    "fields": {
        "contact.email": {"column": "Email"},
        "attribution.channel": {
            "column": "Source",
            "map": {"adwords": "search"},
            "default": "other",
        },
        "interest.form_type": {"column": "Form", "transform": "slug"},
        "interest.product": {"value": "Widgets"},
        "behaviour.visits": {"column": "Visits"},
        "behaviour.pages_viewed": {"column": "Pages"},
        "consent.marketing_email": {"column": "Opt out", "false": ["yes"]},
        "extra.budget": {"column": "Budget", "transform": "lower"},
    },
    "outcome": {"column": "Won", "won": ["y"], "deal_amount": "500", "amount_column": "Value"},
    "campaigns": {"by": "attribution.channel", "cost_per_lead": {"search": "12.50"}},
}
ROW = {
    "ref": "A-1",
    "Email": "Ada@Example.com",
    "Source": "AdWords",
    "Form": "Demo Request",
    "Visits": "3.0",
    "Pages": "2.5",
    "Opt out": "No",
    "Budget": "HIGH",
    "Won": "Y",
    "Value": "",
}


def write(tmp_path: Path, body: dict[str, Any], name: str = "mapping.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body))
    return path


def test_a_row_becomes_a_lead_intake_accepts(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, MINIMAL))
    body = mapping.to_lead(ROW)
    assert body == {
        "contact": {"email": "Ada@Example.com"},
        "attribution": {"channel": "search"},
        "interest": {"form_type": "demo_request", "product": "Widgets"},
        "behaviour": {"visits": 3, "pages_viewed": 2.5},
        "consent": {"marketing_email": True},
        "extra": {"budget": "high"},
    }
    Lead.model_validate(body)
    assert mapping.converted(ROW) and not mapping.converted({**ROW, "Won": "n"})
    assert mapping.deal_amount(ROW) == Decimal("500")  # empty value column: the default
    assert mapping.deal_amount({**ROW, "Value": "1234.5"}) == Decimal("1234.50")
    assert mapping.row_key(ROW) == "A-1"


def test_missing_values_unknown_map_entries_and_bad_numbers_leave_fields_out(
    tmp_path: Path,
) -> None:
    mapping = load_mapping(write(tmp_path, MINIMAL))
    row = {**ROW, "Source": "Fax", "Form": "N/A", "Visits": "many", "Budget": "Select one"}
    body = mapping.to_lead(row)
    assert body["attribution"] == {"channel": "other"}
    assert "form_type" not in body["interest"]
    assert body["behaviour"] == {"pages_viewed": 2.5}
    assert "extra" not in body
    assert mapping.to_lead({**ROW, "Opt out": "YES"})["consent"] == {"marketing_email": False}


def test_without_an_email_column_each_row_gets_an_address_of_its_own(tmp_path: Path) -> None:
    fields = {k: v for k, v in MINIMAL["fields"].items() if k != "contact.email"}
    mapping = load_mapping(write(tmp_path, {**MINIMAL, "fields": fields}))
    first = mapping.to_lead(ROW, email_tag="+r1")["contact"]["email"]
    assert first == "lead-a_1+r1@shop.example"
    assert mapping.to_lead({**ROW, "ref": "A-2"}, email_tag="+r1")["contact"]["email"] != first
    anonymous = {k: v for k, v in ROW.items() if k != "ref"}
    assert mapping.row_key(anonymous) == mapping.row_key(dict(anonymous))


def test_toml_mapping_files_read_the_same(tmp_path: Path) -> None:
    toml = """
id_column = "ref"
email_domain = "shop.example"

[fields."contact.email"]
column = "Email"

[fields."attribution.channel"]
column = "Source"
transform = "lower"

[outcome]
column = "Won"
won = ["y"]
"""
    path = tmp_path / "mapping.toml"
    path.write_text(toml)
    body = load_mapping(path).to_lead(ROW)
    assert body == {"contact": {"email": "Ada@Example.com"}, "attribution": {"channel": "adwords"}}


def test_an_unknown_target_field_is_named(tmp_path: Path) -> None:
    fields = {**MINIMAL["fields"], "contact.shoe_size": {"column": "Visits"}}
    with pytest.raises(MappingError) as error:
        load_mapping(write(tmp_path, {**MINIMAL, "fields": fields}))
    assert "unknown target field 'contact.shoe_size'" in str(error.value)
    assert "attribution.channel" in str(error.value)  # the known fields are listed


def test_a_column_the_csv_lacks_is_named_with_a_suggestion(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, MINIMAL))
    header = [c for c in ROW if c != "Source"] + ["Sources"]
    with pytest.raises(MappingError) as error:
        mapping.check_columns(header)
    assert error.value.problems == [
        "unknown column 'Source': the CSV has no such column (did you mean 'Sources'?)"
    ]
    mapping.check_columns(ROW)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"outcome": {}}, "outcome.column: Field required"),
        ({"fields": {"interest.product": {}}}, "give exactly one of column or value"),
        (
            {"fields": {"extra.x": {"column": "A", "transform": "title"}}},
            "fields.extra.x.transform",
        ),
        ({"fields": {"extra.x": {"column": "A", "true": ["y"]}}}, "true/false lists"),
        ({"campaigns": {"by": "company.industry"}}, "campaigns.by"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
        ({"scoring_rules": "nowhere.json"}, "scoring_rules: no file nowhere.json"),
    ],
)
def test_bad_mapping_files_are_refused_naming_the_entry(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    body = {**MINIMAL, **change}
    if "fields" in change:
        body["fields"] = {**MINIMAL["fields"], **change["fields"]}
    with pytest.raises(MappingError) as error:
        load_mapping(write(tmp_path, body))
    assert expected in str(error.value)


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(MappingError, match="not valid JSON"):
        load_mapping(broken)
    with pytest.raises(MappingError, match="cannot read it"):
        load_mapping(tmp_path / "absent.toml")


def test_the_x_education_mapping_fills_only_known_fields_and_names_its_rules() -> None:
    mapping = load_mapping(DEFAULT_MAPPING)
    targets = lead_targets()
    assert all(t in targets or t.startswith("extra.") for t in mapping.spec.fields)
    assert mapping.scoring_rules_path().is_file()
    assert mapping.spec.campaigns.note  # the made-up spend says so


def test_campaigns_get_spend_per_lead_and_teams_in_turn(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, MINIMAL))
    leads = [mapping.to_lead({**ROW, "Source": s}) for s in ("adwords", "adwords", "fax")]
    campaigns = plan_campaigns(mapping, leads, ["team-b", "team-a"], "r1")
    search, other = campaigns["search"], campaigns["other"]
    assert (search.id, search.leads, search.cost, search.team) == (
        "demo-r1-search",
        2,
        Decimal("25.00"),
        "team-a",
    )
    assert (other.leads, other.cost, other.team) == (1, Decimal("10.00"), "team-b")


def test_the_demo_pace_and_team_are_reproducible() -> None:
    assert Pace(60).sla_seconds() == {"hot": 5, "warm": 60}
    assert Pace(10_000).sla_seconds() == {"hot": 1, "warm": 1}
    one, two = SalesTeam(3), SalesTeam(3)
    reps = [f"rep-{i}" for i in range(200)]
    assert [one.is_slow(r) for r in reps] == [two.is_slow(r) for r in reps]
    assert 0.1 < sum(one.is_slow(r) for r in reps) / len(reps) < 0.3
    assert [one.accept_delay("rep-1", escalated=False) for _ in range(5)] == [
        two.accept_delay("rep-1", escalated=False) for _ in range(5)
    ]
    assert not any(one.declines(f"lead-{i}", attempt=2) for i in range(100))


def test_the_auc_progression_keeps_each_doubling_and_the_last_model() -> None:
    from deploy.demo.replay import ModelPoint
    from deploy.demo.report import milestones

    def point(learned: int) -> ModelPoint:
        return ModelPoint(float(learned), learned, f"m{learned}", learned, 0, 0.8, 0.7)

    points = [point(n) for n in (0, 30, 35, 59, 60, 100, 119, 121, 130)]
    assert [p.outcomes_learned for p in milestones(points)] == [0, 30, 60, 121, 130]
    assert milestones([]) == []
