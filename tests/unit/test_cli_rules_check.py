"""``handoff rules check``: the services' own validators, offline, each error with its path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, body: Any, name: str = "rules.json") -> Path:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


def test_the_shipped_rule_files_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(ROOT / "services/scoring/rules.json")]) == 0
    assert "valid scoring rule set" in capsys.readouterr().out
    assert main(["rules", "check", str(ROOT / "services/routing/org.json"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["kind"], result["valid"], result["summary"]["targets_checked"]) == (
        "routing",
        True,
        True,
    )


def test_a_bad_routing_rule_set_names_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        {
            "rules": [
                {
                    "id": "uk",
                    "conditions": [{"field": "countryy", "op": "eq", "value": "GB"}],
                    "team": "uk",
                },
                {"id": "both", "team": "uk", "rep": "ann"},
                {
                    "id": "big",
                    "conditions": [{"field": "company_size", "op": "gte", "value": "x"}],
                    "team": "inbound",
                },
            ],
            "default_team": "inbound",
        },
    )
    assert main(["rules", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "invalid routing rule set" in out
    assert "rules.0.conditions.0.field:" in out and "countryy" in out
    assert "rules.1: Value error, a rule names exactly one of team or rep" in out
    assert "rules.2.conditions.0: Value error, company_size compares with a number" in out


def test_targets_are_checked_against_an_org(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write(tmp_path, {"rules": [{"id": "r", "team": "emea"}], "default_team": "inbound"})
    org = ROOT / "services/routing/org.json"
    assert main(["--json", "rules", "check", str(rules), "--org", str(org)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["errors"] == [{"field": "rules.0.team", "message": "unknown team 'emea'"}]
    twice = write(
        tmp_path,
        {"rules": [{"id": "r", "team": "a"}, {"id": "r", "team": "b"}], "default_team": "a"},
    )
    assert main(["rules", "check", str(twice)]) == 1
    assert "rules.1.id: duplicate rule id 'r'" in capsys.readouterr().out


def test_a_bad_scoring_rule_set_names_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.loads((ROOT / "services/scoring/rules.json").read_text())
    body["priority"] = {"hot": 30, "warm": 40}
    body["fit"][0]["op"] = "between"
    path = write(tmp_path, body)
    assert main(["rules", "check", str(path), "--json"]) == 1
    fields = {e["field"] for e in json.loads(capsys.readouterr().out)["errors"]}
    assert fields == {"priority", "fit.0"}


def test_malformed_files_get_a_clear_message_and_a_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "check", str(write(tmp_path, '{"rules": [', "cut.json"))]) == 1
    assert "cut.json: not valid JSON (line 1" in capsys.readouterr().err
    assert main(["rules", "check", str(tmp_path / "none.json")]) == 1
    assert "none.json: no such file" in capsys.readouterr().err
    assert main(["rules", "check", str(write(tmp_path, {"colour": "red"}))]) == 1
    assert "pass --kind" in capsys.readouterr().err
    assert (
        main(["rules", "check", str(write(tmp_path, {"colour": "red"})), "--kind", "scoring"]) == 1
    )
    assert "weights: Field required" in capsys.readouterr().out
