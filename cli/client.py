"""A small HTTP client for the services' APIs, turning every failure into a clear CliError.

The CLI makes a handful of sequential calls per command, so the standard library's
``urllib`` is enough; what matters is that an unreachable service, a refused key or a
rejected body each read as one actionable line.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cli.config import CliError, CliSettings

SERVICES = ("intake", "scoring", "routing", "feedback")


class Client:
    """Calls one Handoff's services with the CLI's API key."""

    def __init__(self, settings: CliSettings, *, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._key: str | None = None

    def url(self, service: str) -> str:
        base: str = getattr(self.settings, f"{service}_url")
        return base.rstrip("/")

    def get(
        self,
        service: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        missing_ok: bool = False,
    ) -> Any:
        """GET a JSON body; with ``missing_ok`` a 404 returns None instead of failing."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call(service, "GET", path + query, None, missing_ok=missing_ok)

    def post(self, service: str, path: str, body: Any) -> Any:
        return self._call(service, "POST", path, body, missing_ok=False)

    def _call(self, service: str, method: str, path: str, body: Any, *, missing_ok: bool) -> Any:
        if self._key is None:
            self._key = self.settings.key()
        url = self.url(service) + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._key}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code == 404 and missing_ok:
                return None
            raise CliError(_http_message(service, method, path, error)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise CliError(
                f"{service} is unreachable at {self.url(service)} ({reason}); is Handoff "
                f"running? (set HANDOFF_{service.upper()}_URL to point elsewhere)"
            ) from None
        except json.JSONDecodeError:
            raise CliError(f"{service} answered {method} {path} with something not JSON") from None


def _http_message(service: str, method: str, path: str, error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
        detail = body.get("error", {}) if isinstance(body, dict) else {}
    except (json.JSONDecodeError, OSError):
        detail = {}
    message = detail.get("message") or error.reason
    fields = detail.get("fields") or []
    if error.code == 401:
        return f"{service} refused the API key (401): set HANDOFF_API_KEY to a valid key"
    if error.code == 403:
        return f"{service}: the API key lacks the scope for {method} {path} (403)"
    text = f"{service}: {message} ({error.code})"
    for field in fields:
        text += f"\n  {field.get('field')}: {field.get('message')}"
    return text
