"""``handoff rules check <file>``: validate a routing or scoring rule file before it is loaded.

It runs the services' own validators offline, so what passes here is what the services
accept: routing's ``RuleSet`` (and, with ``--org`` or a file that carries its org, whether
every team and rep it names exists), scoring's ``RuleSet``. Each error names its field path.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cli.config import CliError
from cli.output import add_json_flag, emit
from services.routing.org import OrgConfig
from services.routing.rules import parse_rule_set
from services.scoring.config import RuleSet as ScoringRuleSet
from shared.errors import FieldError, InvalidInput, invalid_input_from

KINDS = ("routing", "scoring")


def register(subparsers: Any) -> None:
    rules = subparsers.add_parser("rules", help="work with routing and scoring rule files")
    actions = rules.add_subparsers(dest="rules_command", metavar="<action>", required=True)
    check = actions.add_parser(
        "check",
        help="validate a rule file offline; exit 1 on errors",
        description="Validate a routing or scoring rule file with the services' own validators.",
    )
    check.add_argument("file", type=Path)
    check.add_argument("--kind", choices=KINDS, help="default: detected from the file's keys")
    check.add_argument(
        "--org",
        type=Path,
        help="an org file (teams, reps) to check a routing rule set's targets against",
    )
    add_json_flag(check)
    check.set_defaults(run=run)


def read_json(path: Path) -> Any:
    """A JSON file's content, or a CliError saying what is wrong with it."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as error:
        raise CliError(f"{path}: cannot read ({error.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def detect(body: Any) -> str:
    """``routing`` or ``scoring`` from the keys only that kind of rule set has."""
    if isinstance(body, dict):
        keys = set(body)
        if "default_team" in keys or {"org", "rules"} <= keys:
            return "routing"
        if keys & {"weights", "fit", "intent", "grades"}:
            return "scoring"
    raise CliError(
        "cannot tell whether this is a routing or a scoring rule file "
        "(a routing set has default_team, a scoring set has weights, fit and intent): "
        "pass --kind"
    )


def check_routing(body: Any, org_body: Any | None) -> tuple[list[FieldError], dict[str, Any]]:
    """Errors of a routing rule set (or a ``{"org", "rules"}`` file) and a short summary."""
    prefix = ""
    if isinstance(body, dict) and {"org", "rules"} <= set(body) and org_body is None:
        org_body, body, prefix = body["org"], body["rules"], "rules."
    errors: list[FieldError] = []
    try:
        rules = parse_rule_set(body)
    except InvalidInput as exc:
        return [FieldError(prefix + f.field, f.message) for f in exc.fields], {}
    summary: dict[str, Any] = {"rules": len(rules.rules), "default_team": rules.default_team}
    if org_body is not None:
        try:
            org = OrgConfig.model_validate(org_body)
            org.check()
        except ValidationError as exc:
            fields = invalid_input_from("invalid org", exc).fields
            return [FieldError(f"org.{f.field}", f.message) for f in fields], summary
        except InvalidInput as exc:
            return [FieldError(f"org.{f.field}", f.message) for f in exc.fields], summary
        try:
            rules.check(teams=[t.id for t in org.teams], reps=[r.id for r in org.reps])
        except InvalidInput as exc:
            errors = [FieldError(prefix + f.field, f.message) for f in exc.fields]
        summary["targets_checked"] = True
    else:
        # Without an org every target counts as known, so only repeated rule ids are found.
        teams = {rules.default_team, *(r.team for r in rules.rules if r.team)}
        try:
            rules.check(teams=teams, reps={r.rep for r in rules.rules if r.rep})
        except InvalidInput as exc:
            errors = [FieldError(prefix + f.field, f.message) for f in exc.fields]
        summary["targets_checked"] = False
    return errors, summary


def check_scoring(body: Any) -> tuple[list[FieldError], dict[str, Any]]:
    """Errors of a scoring rule set and a short summary."""
    try:
        rules = ScoringRuleSet.model_validate(body)
    except ValidationError as exc:
        return invalid_input_from("invalid rule set", exc).fields, {}
    return [], {
        "version": rules.version,
        "config_version": rules.config_version,
        "fit_rules": len(rules.fit),
        "intent_rules": len(rules.intent),
    }


def run(args: argparse.Namespace) -> int:
    body = read_json(args.file)
    kind = args.kind or detect(body)
    if kind == "routing":
        org_body = None
        if args.org is not None:
            org_body = read_json(args.org)
            if isinstance(org_body, dict) and "org" in org_body:
                org_body = org_body["org"]
        errors, summary = check_routing(body, org_body)
    else:
        if args.org is not None:
            raise CliError("--org applies to routing rule files only")
        errors, summary = check_scoring(body)
    result = {
        "file": str(args.file),
        "kind": kind,
        "valid": not errors,
        "errors": [{"field": e.field, "message": e.message} for e in errors],
        "summary": summary,
    }
    if args.json:
        emit(result)
    elif errors:
        print(f"{args.file}: invalid {kind} rule set, {len(errors)} error(s):")
        for e in errors:
            print(f"  {e.field}: {e.message}")
    else:
        details = ", ".join(f"{k} {v}" for k, v in summary.items())
        print(f"{args.file}: valid {kind} rule set ({details})")
    return 1 if errors else 0
