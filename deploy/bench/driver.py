"""An open-loop, fixed-rate HTTP load generator for ``POST /v1/leads`` on 127.0.0.1.

Request ``i`` is due at ``start + i / rate`` whatever the answers before it took, so a slow
server shows as latency and as requests the driver could not place (every connection busy),
never as a quietly lower offered rate (wrk's closed loop would wait instead). Requests go
over a pool of keep-alive connections written straight on asyncio transports: no HTTP
client library per request, so one core offers well over 1,000 requests a second. The
driver reports how late it sent (``send_lag``), which shows whether it kept its schedule.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

HEADER_END = b"\r\n\r\n"


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection carrying one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError("connection closed"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(HEADER_END)
        if end < 0 or self.answer is None:
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        if not self.answer.done():
            self.answer.set_result((int(head[0].split(" ")[1]), body))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        try:
            return await self.answer
        finally:
            self.answer = None


@dataclass
class Sent:
    """What the driver saw of one request (wall-clock seconds, to match Kafka timestamps)."""

    sent_at: float
    answered_at: float
    status: int
    lead_id: str | None


@dataclass
class DriveResult:
    rate: float
    seconds: float
    offered: int
    sent: list[Sent] = field(default_factory=list)
    unplaced: int = 0
    errors: int = 0
    max_send_lag: float = 0.0
    connections: int = 0
    elapsed: float = 0.0

    @property
    def accepted(self) -> int:
        return sum(1 for s in self.sent if s.status in (200, 202))

    def summary(self) -> dict[str, Any]:
        latencies = sorted(s.answered_at - s.sent_at for s in self.sent if s.status in (200, 202))
        return {
            "offered_rate": self.rate,
            "seconds": self.seconds,
            "offered": self.offered,
            "accepted": self.accepted,
            "accepted_per_second": round(self.accepted / self.elapsed, 1) if self.elapsed else 0,
            "non_2xx": sum(1 for s in self.sent if s.status not in (200, 202)),
            "unplaced_all_connections_busy": self.unplaced,
            "connection_errors": self.errors,
            "max_send_lag_ms": round(self.max_send_lag * 1000, 1),
            "connections_used": self.connections,
            "http_p50_ms": _ms(latencies, 50),
            "http_p99_ms": _ms(latencies, 99),
        }


def _ms(ordered: list[float], pct: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(round(pct / 100 * (len(ordered) - 1)), len(ordered) - 1)] * 1000, 1)


def lead_body(run: str, i: int) -> bytes:
    """A hot, unique lead (a new email each time, so each is a new lead, not a touch)."""
    return (
        f'{{"contact":{{"email":"b{i}@{run}.bench.example","job_title":"CTO"}},'
        f'"company":{{"name":"Bench {i}","size":800,"country":"US"}},'
        '"interest":{"product":"GTX Pro","form_type":"demo_request"},'
        f'"attribution":{{"channel":"paid_search","source":"bench","campaign_id":"{run}"}},'
        '"behaviour":{"visits":6,"pages_viewed":9}}'
    ).encode()


async def drive(
    port: int,
    key: str,
    *,
    run: str,
    rate: float,
    seconds: float,
    path: str = "/v1/leads",
    max_connections: int = 256,
    first: int = 0,
) -> DriveResult:
    """Offer ``rate`` requests/s for ``seconds`` to 127.0.0.1:``port``; waits for the answers."""
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    result = DriveResult(rate=rate, seconds=seconds, offered=total)
    idle: list[_Connection] = []
    opened: list[_Connection] = []
    prefix = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
    ).encode()
    tasks: set[asyncio.Task[None]] = set()
    opening = 0

    async def one(i: int, connection: _Connection | None) -> None:
        body = lead_body(run, first + i)
        raw = prefix + b"Content-Length: %d\r\n\r\n" % len(body) + body
        nonlocal opening
        sent_at = time.time()
        try:
            if connection is None:
                try:
                    _, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
                finally:
                    opening -= 1
                opened.append(connection)
            status, answer = await connection.request(raw)
        except (OSError, ConnectionError):
            result.errors += 1
            return
        answered_at = time.time()
        lead_id = json.loads(answer).get("lead_id") if status in (200, 202) else None
        result.sent.append(Sent(sent_at, answered_at, status, lead_id))
        if not connection.closed:
            idle.append(connection)

    started = time.perf_counter()
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.max_send_lag = max(result.max_send_lag, -delay)
        if idle:
            connection: _Connection | None = idle.pop()
        elif len(opened) + opening < max_connections:
            opening += 1
            connection = None
        else:
            result.unplaced += 1
            continue
        task = asyncio.create_task(one(i, connection))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    result.elapsed = time.perf_counter() - started
    result.connections = len(opened)
    for connection in opened:
        if connection.transport is not None:
            connection.transport.close()
    return result
