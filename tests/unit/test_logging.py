"""No personal data in logs: e-mails and phones are masked in every part of a line."""

from __future__ import annotations

import json
import logging

import pytest

from shared.logging import JsonFormatter, mask


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("from grace@hopper-labs.com", "from g***@hopper-labs.com"),
        ("a.b+tag@mail.example.co.uk, then", "a***@mail.example.co.uk, then"),
        ("call +1 415 555 4567", "call +1******4567"),
        ("call +14155554567", "call +1******4567"),
        ("call +1-415-555-4567.", "call +1******4567."),
        ("call (415) 555-4567", "call ******4567"),
        ("call 020 7946 0958", "call *******0958"),
        ("call 4155554567", "call ******4567"),
    ],
)
def test_personal_data_is_masked(raw: str, masked: str) -> None:
    assert mask(raw) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "lead 9b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
        "at 2026-11-23T16:41:03.123+00:00",
        "offset 1234567 of partition 3",
        "broker 127.0.0.1:29092",
        "peer 192.168.100.200",
        "took 1234.56789 s",
        "retrying in 12:30:01.5",
    ],
)
def test_identifiers_numbers_and_times_are_kept(kept: str) -> None:
    assert mask(kept) == kept


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_formatter_masks_message_extra_fields_and_exceptions() -> None:
    logger = logging.getLogger("test.masking")
    handler = _Keep()
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad phone +44 20 7946 0958 for grace@hopper-labs.com")
        except ValueError:
            logger.exception(
                "lead %s refused",
                "grace@hopper-labs.com",
                extra={"contact": {"email": "grace@hopper-labs.com", "phone": "+14155554567"}},
            )
    finally:
        logger.removeHandler(handler)
    line = JsonFormatter("intake").format(handler.records[0])
    assert "grace@" not in line and "4155554567" not in line and "7946" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "lead g***@hopper-labs.com refused"
    assert parsed["contact"] == {"email": "g***@hopper-labs.com", "phone": "+1******4567"}
    assert "g***@hopper-labs.com" in parsed["exception"]
    assert "+4*******0958" in parsed["exception"]
