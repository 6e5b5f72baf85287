"""JSON log lines carrying the event id and lead id of the work in progress.

Personal data never reaches a log line: every e-mail address and phone number in the message,
the exception text and any ``extra`` field is masked (``g***@hopper-labs.com``,
``+1******4567``) before the line is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)
lead_id_var: ContextVar[str | None] = ContextVar("lead_id", default=None)

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# A phone number: an optional +, then 7 to 15 digits with the usual separators. Long runs of
# digits inside identifiers (UUIDs, offsets) are not phones: they have letters or dashes around.
_PHONE = re.compile(r"(?<![\w-])(\+?)(\(?\d[\d ().-]{5,20}\d)(?![\w-])")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def _mask_phone(match: re.Match[str]) -> str:
    body = match.group(2)
    digits = re.sub(r"\D", "", body)
    plain = body.isdigit() and not match.group(1)
    if not 7 <= len(digits) <= 15 or (plain and len(digits) < 10) or _not_a_phone(body):
        return match.group(0)
    keep = 4 if len(digits) > 8 else 2
    country = digits[:1] if match.group(1) else ""
    return f"{match.group(1)}{country}{'*' * (len(digits) - len(country) - keep)}{digits[-keep:]}"


def _not_a_phone(text: str) -> bool:
    """Dates, times, decimals and IPv4 addresses have digits and separators too."""
    return bool(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}.*|[\d:.]*:[\d:.]*|\d+\.\d+|\d{1,3}(\.\d{1,3}){3}", text)
    )


def mask(text: str) -> str:
    """``text`` with every e-mail address and phone number masked."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE.sub(_mask_phone, text)


def mask_value(value: Any) -> Any:
    """A JSON-able copy of ``value`` with every string in it masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {str(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line, so logs can be searched by lead or event id."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        if (event_id := event_id_var.get()) is not None:
            line["event_id"] = event_id
        if (lead_id := lead_id_var.get()) is not None:
            line["lead_id"] = lead_id
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line:
                line[name] = mask_value(value)
        if record.exc_info:
            line["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


def configure(service: str, level: str = "INFO") -> None:
    """Send every logger's output, uvicorn's included, to stderr as JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
