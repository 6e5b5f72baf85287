"""Where the CLI finds the services, the broker and its API key.

Everything comes from environment variables with the ``HANDOFF_`` prefix; the defaults
point at a local ``make up`` stack, whose admin key is read from its state folder.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class CliError(Exception):
    """A failure the user can act on: printed as one line, exit code non-zero."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CliSettings(BaseSettings):
    """Endpoints and credentials of the Handoff the CLI talks to."""

    model_config = SettingsConfigDict(env_prefix="HANDOFF_")

    intake_url: str = "http://127.0.0.1:8001"
    scoring_url: str = "http://127.0.0.1:8002"
    routing_url: str = "http://127.0.0.1:8003"
    feedback_url: str = "http://127.0.0.1:8004"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    api_key: str | None = None
    stack_state_dir: Path = Path(".local/stack")

    def key(self) -> str:
        """The API key: ``HANDOFF_API_KEY``, else the local stack's bootstrap key."""
        if self.api_key:
            return self.api_key
        path = self.stack_state_dir / "bootstrap-api-key"
        try:
            return path.read_text().strip()
        except OSError:
            raise CliError(
                f"no API key: set HANDOFF_API_KEY (or run `make up`, which keeps one in {path})"
            ) from None
