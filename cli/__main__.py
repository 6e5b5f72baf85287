"""``handoff <command>``: one entry point; each command lives in its own module.

A command module exposes ``register(subparsers)``, which adds its parser and sets
``run=<callable(args) -> int>`` as the parser default. Errors meant for the user are raised
as :class:`cli.config.CliError` and printed without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli.config import CliError

COMMANDS: tuple[str, ...] = ("trace", "rules_check", "simulate", "dlq")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command's subparser registered."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="handoff",
        description="Operate a running Handoff: trace leads, check rules, replay dead letters.",
    )
    parser.add_argument(
        "--json", action="store_true", help="machine-readable output on stdout (for scripts)"
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user errors print ``handoff: <message>`` and exit non-zero."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except CliError as error:
        print(f"handoff: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
