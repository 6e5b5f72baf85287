import asyncpg
import pytest
from aiokafka.structs import ConsumerRecord
from sqlalchemy import exc as sa_exc

from shared.errors import InvalidInput
from shared.kafka.retry import Action, RetryPolicy, decide, is_infrastructure_error
from shared.kafka.runner import dead_letter_headers

POLICY = RetryPolicy(max_retries=3, backoff_seconds=0.1, max_backoff_seconds=1.0)


def test_a_failing_handler_is_retried_with_growing_delays_then_dead_lettered() -> None:
    error = KeyError("missing")
    decisions = [decide(error, attempt, POLICY) for attempt in (1, 2, 3, 4)]
    assert [d.action for d in decisions] == [Action.RETRY] * 3 + [Action.DEAD_LETTER]
    assert [d.delay for d in decisions[:3]] == [0.1, 0.2, 0.4]


def test_backoff_is_capped() -> None:
    assert POLICY.delay(30) == 1.0


def test_invalid_input_goes_to_the_dead_letter_topic_at_once() -> None:
    assert decide(InvalidInput("bad"), 1, POLICY).action is Action.DEAD_LETTER


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(),
        TimeoutError(),
        sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        sa_exc.InterfaceError("SELECT 1", {}, Exception("connection is closed")),
    ],
)
def test_an_outage_is_waited_out_and_never_dead_lettered(error: Exception) -> None:
    for attempt in (1, 10, 100):
        decision = decide(error, attempt, POLICY)
        assert decision.action is Action.WAIT_FOR_INFRASTRUCTURE
        assert 0 < decision.delay <= POLICY.max_backoff_seconds


def test_an_outage_wrapped_in_another_error_is_still_recognised() -> None:
    try:
        try:
            raise ConnectionResetError("peer reset")
        except ConnectionResetError as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        assert is_infrastructure_error(outer)
    assert not is_infrastructure_error(ValueError("bad data"))


def test_dead_letter_headers_carry_the_error_and_where_the_message_came_from() -> None:
    record = ConsumerRecord(
        topic="leads.captured",
        partition=2,
        offset=41,
        timestamp=0,
        timestamp_type=0,
        key=b"lead-1",
        value=b"{}",
        checksum=None,
        serialized_key_size=6,
        serialized_value_size=2,
        headers=[("ce_type", b"lead.captured.v1"), ("dlq.error", b"stale")],
    )
    headers = dict(
        dead_letter_headers(record, ValueError("no rep"), attempts=4, group="handoff-scoring")
    )
    assert headers["ce_type"] == b"lead.captured.v1"
    assert headers["dlq.error"] == b"ValueError: no rep"
    assert headers["dlq.original.topic"] == b"leads.captured"
    assert headers["dlq.original.partition"] == b"2"
    assert headers["dlq.original.offset"] == b"41"
    assert headers["dlq.attempts"] == b"4"
    assert headers["dlq.consumer.group"] == b"handoff-scoring"


@pytest.mark.parametrize(
    "server_error",
    [
        asyncpg.exceptions.AdminShutdownError("terminating connection: administrator command"),
        asyncpg.exceptions.CrashShutdownError("terminating connection because of crash"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
    ],
)
def test_a_session_ended_or_a_transaction_rolled_back_by_the_database_is_transient(
    server_error: asyncpg.exceptions.PostgresError,
) -> None:
    """SQLAlchemy's asyncpg dialect raises these as a plain DBAPIError from the server's."""
    try:
        try:
            raise server_error
        except asyncpg.exceptions.PostgresError as orig:
            raise sa_exc.DBAPIError("INSERT INTO outcome", {}, orig) from orig
    except sa_exc.DBAPIError as wrapped:
        assert not wrapped.connection_invalidated
        assert is_infrastructure_error(wrapped)
        assert decide(wrapped, 100, POLICY).action is Action.WAIT_FOR_INFRASTRUCTURE


def test_a_constraint_violation_is_not_an_outage() -> None:
    orig = asyncpg.exceptions.UniqueViolationError("duplicate key value")
    assert not is_infrastructure_error(sa_exc.IntegrityError("INSERT", {}, orig))
