"""``handoff simulate <leads.csv> [--rules draft.json]``: where a batch of leads would go.

Each CSV row becomes a lead for routing's what-if endpoint (``POST /v1/simulate``), which
decides with the stored org and rotation state under the current or a draft rule set and
assigns nothing. Rows are checked locally first, so a bad file fails before any call.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from cli.client import Client
from cli.config import CliError, CliSettings
from cli.output import add_json_flag, console, emit
from cli.rules_check import check_routing, read_json
from services.intake.fields import normalise_country
from shared.events import Lead, Priority

BATCH = 500
MAX_ERRORS = 20

# CSV column (lower case, spaces as underscores) → where it goes in the lead.
COLUMNS: dict[str, tuple[str, str]] = {
    "email": ("contact", "email"),
    "first_name": ("contact", "first_name"),
    "last_name": ("contact", "last_name"),
    "phone": ("contact", "phone"),
    "job_title": ("contact", "job_title"),
    "company": ("company", "name"),
    "company_name": ("company", "name"),
    "domain": ("company", "domain"),
    "size": ("company", "size"),
    "company_size": ("company", "size"),
    "industry": ("company", "industry"),
    "country": ("company", "country"),
    "region": ("company", "region"),
    "product": ("interest", "product"),
    "form_type": ("interest", "form_type"),
    "channel": ("attribution", "channel"),
    "source": ("attribution", "source"),
    "campaign_id": ("attribution", "campaign_id"),
    "campaign": ("attribution", "campaign_id"),
}
TOP_LEVEL = ("lead_id", "priority", "score", "grade")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="where a CSV of leads would go under the current or a draft routing rule set",
        description=(
            "Route a CSV of leads through routing's what-if simulation; nothing is assigned. "
            f"Columns: {', '.join([*TOP_LEVEL, *COLUMNS])} (others are ignored)."
        ),
    )
    parser.add_argument("leads", type=Path, help="CSV file with a header row")
    parser.add_argument("--rules", type=Path, help="a draft routing rule set (JSON)")
    parser.add_argument(
        "--priority",
        choices=[p.value for p in Priority],
        default=Priority.HOT.value,
        help="priority of rows without a priority column (default hot)",
    )
    parser.add_argument("--at", type=datetime.fromisoformat, help="pretend it is this time")
    add_json_flag(parser)
    parser.set_defaults(run=run)


def read_leads(path: Path, default_priority: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Simulation items from the CSV, and the columns it ignored; CliError lists bad rows."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as error:
        raise CliError(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        try:
            rows = list(csv.DictReader(handle))
        except (csv.Error, UnicodeDecodeError) as error:
            raise CliError(f"{path}: not a readable CSV file ({error})") from None
    if not rows:
        raise CliError(f"{path}: no leads (a header row and at least one row are needed)")
    headers = {h: h.strip().lower().replace(" ", "_") for h in rows[0] if h is not None}
    known = set(COLUMNS) | set(TOP_LEVEL)
    if not known & set(headers.values()):
        raise CliError(f"{path}: no known column; expected some of {', '.join(sorted(known))}")
    ignored = sorted(h for h, n in headers.items() if n not in known)
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        values = {headers[h]: (v or "").strip() for h, v in row.items() if h in headers}
        item, problems = _item(values, number, default_priority)
        errors.extend(f"{path}:{number}: {p}" for p in problems)
        if item is not None:
            items.append(item)
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS])
        more = f"\n  … and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise CliError(f"{len(errors)} bad value(s) in {path}:\n  {shown}{more}")
    return items, ignored


def _item(
    values: dict[str, str], line: int, default_priority: str
) -> tuple[dict[str, Any] | None, list[str]]:
    lead: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for column, (section, name) in COLUMNS.items():
        value = values.get(column)
        if not value:
            continue
        if column == "country" and len(value) != 2:
            try:
                value = normalise_country(value)
            except ValueError as error:
                problems.append(f"country: {error}")
                continue
        lead.setdefault(section, {})[name] = value.upper() if column == "country" else value
    lead.setdefault("contact", {}).setdefault("email", f"row{line}@simulation.invalid")
    item: dict[str, Any] = {
        "lead_id": values.get("lead_id") or f"row-{line}",
        "priority": (values.get("priority") or default_priority).lower(),
    }
    for name in ("score", "grade"):
        if values.get(name):
            item[name] = values[name]
    try:
        item["lead"] = Lead.model_validate(lead).model_dump(mode="json", exclude_defaults=True)
    except ValidationError as exc:
        problems.extend(_errors(exc))
    if item["priority"] not in {p.value for p in Priority}:
        problems.append(f"priority: {item['priority']!r} is not hot, warm or cold")
    if "score" in item:
        try:
            item["score"] = int(item["score"])
            if not 0 <= item["score"] <= 100:
                raise ValueError
        except ValueError:
            problems.append(f"score: {values['score']!r} is not a whole number from 0 to 100")
    return (None if problems else item), problems


def _errors(exc: ValidationError) -> Iterator[str]:
    for err in exc.errors():
        yield f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


def run(args: argparse.Namespace) -> int:
    items, ignored = read_leads(args.leads, args.priority)
    body: dict[str, Any] = {}
    if args.rules is not None:
        draft = read_json(args.rules)
        errors, _ = check_routing(draft, None)
        if errors:
            lines = "\n  ".join(f"{e.field}: {e.message}" for e in errors)
            raise CliError(f"{args.rules}: invalid routing rule set:\n  {lines}")
        if isinstance(draft, dict) and {"org", "rules"} <= set(draft):
            body = {"rules": draft["rules"], "org": draft["org"]}
        else:
            body = {"rules": draft}
    if args.at is not None:
        body["at"] = args.at.isoformat()
    client = Client(CliSettings())
    routes = _simulate(client, items, body, quiet=bool(args.json))
    for item, route in zip(items, routes, strict=True):
        route["email"] = item["lead"]["contact"]["email"]
    if args.json:
        emit(
            {"leads": len(routes), "ignored_columns": ignored, **summarise(routes)}
            | {"routes": routes}
        )
        return 0
    _print(routes, ignored, draft=args.rules is not None)
    return 0


def _simulate(
    client: Client, items: list[dict[str, Any]], body: dict[str, Any], *, quiet: bool
) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = []
    progress = Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        disable=quiet,
        transient=True,
    )
    with progress:
        task = progress.add_task("leads", total=len(items))
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            answer = client.post("routing", "/v1/simulate", {**body, "leads": chunk})
            routes.extend(answer["routes"])
            progress.advance(task, len(chunk))
    return routes


def summarise(routes: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per team, per holder (rep or queue) within a team, per rule and per status."""
    holders = Counter(
        (r["team"], r["rep_id"] or f"queue:{r['queue'] or r['status']}") for r in routes
    )
    return {
        "by_team": dict(Counter(r["team"] for r in routes).most_common()),
        "by_rep": [
            {"team": team, "holder": holder, "leads": n}
            for (team, holder), n in holders.most_common()
        ],
        "by_rule": dict(Counter(r["rule"] for r in routes).most_common()),
        "by_status": dict(Counter(r["status"] for r in routes).most_common()),
    }


def _print(routes: list[dict[str, Any]], ignored: list[str], *, draft: bool) -> None:
    out = console()
    summary = summarise(routes)
    out.print(
        f"[bold]{len(routes)} leads[/bold] under the {'draft' if draft else 'current'} rule set "
        "(nothing assigned)"
    )
    if ignored:
        out.print(f"ignored columns: {', '.join(ignored)}")
    teams = Table("team", "leads", "share", show_edge=False, pad_edge=False)
    for team, n in summary["by_team"].items():
        teams.add_row(team, str(n), f"{n / len(routes):.0%}")
    out.print(teams)
    reps = Table("team", "rep or queue", "leads", show_edge=False, pad_edge=False)
    for row in summary["by_rep"]:
        reps.add_row(row["team"], row["holder"], str(row["leads"]))
    out.print(reps)
    rules = ", ".join(f"{rule} {n}" for rule, n in summary["by_rule"].items())
    statuses = ", ".join(f"{status} {n}" for status, n in summary["by_status"].items())
    out.print(f"by rule: {rules}\nby status: {statuses}")
