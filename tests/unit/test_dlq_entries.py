"""Reading a dead letter's headers and payload, and what a replay sends (no broker needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from cli.dead_letters import DeadLetter


def letter(**overrides: object) -> DeadLetter:
    fields: dict[str, object] = {
        "topic": "leads.scored.dlq",
        "partition": 0,
        "offset": 7,
        "timestamp": datetime(2026, 3, 1, tzinfo=UTC),
        "key": b"lead-1",
        "value": b'{"id": "e-1", "type": "lead.scored.v1", "data": {}}',
        "headers": (
            ("ce_type", b"lead.scored.v1"),
            ("team", b"inbound"),
            ("dlq.error", b"ValueError: no team"),
            ("dlq.original.topic", b"leads.scored"),
            ("dlq.original.partition", b"4"),
            ("dlq.original.offset", b"120"),
            ("dlq.attempts", b"4"),
            ("dlq.consumer.group", b"handoff-routing"),
        ),
    }
    return DeadLetter(**(fields | overrides))  # type: ignore[arg-type]


def test_summary_names_the_event_and_where_and_why_it_failed() -> None:
    s = letter().summary()
    assert s["event_id"] == "e-1"  # from the payload when no ce_id header
    assert s["type"] == "lead.scored.v1"
    assert (s["original_topic"], s["original_partition"], s["original_offset"]) == (
        "leads.scored",
        4,
        120,
    )
    assert s["error"] == "ValueError: no team"
    assert s["attempts"] == 4
    assert s["failed_at"] == "2026-03-01T00:00:00+00:00"
    assert s["replayed_at"] is None


def test_a_replay_carries_the_original_headers_without_the_dead_letter_ones() -> None:
    assert letter().replay_headers() == [("ce_type", b"lead.scored.v1"), ("team", b"inbound")]


def test_unreadable_bytes_are_shown_as_text_and_the_topic_comes_from_the_dlq_name() -> None:
    bad = letter(value=b"{not json", headers=(("dlq.error", b"EventDecodeError: bad"),))
    assert bad.event_id is None
    assert bad.original_topic == "leads.scored"
    assert bad.detail()["payload"] == "{not json"
    assert bad.ref == "leads.scored.dlq/0/7"
