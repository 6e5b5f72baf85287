"""``make demo`` / ``python -m deploy.demo``: real leads through the whole Handoff loop.

Loads the sales org and accounts (``<data>/maven_crm/``), briefs one campaign per channel
with an assumed spend, replays the leads of a CSV at an accelerated pace while a simulated
sales team accepts, contacts and reports each lead's recorded outcome, and prints the
marketing report from feedback's and scoring's APIs. Exit 2 on a bad mapping or setup.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console

from deploy.demo import prepare, report
from deploy.demo.endpoints import DemoError, check_ready, resolve
from deploy.demo.mapping import DEFAULT_MAPPING, ColumnMapping, MappingError, load_mapping
from deploy.demo.replay import LeadState, Replay
from deploy.demo.sales import Pace, SalesTeam

DEFAULT_DATA = Path("../shared/data")
DEFAULT_CSV = "x_education_leads_dev.csv"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA,
        help="folder with maven_crm/ (the sales org) and, unless --csv, "
        f"{DEFAULT_CSV} (default: {DEFAULT_DATA})",
    )  # fmt: skip
    parser.add_argument("--csv", type=Path, help=f"a CSV of leads (default: <data>/{DEFAULT_CSV})")
    parser.add_argument(
        "--mapping", type=Path, default=DEFAULT_MAPPING,
        help="column mapping, JSON or TOML (default: the X Education mapping)",
    )  # fmt: skip
    parser.add_argument("--limit", type=int, help="replay only the first N leads")
    parser.add_argument(
        "--speed", type=float, default=60.0,
        help="simulated seconds per real second (default 60: a minute of a sales day in 1 s)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="the simulated team's random seed")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if not 1 <= args.speed <= 10_000:
        parser.error("--speed must be between 1 and 10000")
    return args


def read_leads(path: Path, mapping: ColumnMapping, limit: int | None) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            mapping.check_columns(reader.fieldnames or ())
            rows: list[dict[str, str]] = []
            for row in reader:
                if limit is not None and len(rows) >= limit:
                    break
                rows.append(row)
    except OSError as exc:
        raise DemoError(f"cannot read {path}: {exc.strerror}") from None
    if not rows:
        raise DemoError(f"{path} has no leads")
    return rows


async def demo(args: argparse.Namespace, out: Console, err: Console) -> int:
    mapping = load_mapping(args.mapping)
    rows = read_leads(args.csv or args.data / DEFAULT_CSV, mapping, args.limit)
    pace = Pace(args.speed)
    org = prepare.read_org(args.data / "maven_crm", pace)
    endpoints = resolve()
    run = secrets.token_hex(3)
    tag = f"+{run}"
    bodies = [mapping.to_lead(row, email_tag=tag) for row in rows]
    campaigns = prepare.plan_campaigns(mapping, bodies, [t.id for t in org.teams], run)
    for body in bodies:
        body.setdefault("attribution", {})["campaign_id"] = campaigns[
            mapping.campaign_value(body)
        ].id
    headers = {"Authorization": f"Bearer {endpoints.key}"}
    limits = httpx.Limits(max_connections=48)
    async with httpx.AsyncClient(headers=headers, timeout=30, limits=limits) as http:
        await check_ready(http, endpoints)
        out.print(f"Watch it live: [bold]{endpoints.dashboard}[/] (paste the API key it asks for)")
        counts = await prepare.load_org(http, endpoints, org)
        sla = pace.sla_seconds()
        out.print(
            f"Sales org: {counts['teams']} teams, {counts['reps']} reps, {counts['accounts']} "
            f"accounts; demo SLA hot {sla['hot']} s, warm {sla['warm']} s "
            f"(5 min and 1 h at {args.speed:g}x)"
        )
        if mapping.spec.scoring_rules:
            version = await prepare.install_scoring_rules(
                http, endpoints, mapping.scoring_rules_path()
            )
            out.print(f"Scoring rules: {version}")
        await prepare.register_campaigns(http, endpoints, mapping, campaigns)
        rules_version = await prepare.route_campaigns(http, endpoints, campaigns)
        spec = mapping.spec.campaigns
        out.print(
            f"Campaigns (routing rule set v{rules_version}; assumed spend in {spec.currency}):"
        )
        for c in campaigns.values():
            out.print(f"  {c.id:<32} {c.leads:>6} leads  spend {c.cost:>12,.2f}  -> team {c.team}")
        if spec.note:
            out.print(f"  {spec.note}")
        states = [
            (
                LeadState(
                    key=mapping.row_key(row),
                    campaign=campaigns[mapping.campaign_value(body)],
                    converted=mapping.converted(row),
                    amount=mapping.deal_amount(row),
                ),
                body,
            )
            for row, body in zip(rows, bodies, strict=True)
        ]
        first = datetime.now(UTC).date()
        out.print(f"Replaying {len(states)} leads from {args.csv or args.data / DEFAULT_CSV} ...")
        replay = Replay(
            http, endpoints, states, pace=pace, team=SalesTeam(args.seed), run=run,
            currency=mapping.spec.outcome.currency, console=err,
        )  # fmt: skip
        result = await replay.execute()
        last = datetime.now(UTC).date()
        rows_kpi, totals = await report.fetch(
            http, endpoints, list(campaigns.values()), first, last
        )
    out.print(f"Replay finished in {result.seconds:.0f} s.")
    report.render(out, rows_kpi, totals, result, speed=args.speed, note=spec.note)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Console(width=200) if not sys.stdout.isatty() else Console()
    err = Console(stderr=True)
    started = time.monotonic()
    try:
        code = asyncio.run(demo(args, out, err))
    except (DemoError, MappingError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    out.print(f"Done in {time.monotonic() - started:.0f} s.")
    return code


if __name__ == "__main__":
    sys.exit(main())
