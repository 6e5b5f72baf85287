"""Maps a row of the X Education lead data set to a Handoff lead, as its web form would send it.

Only what the lead gave or did before anyone from sales spoke to them is used. ``Tags``,
``Lead Quality``, ``Lead Profile``, ``Last Activity``, ``Last Notable Activity`` and the
``Asymmetrique *`` columns are written by sales staff after contact: they would leak the
outcome, so they never reach the lead. ``Select`` means the visitor chose nothing.
The column mapping itself lives in ``deploy/demo/mappings/x_education.json``, which the
demo uses too.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from deploy.demo.mapping import DEFAULT_MAPPING, ColumnMapping, load_mapping

# Columns written after contact; listed so that a test can check none of them is read.
AFTER_CONTACT = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Activity",
    "Last Notable Activity",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
)


@cache
def _mapping() -> ColumnMapping:
    return load_mapping(DEFAULT_MAPPING)


def lead_id_of(row: dict[str, str]) -> str:
    """A stable key of the row (its prospect id, else a hash of the row)."""
    return _mapping().row_key(row)


def to_lead(row: dict[str, str]) -> dict[str, Any]:
    """The body of ``POST /v1/leads`` for one CSV row."""
    return _mapping().to_lead(row)


def converted(row: dict[str, str]) -> int:
    return 1 if _mapping().converted(row) else 0
