"""Helpers for integration and end-to-end tests: ports, bounded waits, Kafka reads."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord

T = TypeVar("T")


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, every: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def read_topic(
    bootstrap: str,
    topic: str,
    match: Callable[[ConsumerRecord[bytes, bytes]], bool],
    *,
    count: int = 1,
    timeout: float = 30.0,
    settle: float = 0.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the start with an independent consumer until ``count`` records match.

    With ``settle``, go on reading that many seconds more, so that extra copies show up too.
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found.extend(r for r in records if match(r))
        settled = time.monotonic() + settle
        while settle and time.monotonic() < settled:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found.extend(r for r in records if match(r))
    finally:
        await consumer.stop()
    if len(found) < count:
        raise AssertionError(f"{len(found)} of {count} matching records on {topic} in {timeout}s")
    return found


def with_event_ids(ids: set[str]) -> Callable[[ConsumerRecord[bytes, bytes]], bool]:
    """Match records whose ``ce_id`` header is one of ``ids``."""
    return lambda r: dict(r.headers or ()).get("ce_id", b"").decode() in ids


class TcpProxy:
    """A loopback TCP proxy that a test can cut, to take a real server away mid-test."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones, as a crashed server would."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that reaches beyond this machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


async def intake_leads_with(database_url: str, email: str) -> int:
    """How many leads intake stored for an address (bad input must leave none)."""
    from sqlalchemy import func, select

    from services.intake.models import lead
    from shared.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).where(lead.c.email == email)
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def serving(app: Any, port: int) -> AsyncIterator[None]:
    """Run an ASGI app under uvicorn in this process (its lifespan included) on 127.0.0.1."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(600):
            if server.started or task.done():
                break
            await asyncio.sleep(0.1)
        if not server.started:
            raise RuntimeError("the app did not start")
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)
