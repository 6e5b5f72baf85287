"""Rewrites the README's generated tables from ``shared.events.catalogue``.

``python -m shared.events.readme`` replaces what stands between the ``event-catalogue`` and
``service-events`` markers; a test fails while the README and the catalogue disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.events.catalogue import markdown_table, services_table

README = Path(__file__).resolve().parents[2] / "README.md"


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
    text = replace_between(text, "event-catalogue", markdown_table())
    text = replace_between(text, "service-events", services_table())
    README.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
