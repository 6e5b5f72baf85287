"""A feedback instance inside the test process, on the test stack's real broker and database.

It runs under uvicorn on a free port, so the API tests and the browser test speak real HTTP
to it, and it consumes the real topics in a consumer group of its own.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.feedback.app import create_app
from services.feedback.settings import Settings
from shared.events import EventData, LeadRoutedV1, Priority, new_event, utcnow
from shared.kafka.producer import create_producer
from tests.conftest import Stack
from tests.support import free_port, serving

ADMIN_KEY = "hk_it_" + secrets.token_urlsafe(32)
_GROUP = f"it-feedback-{uuid.uuid4().hex[:8]}"


class _Settings(Settings):
    @property
    def consumer_group(self) -> str:
        return _GROUP


@dataclass
class Feedback:
    url: str
    settings: Settings
    producer: AIOKafkaProducer

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_KEY}"}

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.admin, timeout=20)

    async def publish(self, data: EventData, subject: str) -> None:
        """Send an event to its topic as another service or a sales tool would."""
        event = new_event(data, subject=subject, source="/it/tests")
        await self.producer.send_and_wait(
            event.topic,
            event.to_bytes(),
            key=subject.encode(),
            headers=[("ce_type", event.type.encode()), ("ce_id", str(event.id).encode())],
        )

    async def route(
        self,
        lead_id: str,
        campaign_id: str,
        *,
        captured_at: datetime | None = None,
        priority: Priority = Priority.HOT,
        sla_minutes: int = 5,
        rep_id: str = "rep-ann",
        channel: str = "paid_search",
        **extra: Any,
    ) -> LeadRoutedV1:
        captured = captured_at or utcnow()
        routed = LeadRoutedV1(
            lead_id=lead_id,
            assignment_id=f"as-{lead_id}",
            captured_at=captured,
            routed_at=captured + timedelta(seconds=1),
            team="emea",
            rep_id=rep_id,
            rep_name=rep_id.removeprefix("rep-").title(),
            rule="territory",
            reason="EMEA territory",
            priority=priority,
            score=80,
            sla_due_at=captured + timedelta(minutes=sla_minutes),
            campaign_id=campaign_id,
            channel=channel,
            source="google",
            **extra,
        )
        await self.publish(routed, lead_id)
        return routed


@pytest.fixture(scope="session")
async def feedback(stack: Stack) -> AsyncIterator[Feedback]:
    port = free_port()
    settings = _Settings.model_validate(
        {
            "DATABASE_URL": stack.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
            "HANDOFF_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "port": port,
            "exchange_rates": {"EUR": "1.10"},
            "quality_debounce_seconds": 0.5,
            "quality_poll_seconds": 0.2,
            "nudge_after_hours": 1,
        }
    )
    producer = create_producer(stack.bootstrap, client_id="it-feedback-tests")
    await producer.start()
    try:
        async with serving(create_app(settings), port):
            yield Feedback(f"http://127.0.0.1:{port}", settings, producer)
    finally:
        await producer.stop()
