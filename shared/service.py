"""What every service process holds and serves besides its own API.

``Runtime`` owns the engine, the producer, the outbox relay and the consumer runner, built
inside the app's lifespan (never at import time, so tests pass settings instead of patching).
``install`` adds ``/healthz``, ``/readyz``, ``/metrics``, error mapping and request metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import uvicorn
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import logging as handoff_logging
from shared import metrics
from shared.auth import Principal, bootstrap_principal, find_key, key_handlers
from shared.db import SessionFactory, asyncpg_dsn, create_engine, session_factory
from shared.errors import HandoffError, Unauthenticated
from shared.events import asyncapi
from shared.http import BodyLimit, install_outage_handlers
from shared.kafka.lag import report_lag
from shared.kafka.producer import create_producer
from shared.kafka.retry import RetryPolicy
from shared.kafka.runner import ConsumerRunner, Handler
from shared.migrations import upgrade
from shared.openapi import RequestExamples, install_openapi
from shared.outbox import Outbox, OutboxRelay
from shared.settings import ServiceSettings
from shared.tables import ServiceTables
from shared.text_guard import TextGuard

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)


class Runtime(Generic[S]):
    """The running parts of one service instance, started and stopped with the app."""

    def __init__(
        self,
        settings: S,
        *,
        tables: ServiceTables,
        migrations_dir: Path,
        handlers: Mapping[str, Handler] | None = None,
        on_start: Callable[[Runtime[S]], Awaitable[None]] | None = None,
        background: Mapping[str, Callable[[Runtime[S]], Coroutine[Any, Any, None]]] | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self.settings = settings
        self.on_start = on_start
        self.background = dict(background or {})
        self._background_tasks: list[asyncio.Task[None]] = []
        # A service may extend what staging an event does (routing adds webhook deliveries).
        self.outbox = outbox or Outbox(tables.outbox)
        self.processed_table = tables.processed
        self.migrations_dir = migrations_dir
        self.tables = tables
        # Every service keeps its copy of the API keys current from ``auth.api_keys``.
        self.handlers = {**key_handlers(tables.api_keys), **(handlers or {})}
        self._engine: AsyncEngine | None = None
        self._sessions: SessionFactory | None = None
        self._producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.runner: ConsumerRunner | None = None
        self._relay_task: asyncio.Task[None] | None = None

    @property
    def sessions(self) -> SessionFactory:
        if self._sessions is None:
            raise RuntimeError("runtime not started")
        return self._sessions

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("runtime not started")
        return self._producer

    async def start(self) -> None:
        """Migrate, connect, run the service's start hook, then start the relay and consumer."""
        s = self.settings
        if s.run_migrations:
            await asyncio.to_thread(upgrade, self.migrations_dir, s.database_url)
        self._engine = create_engine(s.database_url)
        self._sessions = session_factory(self._engine)
        if self.on_start is not None:
            await self.on_start(self)
        self._producer = create_producer(s.kafka_bootstrap_servers, client_id=s.service_name)
        await _retry_start(self._producer.start, what="Kafka producer")
        self.relay = OutboxRelay(
            outbox=self.outbox,
            sessions=self._sessions,
            producer=self._producer,
            listen_dsn=asyncpg_dsn(s.database_url),
            poll_seconds=s.outbox_poll_seconds,
            batch_size=s.outbox_batch_size,
        )
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")
        # A service's own loops (routing's SLA timers) run beside the relay until stop.
        self._background_tasks = [
            asyncio.create_task(loop(self), name=name) for name, loop in self.background.items()
        ]
        if s.consumer_enabled:
            self.runner = ConsumerRunner(
                bootstrap_servers=s.kafka_bootstrap_servers,
                group_id=s.consumer_group,
                client_id=s.service_name,
                handlers=self.handlers,
                sessions=self._sessions,
                processed=self.processed_table,
                outbox=self.outbox,
                producer=self._producer,
                policy=RetryPolicy(s.consumer_max_retries, s.consumer_retry_backoff_seconds),
            )
            # Handlers stage events in the outbox; waking the relay saves a poll interval.
            self.runner.on_committed = self.relay.wake
            await _retry_start(self.runner.start, what="Kafka consumer")
            # Stopped with the service's loops, before the consumer it asks about.
            self._background_tasks.append(
                asyncio.create_task(report_lag(self.runner.consumer), name="consumer-lag")
            )

    async def stop(self) -> None:
        """Stop the service's loops and consuming first, then flush the outbox, then close."""
        for task in self._background_tasks:
            task.cancel()
        for task in self._background_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.runner is not None:
            await self.runner.stop()
        if self.relay is not None and self._relay_task is not None:
            await self.relay.stop()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._relay_task, 10)
        if self._producer is not None:
            await self._producer.stop()
        if self._engine is not None:
            await self._engine.dispose()

    async def readiness(self) -> dict[str, str]:
        """Each dependency and whether it answers now; all "ok" means ready for traffic."""
        checks: dict[str, str] = {}
        try:
            async with self.sessions() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        try:
            await asyncio.wait_for(self.producer.client.fetch_all_metadata(), 2)
            checks["kafka"] = "ok"
        except Exception as exc:
            checks["kafka"] = f"unavailable: {type(exc).__name__}"
        if self.settings.consumer_enabled:
            checks["consumer"] = "ok" if self.runner and self.runner.running else "stopped"
        return checks

    async def authenticate(self, key: str) -> Principal | None:
        """The caller behind an API key: the bootstrap key, or one issued and not revoked."""
        bootstrap = self.settings.bootstrap_api_key
        principal = bootstrap_principal(key, bootstrap.get_secret_value() if bootstrap else None)
        if principal is not None:
            return principal
        async with self.sessions() as session:
            return await find_key(session, self.tables.api_keys, key)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


