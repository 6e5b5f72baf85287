"""``handoff dlq list|show|replay``: inspect dead-lettered events and replay them after a fix.

``list`` shows every entry of every dead-letter topic (or of ``--topic``), ``show`` one entry
in full, ``replay`` sends chosen entries back to the topic they failed on. Replay is
idempotent twice over: entries already replayed are skipped (see ``cli.dead_letters``), and
consumers skip event ids they handled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.config import CliError, CliSettings
from cli.dead_letters import DeadLetter, dead_letters, replay, replay_log
from shared.events.topics import DLQ_SUFFIX, DLQ_TOPICS
from shared.kafka.admin import list_topics


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dlq`` and its three subcommands."""
    parser = subparsers.add_parser("dlq", help="inspect and replay dead-lettered events")
    commands = parser.add_subparsers(dest="dlq_command", metavar="<list|show|replay>")
    commands.required = True

    topic_help = "a dead-letter topic, or the topic it belongs to (leads.scored = leads.scored.dlq)"
    listing = commands.add_parser("list", help="entries of every DLQ topic")
    listing.add_argument("--topic", help=topic_help)
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="one entry in full: headers and payload")
    show.add_argument("--topic", help=topic_help + "; required with --offset")
    show.add_argument("--partition", type=int, default=0)
    pick = show.add_mutually_exclusive_group(required=True)
    pick.add_argument("--offset", type=int, help="the entry's offset on the DLQ topic")
    pick.add_argument("--event-id", help="the dead-lettered event's id")
    show.set_defaults(run=run_show)

    again = commands.add_parser(
        "replay", help="re-produce entries to their original topic (skips ones replayed before)"
    )
    again.add_argument("--topic", help=topic_help + "; required with --offset")
    again.add_argument("--partition", type=int, default=0)
    choose = again.add_mutually_exclusive_group(required=True)
    choose.add_argument("--offset", type=int, action="append", help="repeat for several")
    choose.add_argument("--event-id", action="append", help="repeat for several")
    choose.add_argument("--all", action="store_true", help="every entry not replayed yet")
    again.set_defaults(run=run_replay)


def run_list(args: argparse.Namespace) -> int:
    letters = asyncio.run(_load(args.topic))
    if args.json:
        _print_json([letter.summary() for letter in letters])
        return 0
    if not letters:
        print("no dead letters")
        return 0
    table = Table()
    for column in ("topic", "offset", "event id", "type", "failed on", "error", "failed at", ""):
        # Folded, not cut: an operator copies event ids and offsets from this table.
        table.add_column(column, overflow="fold")
    for letter in letters:
        s = letter.summary()
        table.add_row(
            s["topic"],
            f"{s['partition']}:{s['offset']}" if s["partition"] else str(s["offset"]),
            s["event_id"] or "-",
            s["type"] or "-",
            f"{s['original_topic']}[{s['original_partition']}]@{s['original_offset']}",
            (s["error"] or "-")[:80],
            s["failed_at"][:19],
            "replayed" if s["replayed_at"] else "",
        )
    Console().print(table)
    return 0


def run_show(args: argparse.Namespace) -> int:
    # An event dead-lettered again after a replay has several entries: show the latest.
    letter = _select(asyncio.run(_load(args.topic)), args, offsets=_one(args.offset))[-1]
    detail = letter.detail()
    if args.json:
        _print_json(detail)
        return 0
    for name in ("topic", "partition", "offset", "event_id", "type", "key", "error"):
        print(f"{name:>16}: {detail[name]}")
    print(
        f"{'failed on':>16}: {detail['original_topic']}[{detail['original_partition']}]"
        f"@{detail['original_offset']} after {detail['attempts']} attempt(s) "
        f"in {detail['consumer_group']} at {detail['failed_at']}"
    )
    print(f"{'replayed at':>16}: {detail['replayed_at'] or 'never'}")
    print("headers:")
    for key, value in detail["headers"].items():
        print(f"  {key}: {value}")
    print("payload:")
    payload = detail["payload"]
    print(json.dumps(payload, indent=2) if not isinstance(payload, str) else payload)
    return 0


def run_replay(args: argparse.Namespace) -> int:
    bootstrap = CliSettings().kafka_bootstrap_servers
    letters = asyncio.run(_load(args.topic))
    chosen = letters if args.all else _select(letters, args, offsets=args.offset or [])
    todo = [letter for letter in chosen if letter.replayed_at is None]
    skipped = [letter.summary() for letter in chosen if letter.replayed_at is not None]
    sent = asyncio.run(replay(bootstrap, todo)) if todo else []
    if args.json:
        _print_json({"replayed": sent, "skipped_already_replayed": skipped})
        return 0
    for record in sent:
        print(
            f"replayed {record['dlq_topic']}@{record['offset']} "
            f"(event {record['event_id']}) to {record['replayed_to']}"
        )
    for s in skipped:
        print(f"skipped {s['topic']}@{s['offset']}: already replayed at {s['replayed_at']}")
    print(f"{len(sent)} replayed, {len(skipped)} skipped")
    return 0


async def _load(topic: str | None) -> list[DeadLetter]:
    """Entries of one DLQ topic, or of every project DLQ topic, with their replay marks."""
    bootstrap = CliSettings().kafka_bootstrap_servers
    try:
        existing = set(await list_topics(bootstrap))
    except Exception as exc:
        raise CliError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    if topic is None:
        names = [spec.name for spec in DLQ_TOPICS if spec.name in existing]
    else:
        name = topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX
        if name not in existing:
            known = ", ".join(spec.name for spec in DLQ_TOPICS)
            raise CliError(f"no dead-letter topic {name!r} on {bootstrap} (known: {known})")
        names = [name]
    replayed = await replay_log(bootstrap)
    letters: list[DeadLetter] = []
    for name in names:
        letters.extend(await dead_letters(bootstrap, name, replayed))
    return letters


def _select(
    letters: list[DeadLetter], args: argparse.Namespace, *, offsets: Sequence[int]
) -> list[DeadLetter]:
    """The entries named by ``--offset`` (with ``--topic``) or ``--event-id``; all must exist."""
    if offsets:
        if args.topic is None:
            raise CliError("--offset needs --topic: offsets are per dead-letter topic")
        by_offset = {(x.partition, x.offset): x for x in letters}
        missing = [o for o in offsets if (args.partition, o) not in by_offset]
        if missing:
            raise CliError(
                f"no dead letter at offset {', '.join(map(str, missing))} "
                f"(partition {args.partition}) on {_topic_of(args.topic)}; "
                f"it holds {_range(letters, args.partition)}"
            )
        return [by_offset[(args.partition, o)] for o in dict.fromkeys(offsets)]
    ids = args.event_id if isinstance(args.event_id, list) else [args.event_id]
    chosen = [x for x in letters if x.event_id in set(ids)]
    missing_ids = set(ids) - {x.event_id for x in chosen}
    if missing_ids:
        where = _topic_of(args.topic) if args.topic else "any dead-letter topic"
        raise CliError(f"no dead letter with event id {', '.join(sorted(missing_ids))} on {where}")
    return chosen


def _one(offset: int | None) -> list[int]:
    return [] if offset is None else [offset]


def _topic_of(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


def _range(letters: list[DeadLetter], partition: int) -> str:
    offsets = [x.offset for x in letters if x.partition == partition]
    return f"offsets {min(offsets)} to {max(offsets)}" if offsets else "no entries"


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
