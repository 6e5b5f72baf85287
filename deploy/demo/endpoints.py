"""Where the demo finds the running services, and the few HTTP habits it needs.

URLs, broker and key come from ``HANDOFF_*`` (``cli.config.CliSettings``); a URL not set
there is taken from the ports the local stack recorded in its state folder
(``HANDOFF_STACK_STATE_DIR``, default ``.local/stack``), so ``make demo`` reaches a stack
started on other ports too.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from cli.config import CliError, CliSettings

SERVICES = ("intake", "scoring", "routing", "feedback")


class DemoError(Exception):
    """A failure the user can act on: printed as one line, exit code 2."""


@dataclass(frozen=True)
class Endpoints:
    intake: str
    scoring: str
    routing: str
    feedback: str
    kafka: str
    key: str

    @property
    def dashboard(self) -> str:
        return f"{self.feedback}/dashboard"


def _recorded(state_dir: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((state_dir / "stack.json").read_text())
    except (OSError, ValueError):
        return {}
    return data


def resolve(settings: CliSettings | None = None) -> Endpoints:
    """The endpoints: ``HANDOFF_*`` first, then the local stack's recorded ports."""
    settings = settings or CliSettings()
    recorded = _recorded(settings.stack_state_dir)
    urls = {}
    for index, name in enumerate(SERVICES):
        url = str(getattr(settings, f"{name}_url"))
        if f"HANDOFF_{name.upper()}_URL" not in os.environ and "service_port_base" in recorded:
            url = f"http://127.0.0.1:{int(recorded['service_port_base']) + index}"
        urls[name] = url.rstrip("/")
    kafka = settings.kafka_bootstrap_servers
    if "HANDOFF_KAFKA_BOOTSTRAP_SERVERS" not in os.environ and "kafka_port" in recorded:
        kafka = f"127.0.0.1:{int(recorded['kafka_port'])}"
    try:
        key = settings.key()
    except CliError as exc:
        raise DemoError(str(exc)) from None
    return Endpoints(key=key, kafka=kafka, **urls)


def error_text(response: httpx.Response) -> str:
    """The service's error message with each named field, or the raw body."""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} {response.text[:300]}"
    fields = "; ".join(f"{f['field']}: {f['message']}" for f in error.get("fields", []))
    return f"{response.status_code} {error.get('message', '')}" + (f" ({fields})" if fields else "")


async def call(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    body: Any = None,
    ok: tuple[int, ...] = (200, 201, 202),
    retry_on: tuple[int, ...] = (429, 502, 503, 504),
    attempts: int = 8,
) -> httpx.Response:
    """One request, retried with backoff on overload or outage; any other answer is returned
    when listed in ``ok`` and raised as DemoError otherwise."""
    for attempt in range(1, attempts + 1):
        try:
            response = await http.request(method, url, json=body)
        except httpx.TransportError as exc:
            if attempt == attempts:
                raise DemoError(f"{method} {url}: {exc!r}") from None
            await asyncio.sleep(min(0.25 * 2**attempt, 5))
            continue
        if response.status_code in ok:
            return response
        if response.status_code not in retry_on or attempt == attempts:
            raise DemoError(f"{method} {url} failed: {error_text(response)}")
        await asyncio.sleep(min(0.25 * 2**attempt, 5))
    raise AssertionError("unreachable")


async def check_ready(http: httpx.AsyncClient, endpoints: Endpoints) -> None:
    """Fail early, naming the service, when one does not answer /readyz."""
    for name in SERVICES:
        url = getattr(endpoints, name)
        try:
            response = await http.get(f"{url}/readyz", timeout=5)
        except httpx.TransportError:
            response = None
        if response is None or response.status_code != 200:
            raise DemoError(f"{name} at {url} is not ready: start the stack with `make up`")
