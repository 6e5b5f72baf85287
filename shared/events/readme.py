"""Rewrites the README's generated tables from ``shared.events.catalogue``.

``python -m shared.events.readme`` replaces what stands between the ``services`` and
``event-catalogue`` markers; a test fails while the README and the catalogue disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.events.catalogue import markdown_table, services_table

README = Path(__file__).resolve().parents[2] / "README.md"

OWNS: dict[str, str] = {
    "intake": "`intake`: leads and touches, forms, campaign briefs, API keys, idempotency "
    "records, rate counters",
    "scoring": "`scoring`: scores with reasons and versions, rule set versions, lead profiles "
    "and outcomes, learned models",
    "routing": "`routing`: teams, reps, accounts, versioned rule sets, rotation state, "
    "assignments with their attempts, SLA timers, campaign briefs",
    "feedback": "`feedback`: routed leads, outcomes, SLA record, campaigns, spend, published "
    "lead-quality figures",
}
"""What each service keeps in its own schema (the README's services table)."""


def sections() -> dict[str, str]:
    """Each generated README part by its marker name."""
    return {"services": services_table(OWNS), "event-catalogue": markdown_table()}


def replace_between(text: str, marker: str, body: str) -> str:
    """``text`` with the part between ``<!-- marker:start -->`` and its end replaced."""
    start, end = f"<!-- {marker}:start -->\n", f"<!-- {marker}:end -->"
    if start not in text or end not in text:
        raise ValueError(f"README has no {marker} markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + start + body + end + tail


def main() -> int:
    text = README.read_text()
    for marker, body in sections().items():
        text = replace_between(text, marker, body)
    README.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
