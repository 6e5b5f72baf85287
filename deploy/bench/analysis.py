"""From what the driver sent and the observer saw to a phase's figures and its verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploy.bench.driver import DriveResult

# The backlog may grow by at most this much over a step for it to count as kept up with.
LATENCY_GROWTH_ALLOWED = 0.25


class RoutedLog:
    """The observer's ``routed.jsonl``, read incrementally and indexed by campaign (= run)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.by_run: dict[str, dict[str, dict[str, Any]]] = {}

    def refresh(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        complete = data.rfind(b"\n") + 1
        self.offset += complete
        for line in data[:complete].splitlines():
            record = json.loads(line)
            self.by_run.setdefault(record["campaign"] or "", {})[record["lead_id"]] = record

    def count(self, run: str) -> int:
        self.refresh()
        return len(self.by_run.get(run, {}))

    def of(self, run: str) -> dict[str, dict[str, Any]]:
        self.refresh()
        return self.by_run.get(run, {})


def percentiles(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)

    def at(pct: float) -> float | None:
        if not ordered:
            return None
        return round(
            ordered[min(round(pct / 100 * (len(ordered) - 1)), len(ordered) - 1)] * 1000, 1
        )

    return {"p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99), "max_ms": at(100)}


def lag_figures(path: Path, start: float, end: float) -> dict[str, Any]:
    """Consumer lag of scoring and routing while the phase drove: first quarter vs last."""
    if not path.exists():
        return {}
    samples = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    inside = [s for s in samples if start <= s["at"] <= end]
    if not inside:
        return {}
    quarter = max(len(inside) // 4, 1)
    figures: dict[str, Any] = {}
    for group in ("handoff-scoring", "handoff-routing"):
        values = [s.get(group, 0) for s in inside]
        figures[group] = {
            "max": max(values),
            "first_quarter_mean": round(sum(values[:quarter]) / quarter, 1),
            "last_quarter_mean": round(sum(values[-quarter:]) / quarter, 1),
        }
    return figures


def phase_figures(
    routed: RoutedLog, lag_path: Path, run: str, result: DriveResult, ended: float
) -> dict[str, Any]:
    """Intake, latency and throughput figures of one phase, and whether it was kept up with."""
    seen = routed.of(run)
    sent = sorted((s for s in result.sent if s.lead_id), key=lambda s: s.sent_at)
    pairs = [(s, seen[s.lead_id]) for s in sent if s.lead_id in seen]
    capture = [r["received_at"] - r["captured_at"] for _, r in pairs]
    post = [r["received_at"] - s.sent_at for s, r in pairs]
    inside = [r["routed_at"] - r["captured_at"] for _, r in pairs]
    figures = result.summary()
    figures["routed"] = len(pairs)
    if pairs:
        first_sent = pairs[0][0].sent_at
        last_seen = max(r["received_at"] for _, r in pairs)
        figures["routed_per_second"] = round(len(pairs) / max(last_seen - first_sent, 1e-6), 1)
    figures["capture_to_routed"] = percentiles(capture)
    figures["post_to_routed"] = percentiles(post)
    figures["capture_to_routed_inside"] = percentiles(inside)
    quarter = max(len(post) // 4, 1)
    early = sorted(post[:quarter])
    late = sorted(post[-quarter:])
    early_p50 = early[len(early) // 2] if early else 0.0
    late_p50 = late[len(late) // 2] if late else 0.0
    figures["latency_growth_ms"] = round((late_p50 - early_p50) * 1000, 1)
    lags = lag_figures(lag_path, sent[0].sent_at, ended) if sent else {}
    figures["consumer_lag"] = lags
    # Lag may wobble by a quarter second's worth of leads; more than that is a growing backlog.
    lag_steady = all(
        g["last_quarter_mean"] <= g["first_quarter_mean"] + result.rate * LATENCY_GROWTH_ALLOWED
        for g in lags.values()
    )
    figures["kept_up"] = bool(
        lag_steady
        and result.offered
        and result.accepted >= 0.99 * result.offered
        and result.unplaced == 0
        and len(pairs) >= result.accepted
        and late_p50 <= early_p50 + LATENCY_GROWTH_ALLOWED
    )
    return figures
