"""The event catalogue agrees with the code; released schemas only gain optional fields."""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord

from shared.events import catalogue, registry, snapshots
from shared.events.compat import breaking_changes
from shared.events.readme import sections as readme_sections
from shared.kafka.runner import dead_letter_headers

ROOT = Path(__file__).resolve().parents[2]


def test_every_registered_event_is_catalogued_once() -> None:
    assert catalogue.uncatalogued() == set()
    types = [e.event_type for e in catalogue.CATALOGUE]
    assert len(types) == len(set(types)) == len(registry())


@pytest.mark.parametrize("service", catalogue.SERVICES)
def test_the_consumers_named_in_the_catalogue_are_the_handlers_each_service_registers(
    service: str,
) -> None:
    app = importlib.import_module(f"services.{service}.app").create_app()
    assert set(app.state.runtime.handlers) == set(catalogue.events_in(service))


def test_dlq_headers_documented_are_the_ones_the_runner_sets() -> None:
    record: ConsumerRecord[bytes, bytes] = ConsumerRecord(
        topic="sales.outcomes",
        partition=1,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{}",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=2,
        headers=[("ce_type", b"sales.outcome_recorded.v1")],
    )
    names = {k for k, _ in dead_letter_headers(record, ValueError("x"), attempts=2, group="g")}
    assert {h.name for h in catalogue.DLQ_HEADERS} == names - {"ce_type"}


def _between(text: str, marker: str) -> str:
    start = f"<!-- {marker}:start -->\n"
    end = f"<!-- {marker}:end -->"
    assert start in text and end in text, f"README lacks the {marker} markers"
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_readme_tables_are_generated_from_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text()
    for marker, body in readme_sections().items():
        assert _between(readme, marker) == body, "run: python -m shared.events.readme"


def test_every_released_event_matches_its_committed_snapshot() -> None:
    report = snapshots.check()
    assert report.breaking == {}, "a released event changed: publish a new version instead"
    assert report.missing == [], "new event version: run python -m shared.events.snapshots"
    assert report.extended == [], "optional fields added: run python -m shared.events.snapshots"
    assert report.orphaned == []


def _routed() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((ROOT / "docs/events/lead.routed.v1.json").read_text())
    return schema


def test_adding_an_optional_field_is_compatible() -> None:
    old = _routed()
    new = copy.deepcopy(old)
    new["properties"]["territory"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    new["$defs"]["Contact"]["properties"]["mobile"] = {"type": "string", "default": ""}
    new["properties"]["team"]["description"] = "the team that took the lead"
    assert breaking_changes(old, new) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["properties"].pop("rule"), "rule: field removed"),
        (lambda s: s["properties"]["score"].update(type="string"), "score: type changed"),
        (
            lambda s: (
                s["properties"].__setitem__("territory", {"type": "string"}),
                s["required"].append("territory"),
            ),
            "territory: new field is required",
        ),
        (lambda s: s["required"].append("rep_name"), "rep_name: became required"),
        (
            lambda s: s["$defs"]["Priority"]["enum"].remove("cold"),
            "priority: enum changed (removed ['cold'])",
        ),
        (
            lambda s: s["$defs"]["Contact"]["properties"].pop("phone"),
            "lead.contact.phone: field removed",
        ),
        (
            lambda s: s["$defs"]["Contact"]["properties"]["email"].update(maxLength=100),
            "lead.contact.email: maxLength changed from 254 to 100",
        ),
    ],
    ids=["removed", "type", "new-required", "now-required", "narrowed-enum", "nested", "bound"],
)
def test_a_deliberately_breaking_change_is_caught(change: Any, expected: str) -> None:
    old = _routed()
    new = copy.deepcopy(old)
    change(new)
    problems = breaking_changes(old, new)
    assert any(p.startswith(expected) for p in problems), problems


def test_the_snapshot_command_refuses_a_breaking_change_and_writes_a_compatible_one(
    tmp_path: Path,
) -> None:
    assert snapshots.main(["--dir", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.json"))) == len(registry())
    assert snapshots.main(["--dir", str(tmp_path), "--check"]) == 0
    path = tmp_path / "lead.escalated.v1.json"
    snapshot = json.loads(path.read_text())
    snapshot["properties"]["breaches"]["type"] = "string"
    path.write_text(json.dumps(snapshot))
    assert snapshots.main(["--dir", str(tmp_path)]) == 1
    assert json.loads(path.read_text())["properties"]["breaches"]["type"] == "string"
    snapshot = json.loads(snapshots.render(snapshots.current_schema("lead.escalated.v1")))
    del snapshot["properties"]["team"]["title"]
    path.write_text(json.dumps(snapshot))
    assert snapshots.main(["--dir", str(tmp_path), "--check"]) == 1
    assert snapshots.main(["--dir", str(tmp_path)]) == 0
    assert snapshots.main(["--dir", str(tmp_path), "--check"]) == 0
