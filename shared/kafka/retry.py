"""What the consumer runner does after a handler fails: a pure decision, unit-tested alone."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum

import asyncpg
from sqlalchemy import exc as sa_exc

from shared.errors import InvalidInput


class Action(Enum):
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"
    WAIT_FOR_INFRASTRUCTURE = "wait_for_infrastructure"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff for errors caused by the message itself."""

    max_retries: int = 3
    backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        return float(min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds))


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0


_INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    # A restarting server ends every session with 57P01/57P02; SQLAlchemy passes them on
    # as a plain DBAPIError, not as a disconnect.
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    # PostgreSQL rolled the whole transaction back to break a deadlock or a serialization
    # conflict with a concurrent one; the same work succeeds when run again.
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)


def is_infrastructure_error(exc: BaseException) -> bool:
    """True when the database or broker failed (or rolled the transaction back), not the
    message: retry it forever, never DLQ."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, _INFRASTRUCTURE_ERRORS):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def decide(exc: BaseException, attempt: int, policy: RetryPolicy) -> Decision:
    """After failed attempt number ``attempt`` (1-based), retry, dead-letter, or wait.

    Invalid input can never succeed, so it goes to the DLQ at once; an outage of the
    database or broker is waited out so that no good message is dead-lettered by it.
    """
    if isinstance(exc, InvalidInput):
        return Decision(Action.DEAD_LETTER)
    if is_infrastructure_error(exc):
        return Decision(Action.WAIT_FOR_INFRASTRUCTURE, policy.delay(min(attempt, 6)))
    if attempt > policy.max_retries:
        return Decision(Action.DEAD_LETTER)
    return Decision(Action.RETRY, policy.delay(attempt))