async def _retry_start(start: Callable[[], Awaitable[None]], *, what: str) -> None:
    """Give the broker a minute to come up when the whole stack starts at once."""
    for attempt in range(1, 31):
        try:
            await start()
            return
        except KafkaConnectionError:
            if attempt == 30:
                raise
            log.warning("%s cannot reach Kafka yet (attempt %d)", what, attempt)
            await asyncio.sleep(2)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: Runtime[Any] = request.app.state.runtime
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]
"""A database session for one request; the endpoint opens the transaction (``session.begin()``)."""


async def get_runtime(request: Request) -> Runtime[Any]:
    """The running service, for endpoints that need its outbox or settings.

    Async so FastAPI calls it on the loop rather than in a worker thread per request.
    """
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime[Any], Depends(get_runtime)]


def error_body(
    code: str, message: str, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The one shape of every error response."""
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def install(
    app: FastAPI,
    runtime: Runtime[Any],
    *,
    request_examples: RequestExamples | None = None,
    openapi_models: Sequence[type[BaseModel]] = (),
) -> None:
    """Add health, readiness, metrics, error mapping, body limit and timing to a service app.

    ``request_examples`` are the service's example request bodies for its OpenAPI document;
    ``openapi_models`` the schemas its routes reference by hand.
    """
    app.state.runtime = runtime
    # Inner to outer: the size limit applies before the text check buffers the body.
    app.add_middleware(TextGuard)
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_body_bytes)
    install_outage_handlers(app)
    install_openapi(app, request_examples, openapi_models)
    app.state.authenticate = runtime.authenticate

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database and Kafka reachable")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
    )
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get(
        "/asyncapi.json",
        tags=["operations"],
        summary="AsyncAPI 3.0 document of every Handoff topic, message and operation",
    )
    async def asyncapi_document() -> JSONResponse:
        return JSONResponse(asyncapi.document())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Framework errors (an unparsable body, an unknown path) in the one error shape."""
        if exc.status_code == 304:
            return Response(status_code=304, headers=exc.headers)
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(HandoffError)
    async def handoff_error(request: Request, exc: HandoffError) -> JSONResponse:
        fields = [{"field": f.field, "message": f.message} for f in exc.fields]
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        return JSONResponse(
            error_body(exc.code, exc.message, fields), status_code=exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": _field_name(err["loc"]), "message": err["msg"]} for err in exc.errors()]
        names = ", ".join(f["field"] for f in fields)
        return JSONResponse(
            error_body("invalid_input", f"invalid input: {names}", fields), status_code=422
        )

    @app.middleware("http")
    async def time_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUEST_SECONDS.labels(
            request.method, path, str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response


def _field_name(loc: tuple[int | str, ...] | list[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run one service process with JSON logs; SIGTERM drains the consumer and outbox first."""
    handoff_logging.configure(settings.service_name, settings.log_level)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=20,
        access_log=False,
    )
