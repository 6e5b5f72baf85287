"""``handoff trace <lead id or email>``: one lead's journey across the four services.

Captured (intake), scored (scoring), routed with every hand-over, SLA breach, decline and
acceptance (routing), and outcomes (feedback), each with its time, the time since the step
before and since capture: the answer to "why did this lead go to Bob, and why so late?".
"""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.table import Table

from cli.client import Client
from cli.config import CliError, CliSettings
from cli.output import add_json_flag, console, duration, emit, parse_time

_ENDINGS = {
    "breached": "SLA breached",
    "declined": "declined",
    "accepted": "accepted",
    "closed": "closed",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="a lead's whole journey: captured, scored, routed, SLA, accepted, outcomes",
        description="Show one lead's journey across intake, scoring, routing and feedback.",
    )
    parser.add_argument("lead", help="a lead id, or an e-mail address (its newest lead)")
    add_json_flag(parser)
    parser.set_defaults(run=run)


@dataclass
class Step:
    """One thing that happened to the lead."""

    step: str
    at: datetime
    service: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def find_lead(client: Client, needle: str) -> tuple[dict[str, Any], list[str]]:
    """The lead by id, or the newest lead of an address; plus the ids of its other leads."""
    if "@" in needle:
        leads = client.get("intake", "/v1/leads", {"email": needle})
        if not leads:
            raise CliError(f"no lead with e-mail {needle}")
        return leads[0], [lead["lead_id"] for lead in leads[1:]]
    try:
        lead_id = str(uuid.UUID(needle))
    except ValueError:
        raise CliError(f"{needle!r} is neither a lead id (a UUID) nor an e-mail address") from None
    lead = client.get("intake", f"/v1/leads/{lead_id}", missing_ok=True)
    if lead is None:
        raise CliError(f"unknown lead {lead_id}: intake has no such lead")
    return lead, []


def _skipped(candidates: list[dict[str, Any]]) -> list[str]:
    return [f"{c['rep_id']} ({c['skipped']})" for c in candidates if c.get("skipped")]


def steps_of(
    lead: dict[str, Any],
    score: dict[str, Any] | None,
    assignment: dict[str, Any] | None,
    feedback: dict[str, Any] | None,
) -> list[Step]:
    """Every step with a timestamp, in the order they happened."""
    attribution = lead["lead"].get("attribution") or {}
    origin = ", ".join(
        f"{k} {attribution[k]}" for k in ("campaign_id", "channel", "source") if attribution.get(k)
    )
    steps = [
        Step(
            "captured",
            _at(lead["captured_at"]),
            "intake",
            (f"form {lead['form_id']}; " if lead.get("form_id") else "")
            + (origin or "no attribution"),
        )
    ]
    for touch in lead.get("touch_history", []):
        steps.append(
            Step("touched", _at(touch["touched_at"]), "intake", f"form {touch['form_id'] or '—'}")
        )
    if score is not None:
        reasons = "; ".join(f"{r['factor']} {r['points']:+g}" for r in score["reasons"][:5])
        steps.append(
            Step(
                "scored",
                _at(score["scored_at"]),
                "scoring",
                f"{score['score']} ({score['grade']}, {score['priority']}); model "
                f"{score['model_version']}, rules {score['config_version']}; {reasons}",
                {"score": score["score"], "priority": score["priority"]},
            )
        )
    if assignment is not None:
        steps.extend(_routing_steps(assignment))
    if feedback is not None:
        for o in feedback["outcomes"]:
            extra = [o.get("reason"), f"{o['amount']} {o['currency']}" if o.get("amount") else None]
            by = f" by {o['rep_id']}" if o.get("rep_id") else ""
            detail = ", ".join(x for x in extra if x) or "—"
            steps.append(
                Step(f"outcome: {o['status']}", _at(o["occurred_at"]), "feedback", detail + by)
            )
    # Stable: steps at the same instant keep the order they were added in.
    return sorted(steps, key=lambda s: s.at)


