"""Routing's settings (env prefix ``ROUTING_``)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore", frozen=True)

    service_name: str = "routing"
    port: int = 8003
    team_file: Path = Path(__file__).parent / "team.json"
