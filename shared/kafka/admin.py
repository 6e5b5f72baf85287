"""Kafka admin helpers: readiness checks and explicit topic management (auto-create is off)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

if TYPE_CHECKING:
    # Typing only: deploy/local/stack.py runs this module with nothing but aiokafka installed.
    from shared.events.topics import TopicSpec

log = logging.getLogger(__name__)

_CLIENT_ID = "handoff-admin"
# Per-request timeout: short enough that a retry loop can keep to its overall deadline.
_REQUEST_TIMEOUT_MS = 10_000


class KafkaNotReadyError(RuntimeError):
    """The broker did not answer a metadata request before the deadline."""


class TopicAdminError(RuntimeError):
    """The broker refused to create or delete one or more topics."""


def _admin(bootstrap: str) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id=_CLIENT_ID,
        request_timeout_ms=_REQUEST_TIMEOUT_MS,
    )


def _topic_errors(response: Any, field: str) -> list[tuple[str, int, str | None]]:
    """(topic, error_code, message) from a CreateTopics/DeleteTopics response of any version."""
    out: list[tuple[str, int, str | None]] = []
    for entry in getattr(response, field):
        message = entry[2] if len(entry) > 2 else None
        out.append((str(entry[0]), int(entry[1]), message))
    return out


async def _metadata_round_trip(bootstrap: str) -> dict[str, Any]:
    admin = _admin(bootstrap)
    try:
        await admin.start()
        cluster: dict[str, Any] = await admin.describe_cluster()
        return cluster
    finally:
        await admin.close()


async def wait_until_ready(bootstrap: str, timeout: float = 90.0) -> None:
    """Block until the broker answers a real metadata request listing a broker; use before any
    admin or client work against a freshly started broker."""
    deadline = time.monotonic() + timeout
    delay = 0.2
    last_error: BaseException | None = None
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            cluster = await asyncio.wait_for(_metadata_round_trip(bootstrap), remaining)
            if cluster.get("brokers"):
                log.debug("Kafka at %s ready after %d attempt(s)", bootstrap, attempt)
                return
            last_error = RuntimeError("metadata lists no brokers yet")
        except (KafkaError, OSError, TimeoutError) as exc:
            last_error = exc
        await asyncio.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, 2.0)
    raise KafkaNotReadyError(
        f"Kafka at {bootstrap} not ready after {timeout:.0f}s ({attempt} attempts): {last_error!r}"
    )


async def list_topics(bootstrap: str) -> list[str]:
    """Names of all topics on the cluster (internal ones included); use for checks and tests."""
    admin = _admin(bootstrap)
    try:
        await admin.start()
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout: float) -> None:
    """Wait until every partition of ``names`` has a leader, so producers work right away."""
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for topic in await admin.describe_topics(sorted(pending)):
            partitions = topic.get("partitions") or []
            if (
                topic.get("error_code", 0) == 0
                and partitions
                and all(p.get("leader", -1) >= 0 for p in partitions)
            ):
                pending.discard(topic["topic"])
        if pending:
            await asyncio.sleep(0.2)
    if pending:
        raise TopicAdminError(f"topics have no leader after {timeout:.0f}s: {sorted(pending)}")


async def _wait_until_gone(admin: AIOKafkaAdminClient, names: list[str], timeout: float) -> None:
    """Wait until deleted topics vanish from metadata, so they can be re-created right away."""
    deadline = time.monotonic() + timeout
    remaining = set(names)
    while remaining and time.monotonic() < deadline:
        remaining &= set(await admin.list_topics())
        if remaining:
            await asyncio.sleep(0.2)
    if remaining:
        raise TopicAdminError(
            f"topics still listed {timeout:.0f}s after deletion: {sorted(remaining)}"
        )


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    replication_factor: int = 1,
    leader_timeout: float = 30.0,
) -> list[str]:
    """Create whichever of ``specs`` do not exist yet (existing topics are left untouched) and
    return the names created; use at stack start-up and in test fixtures."""
    wanted = {spec.name: spec for spec in specs}
    admin = _admin(bootstrap)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [spec for name, spec in sorted(wanted.items()) if name not in existing]
        if not missing:
            return []
        new_topics = [
            NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=(
                    {"retention.ms": str(spec.retention_ms)}
                    if spec.retention_ms is not None
                    else {}
                ),
            )
            for spec in missing
        ]
        response = await admin.create_topics(new_topics)
        created: list[str] = []
        failures: list[str] = []
        for topic, code, message in _topic_errors(response, "topic_errors"):
            if code == 0:
                created.append(topic)
            elif code == TopicAlreadyExistsError.errno:
                # Someone else created it between our list and create: that is fine.
                continue
            else:
                failures.append(f"{topic}: error {code} {message or ''}".strip())
        if failures:
            raise TopicAdminError("could not create topics: " + "; ".join(failures))
        await _wait_for_leaders(admin, created, leader_timeout)
        return sorted(created)
    finally:
        await admin.close()


async def delete_topics(
    bootstrap: str, names: Iterable[str], gone_timeout: float = 30.0
) -> list[str]:
    """Delete the named topics (missing ones are ignored) and return the names deleted; use to
    reset state between tests."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    admin = _admin(bootstrap)
    try:
        await admin.start()
        response = await admin.delete_topics(wanted)
        deleted: list[str] = []
        failures: list[str] = []
        for topic, code, _ in _topic_errors(response, "topic_error_codes"):
            if code == 0:
                deleted.append(topic)
            elif code != UnknownTopicOrPartitionError.errno:
                failures.append(f"{topic}: error {code}")
        if failures:
            raise TopicAdminError("could not delete topics: " + "; ".join(failures))
        await _wait_until_gone(admin, deleted, gone_timeout)
        return sorted(deleted)
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m shared.kafka.admin create-topics --bootstrap HOST:PORT``, for containers."""
    import argparse

    from shared.events.topics import TOPICS

    parser = argparse.ArgumentParser(prog="python -m shared.kafka.admin")
    parser.add_argument("command", choices=["create-topics"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args(argv)

    async def create() -> list[str]:
        await wait_until_ready(args.bootstrap)
        return await ensure_topics(
            args.bootstrap, TOPICS, replication_factor=args.replication_factor
        )

    created = asyncio.run(create())
    print(f"created {len(created)} topics; {len(TOPICS) - len(created)} already present")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