def _routing_steps(assignment: dict[str, Any]) -> list[Step]:
    steps: list[Step] = []
    version = assignment.get("rule_version")
    history = assignment.get("history") or []
    for attempt in history:
        holder = attempt["rep_id"] or f"queue {attempt['queue']}"
        label = "routed" if attempt["attempt"] == 1 else f"re-routed #{attempt['attempt']}"
        skipped = _skipped(attempt.get("candidates") or [])
        due = f"; SLA due {_clock(attempt['due_at'])}" if attempt.get("due_at") else ""
        steps.append(
            Step(
                label,
                _at(attempt["assigned_at"]),
                "routing",
                f"{assignment['team']} → {holder} by rule {attempt['rule']}"
                + (f" v{version}" if version is not None else "")
                + f" ({attempt['kind']}): {attempt['reason']}{due}"
                + (f"; skipped {', '.join(skipped)}" if skipped else ""),
                {"rep_id": attempt["rep_id"], "rule": attempt["rule"], "skipped": skipped},
            )
        )
        if attempt.get("ended_at") and attempt.get("ending"):
            ending = _ENDINGS.get(attempt["ending"], attempt["ending"])
            steps.append(Step(ending, _at(attempt["ended_at"]), "routing", f"by {holder}", {}))
    if not history:
        steps.append(
            Step(
                "routed",
                _at(assignment["routed_at"]),
                "routing",
                f"{assignment['team']} → {assignment['rep_id'] or assignment['queue']} by rule "
                f"{assignment['rule']}: {assignment['reason']}",
            )
        )
    return steps


def _at(value: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise CliError("a service answered without a timestamp where one is required")
    return parsed


def _clock(value: str) -> str:
    return _at(value).strftime("%H:%M:%S")


def run(args: argparse.Namespace) -> int:
    client = Client(CliSettings())
    lead, others = find_lead(client, args.lead)
    lead_id = str(lead["lead_id"])
    score = client.get("scoring", f"/v1/leads/{lead_id}/score", missing_ok=True)
    assignment = client.get("routing", f"/v1/leads/{lead_id}/assignment", missing_ok=True)
    feedback = client.get("feedback", f"/v1/leads/{lead_id}/outcomes", missing_ok=True)
    steps = steps_of(lead, score, assignment, feedback)
    captured = steps[0].at
    if args.json:
        previous = captured
        rows = []
        for s in steps:
            rows.append(
                {
                    "step": s.step,
                    "service": s.service,
                    "at": s.at.isoformat(),
                    "since_previous_seconds": round((s.at - previous).total_seconds(), 3),
                    "since_capture_seconds": round((s.at - captured).total_seconds(), 3),
                    "detail": s.detail,
                }
            )
            previous = s.at
        emit(
            {
                "lead_id": lead_id,
                "email": lead["email"],
                "other_leads": others,
                "steps": rows,
                "lead": lead,
                "score": score,
                "assignment": assignment,
                "feedback": feedback,
            }
        )
        return 0
    _print(lead, steps, others, assignment, feedback)
    return 0


def _print(
    lead: dict[str, Any],
    steps: list[Step],
    others: list[str],
    assignment: dict[str, Any] | None,
    feedback: dict[str, Any] | None,
) -> None:
    out = console()
    company = (lead["lead"].get("company") or {}).get("name") or "—"
    out.print(f"[bold]Lead {lead['lead_id']}[/bold]  {lead['email']}  ({company})")
    table = Table(show_edge=False, pad_edge=False)
    for column in ("step", "at (UTC)", "took", "since capture", "service", "detail"):
        table.add_column(column, overflow="fold")
    previous = captured = steps[0].at
    for s in steps:
        took = "—" if s is steps[0] else duration((s.at - previous).total_seconds())
        table.add_row(
            s.step,
            s.at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            took,
            duration((s.at - captured).total_seconds()),
            s.service,
            s.detail,
        )
        previous = s.at
    out.print(table)
    if assignment is None:
        out.print("not routed yet")
    else:
        holder = assignment["rep_id"] or assignment["queue"]
        out.print(
            f"now: {assignment['status']} with {holder} in {assignment['team']}; "
            f"{assignment['breaches']} SLA breach(es)"
        )
    if feedback is not None and feedback.get("sla"):
        sla = feedback["sla"]
        out.print(
            f"SLA record: {sla['breaches']} breach(es), {sla['reassignments']} reassignment(s), "
            f"{sla['escalations']} escalation(s)"
        )
    if others:
        out.print(f"{len(others)} earlier lead(s) for this address: {', '.join(others)}")
