"""Spam defences for public forms: signed fill-time tokens, honeypots, rate limits, origins.

A form page gets a token when it loads (``GET /v1/forms/{id}/token``): the time it was
issued, signed with a secret all instances share. A submission without a valid token, or
sooner than the form's minimum fill time, is refused; a bot that fills the hidden honeypot
field is answered as if it succeeded but nothing is stored. Rate limits count in PostgreSQL
per fixed one-minute window, so every instance enforces the same budget.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import repository

WINDOW = timedelta(minutes=1)


def make_token(secret: str, form_id: str, now: float | None = None) -> str:
    """``<issued-ms>.<signature>``: proof of when the form was shown, bound to the form."""
    issued = int((time.time() if now is None else now) * 1000)
    return f"{issued}.{_sign(secret, form_id, issued)}"


def token_problem(
    secret: str,
    form_id: str,
    token: str | None,
    *,
    min_fill_seconds: float,
    max_age: timedelta,
    now: float | None = None,
) -> str | None:
    """Why a token is unacceptable, or None when it is fine."""
    if not token:
        return "missing"
    issued_text, _, signature = token.partition(".")
    if not issued_text.isdigit() or not hmac.compare_digest(
        signature, _sign(secret, form_id, int(issued_text))
    ):
        return "invalid"
    age = (time.time() if now is None else now) - int(issued_text) / 1000
    if age < min_fill_seconds:
        return "too_fast"
    if age > max_age.total_seconds():
        return "expired"
    return None


def _sign(secret: str, form_id: str, issued_ms: int) -> str:
    message = f"{form_id}:{issued_ms}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """Exact match of scheme, host and port, as browsers send ``Origin``."""
    if origin is None:
        return False
    return origin.rstrip("/").lower() in {a.rstrip("/").lower() for a in allowed}


@dataclass(frozen=True)
class Limited:
    bucket: str
    retry_after: int


async def over_limit(
    session: AsyncSession, limits: dict[str, int], now: datetime | None = None
) -> Limited | None:
    """Count this request in each bucket's current window; the first bucket over its limit."""
    now = now or datetime.now(UTC)
    window_start = now.replace(second=0, microsecond=0)
    for bucket, limit in limits.items():
        if await repository.count_hit(session, bucket, window_start) > limit:
            retry_after = int((window_start + WINDOW - now).total_seconds()) + 1
            return Limited(bucket, retry_after)
    if now.second == 0:
        await repository.forget_windows_before(session, window_start - WINDOW)
    return None
