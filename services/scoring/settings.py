"""Scoring's settings (env prefix ``SCORING_``)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore", frozen=True)

    service_name: str = "scoring"
    port: int = 8002
    # The rule set a fresh database starts with; later versions come through the API.
    rules_file: Path = Path(__file__).parent / "rules.json"
    refit_seconds: float = Field(default=5.0, gt=0, le=3600)
    max_training_examples: int = Field(default=100_000, ge=100, le=5_000_000)
