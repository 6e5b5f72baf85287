"""``handoff trace`` puts the services' answers in the order things happened."""

from __future__ import annotations

from typing import Any

from cli.output import duration
from cli.trace import steps_of

LEAD: dict[str, Any] = {
    "lead_id": "5b0f3e8e-6a3c-4d55-9a3e-2f1c7f2b9d10",
    "email": "grace@hopper-labs.com",
    "captured_at": "2026-03-02T09:00:00+00:00",
    "form_id": None,
    "lead": {"attribution": {"campaign_id": "spring", "channel": "webinar"}},
    "touch_history": [{"touched_at": "2026-03-02T12:00:00+00:00", "form_id": "pricing"}],
}
SCORE = {
    "score": 87,
    "grade": "A",
    "priority": "hot",
    "model_version": "m-7",
    "config_version": "r-3+abc",
    "reasons": [{"factor": "Demo request form", "points": 45.0}],
    "scored_at": "2026-03-02T09:00:00.400000+00:00",
}


def _attempt(n: int, rep: str, at: str, ending: str | None, ended: str | None) -> dict[str, Any]:
    return {
        "attempt": n,
        "kind": "rotation",
        "rep_id": rep,
        "queue": None,
        "rule": "uk",
        "reason": "round robin" if n == 1 else "sla breached; round robin",
        "candidates": [
            {"rep_id": "bob", "skipped": "at capacity"},
            {"rep_id": rep, "skipped": None},
        ],
        "assigned_at": at,
        "due_at": "2026-03-02T09:05:01+00:00",
        "ended_at": ended,
        "ending": ending,
    }


ASSIGNMENT = {
    "team": "emea",
    "rule_version": 4,
    "status": "accepted",
    "rep_id": "cy",
    "queue": None,
    "breaches": 1,
    "routed_at": "2026-03-02T09:05:02+00:00",
    "history": [
        _attempt(1, "ann", "2026-03-02T09:00:01+00:00", "breached", "2026-03-02T09:05:02+00:00"),
        _attempt(2, "cy", "2026-03-02T09:05:02+00:00", "accepted", "2026-03-02T09:07:00+00:00"),
    ],
}
FEEDBACK = {
    "outcomes": [
        {
            "status": "won",
            "occurred_at": "2026-03-20T10:00:00+00:00",
            "reason": None,
            "amount": "24000.00",
            "currency": "USD",
            "rep_id": "cy",
        }
    ]
}


def test_steps_come_in_time_order_with_what_each_service_said() -> None:
    steps = steps_of(LEAD, SCORE, ASSIGNMENT, FEEDBACK)
    assert [s.step for s in steps] == [
        "captured",
        "scored",
        "routed",
        "SLA breached",
        "re-routed #2",
        "accepted",
        "touched",
        "outcome: won",
    ]
    routed = steps[2]
    assert "emea → ann by rule uk v4 (rotation)" in routed.detail
    assert "skipped bob (at capacity)" in routed.detail
    assert "SLA due 09:05:01" in routed.detail
    assert steps[3].detail == "by ann"
    assert "87 (A, hot); model m-7, rules r-3+abc" in steps[1].detail
    assert steps[-1].detail == "24000.00 USD by cy"


def test_a_lead_not_yet_scored_or_routed_is_just_captured() -> None:
    steps = steps_of({**LEAD, "touch_history": []}, None, None, None)
    assert [(s.step, s.detail) for s in steps] == [
        ("captured", "campaign_id spring, channel webinar")
    ]


def test_durations_read_at_a_glance() -> None:
    assert [duration(x) for x in (0.25, 12.34, 245, 3 * 3600 + 1200, 2 * 86400 + 4 * 3600)] == [
        "250 ms",
        "12.3 s",
        "4 min 05 s",
        "3 h 20 min",
        "2 d 4 h",
    ]
    assert duration(5 * 86400) == "5 d 0 h"
