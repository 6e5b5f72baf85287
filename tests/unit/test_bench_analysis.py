"""The benchmark's verdicts and its HTTP parsing: pure logic, no stack."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from deploy.bench.analysis import RoutedLog, percentiles, phase_figures
from deploy.bench.driver import DriveResult, Sent, _Connection, lead_body


def _phase(tmp_path: Path, latencies: list[float], *, routed_all: bool = True) -> dict[str, Any]:
    """A 10/s phase whose i-th lead was seen on leads.routed ``latencies[i]`` after sending."""
    result = DriveResult(rate=10, seconds=len(latencies) / 10, offered=len(latencies))
    result.elapsed = result.seconds
    routed = tmp_path / "routed.jsonl"
    with routed.open("w") as f:
        for i, latency in enumerate(latencies):
            sent_at = 1000.0 + i / 10
            result.sent.append(Sent(sent_at, sent_at + 0.01, 202, f"lead-{i}"))
            if routed_all or i % 2 == 0:
                line = {
                    "lead_id": f"lead-{i}",
                    "campaign": "run",
                    "captured_at": sent_at + 0.005,
                    "routed_at": sent_at + latency - 0.002,
                    "received_at": sent_at + latency,
                }
                f.write(json.dumps(line) + "\n")
    return phase_figures(RoutedLog(routed), tmp_path / "lag.jsonl", "run", result, 1100.0)


def test_a_steady_phase_is_kept_up_with(tmp_path: Path) -> None:
    figures = _phase(tmp_path, [0.05] * 40)
    assert figures["kept_up"] is True
    assert figures["routed"] == 40
    assert figures["post_to_routed"] == {
        "p50_ms": 50.0,
        "p95_ms": 50.0,
        "p99_ms": 50.0,
        "max_ms": 50.0,
    }


def test_a_growing_backlog_is_not_kept_up_with(tmp_path: Path) -> None:
    figures = _phase(tmp_path, [0.05 + i * 0.05 for i in range(40)])
    assert figures["kept_up"] is False
    assert figures["latency_growth_ms"] > 250


def test_leads_never_routed_fail_the_phase(tmp_path: Path) -> None:
    figures = _phase(tmp_path, [0.05] * 40, routed_all=False)
    assert figures["kept_up"] is False
    assert figures["routed"] == 20


def test_growing_consumer_lag_fails_the_phase(tmp_path: Path) -> None:
    lag = tmp_path / "lag.jsonl"
    lag.write_text(
        "\n".join(
            json.dumps({"at": 1000.0 + i, "handoff-scoring": 0, "handoff-routing": i * 10})
            for i in range(4)
        )
    )
    figures = _phase(tmp_path, [0.05] * 40)
    assert figures["kept_up"] is False


def test_percentiles_of_nothing_are_absent() -> None:
    assert percentiles([]) == {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}


def test_the_routed_log_reads_only_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "routed.jsonl"
    first = {"lead_id": "a", "campaign": "r", "captured_at": 1, "routed_at": 2, "received_at": 3}
    path.write_text(json.dumps(first) + "\n" + '{"lead_id": "b", "camp')
    log = RoutedLog(path)
    assert log.count("r") == 1
    with path.open("a") as f:
        f.write('aign": "r", "captured_at": 1, "routed_at": 2, "received_at": 3}\n')
    assert log.count("r") == 2


async def test_the_driver_reads_a_response_split_across_packets() -> None:
    connection = _Connection()

    class Transport(asyncio.Transport):
        def write(self, data: bytes | bytearray | memoryview) -> None:
            connection.data_received(b"HTTP/1.1 202 Accepted\r\ncontent-le")
            connection.data_received(b'ngth: 16\r\n\r\n{"lead_id":')
            connection.data_received(b'"x1"}')

    connection.connection_made(Transport())
    assert await connection.request(b"POST / HTTP/1.1\r\n\r\n") == (202, b'{"lead_id":"x1"}')


def test_each_bench_lead_is_a_valid_unique_submission() -> None:
    first, second = json.loads(lead_body("r1", 1)), json.loads(lead_body("r1", 2))
    assert first["contact"]["email"] != second["contact"]["email"]
    assert first["attribution"]["campaign_id"] == "r1"
