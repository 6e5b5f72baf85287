"""Committed JSON Schemas of every released event version, under ``docs/events/``.

``python -m shared.events.snapshots`` writes the snapshot of each event version that has
none yet and refreshes those whose only changes are new optional fields; it refuses (exit 1)
when a released schema changed any other way, naming each breaking change. A test runs the
same check, so a breaking edit of a released event cannot pass the suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.events.compat import breaking_changes
from shared.events.envelope import registry

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"


def current_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema the code gives ``event_type``'s payload today."""
    schema: dict[str, Any] = registry()[event_type].model_json_schema(mode="validation")
    return schema


def render(schema: dict[str, Any]) -> str:
    """A snapshot as committed."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass
class Report:
    """What comparing the code with the snapshots found."""

    missing: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    breaking: dict[str, list[str]] = field(default_factory=dict)
    orphaned: list[str] = field(default_factory=list)


def check(directory: Path = DEFAULT_DIR) -> Report:
    """Compare every registered event with its snapshot."""
    report = Report()
    known = registry()
    for event_type in sorted(known):
        path = directory / f"{event_type}.json"
        schema = current_schema(event_type)
        if not path.exists():
            report.missing.append(event_type)
            continue
        snapshot = json.loads(path.read_text())
        problems = breaking_changes(snapshot, schema)
        if problems:
            report.breaking[event_type] = problems
        elif render(snapshot) != render(schema):
            report.extended.append(event_type)
    if directory.exists():
        report.orphaned = sorted(p.stem for p in directory.glob("*.json") if p.stem not in known)
    return report


def update(directory: Path = DEFAULT_DIR) -> Report:
    """Write missing and compatibly extended snapshots; never overwrite a breaking one."""
    report = check(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for event_type in (*report.missing, *report.extended):
        (directory / f"{event_type}.json").write_text(render(current_schema(event_type)))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Update the snapshots (default) or, with ``--check``, only report."""
    parser = argparse.ArgumentParser(prog="python -m shared.events.snapshots")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    report = check(args.dir) if args.check else update(args.dir)
    verb = "missing" if args.check else "written"
    for event_type in report.missing:
        print(f"{event_type}: new version, snapshot {verb}")
    for event_type in report.extended:
        print(
            f"{event_type}: optional fields added, snapshot {'stale' if args.check else 'updated'}"
        )
    for event_type in report.orphaned:
        print(f"{event_type}: snapshot of an event type the code no longer has", file=sys.stderr)
    for event_type, problems in report.breaking.items():
        print(f"{event_type}: BREAKING — publish a new version instead:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    stale = args.check and (report.missing or report.extended)
    return 1 if report.breaking or report.orphaned or stale else 0


if __name__ == "__main__":
    sys.exit(main())
