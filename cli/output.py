"""How commands print: JSON for scripts on stdout, rich tables for people."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from rich.console import Console


def emit(value: Any) -> None:
    """Write ``value`` as JSON on stdout (``--json``)."""
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def console() -> Console:
    """A console for human output; plain text when stdout is not a terminal."""
    return Console(highlight=False, soft_wrap=True)


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp from an API answer."""
    return datetime.fromisoformat(value) if value else None


def duration(seconds: float | None) -> str:
    """``850 ms``, ``12.3 s``, ``4 min 05 s``, ``3 h 20 min``, ``2 d 4 h``."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def add_json_flag(parser: Any) -> None:
    """Accept ``--json`` after the command too; SUPPRESS keeps ``handoff --json cmd`` working."""
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="machine-readable output on stdout (for scripts)",
    )
