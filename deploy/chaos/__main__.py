"""``python -m deploy.chaos`` (``make chaos``): the fault suite on a stack of its own.

Starts Kafka, PostgreSQL and the four services on their own ports and state directory (a
``make up`` stack is never touched), loads a small org, sends leads and outcomes while it
injects the faults one after another, waits until nothing is in flight, then checks and
prints the invariants and counts. Exits 1 if any invariant fails; the report also goes to
``bench-results/chaos.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from deploy.chaos.fleet import ROOT, Fleet, Ports
from deploy.chaos.run import Chaos, Options, run

SHORT = ("kill9-scoring", "outbox-crash", "consumer-crash-scoring", "duplicates", "poison")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.chaos", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--leads", type=int, default=10_000, help="at least this many leads")
    parser.add_argument("--rate", type=float, default=25.0, help="leads per second")
    parser.add_argument(
        "--faults",
        default="all",
        help="'all', 'short' (a kill -9, both failpoints, duplicates, poison) or a comma list of: "
        + ", ".join(Chaos.step_names()),
    )
    parser.add_argument("--gap", type=float, default=8.0, help="seconds of calm before each fault")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--outcome-share", type=int, default=3, help="outcomes for 1 lead in N")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local" / "chaos")
    parser.add_argument("--kafka-port", type=int, default=19092)
    parser.add_argument("--kafka-controller-port", type=int, default=19093)
    parser.add_argument("--pg-port", type=int, default=15433)
    parser.add_argument("--service-port-base", type=int, default=18001)
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results" / "chaos.json")
    return parser


def faults(value: str) -> tuple[str, ...]:
    known = Chaos.step_names()
    if value == "all":
        return known
    if value == "short":
        return SHORT
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise SystemExit(f"unknown fault(s) {unknown}; known: {', '.join(known)}")
    return chosen


def print_report(report: dict[str, Any]) -> None:
    print(f"\nchaos run: {'PASSED' if report['ok'] else 'FAILED'}")
    print(f"  leads accepted      {report['leads']} (sent {report['leads_sent']})")
    print(f"  outcomes accepted   {report['outcomes']}")
    print(f"  faults injected     {report['faults_injected']}")
    for kind, n in report["faults"].items():
        print(f"    {kind:40} {n}")
    print(f"  lost                {report['lost']}")
    print(f"  duplicated          {report['duplicated']}")
    print(f"  redeliveries skipped {report['redeliveries_skipped']}")
    print(
        f"  client retries      {report['client_retries']} "
        f"(answers retried: {report['retried_statuses'] or 'none'}; the rest no connection)"
    )
    print(
        f"  duration            {report['duration_seconds']} s "
        f"(traffic {report['traffic_seconds']} s, drain {report['drain_seconds']} s)"
    )
    for check in report["checks"]:
        mark = "ok  " if check["ok"] else "FAIL"
        print(f"  [{mark}] {check['name']}")
        for failure in check["failures"][:10]:
            print(f"         {failure}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="[chaos] %(message)s")
    options = Options(
        leads=args.leads,
        rate=args.rate,
        faults=faults(args.faults),
        gap=args.gap,
        drain_timeout=args.drain_timeout,
        outcome_share=args.outcome_share,
    )
    ports = Ports(args.kafka_port, args.kafka_controller_port, args.pg_port, args.service_port_base)
    fleet = Fleet(state_dir=args.state_dir.resolve(), ports=ports)
    try:
        fleet.up()
        report = asyncio.run(run(fleet, options))
    finally:
        if args.keep:
            for key in list(fleet.processes):
                fleet.stop(*key)
        else:
            fleet.down()
    print_report(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"  report              {args.output}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
