"""Scoring's settings (env prefix ``SCORING_``)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore", frozen=True)

    service_name: str = "scoring"
    port: int = 8002
    rules_file: Path = Path(__file__).parent / "rules.json"
