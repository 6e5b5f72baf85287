"""The sales organisation as data: teams, reps and accounts, validated as pydantic models.

The same models describe a stored org (rows in PostgreSQL), the local default file
(``org.json``), an import through the API and a draft org in ``POST /v1/simulate``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, time
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.errors import FieldError, InvalidInput, load_config_file
from shared.events import Priority

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_TIMEZONES = frozenset(available_timezones())


def slug(text: str) -> str:
    """A stable id from a name: ``"Anna Snelling"`` → ``"anna-snelling"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkingHours(_Model):
    """When a rep works, in the rep's own time zone; days are 0 = Monday … 6 = Sunday."""

    days: tuple[int, ...] = Field(default=(0, 1, 2, 3, 4), min_length=1)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("days")
    @classmethod
    def _valid_days(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 0 or d > 6 for d in days):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return tuple(sorted(set(days)))

    @field_validator("start", "end")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        # Hours are read in the rep's time zone; an offset would say a second, other zone.
        if value.tzinfo is not None:
            raise ValueError("give a time without a UTC offset: the rep's timezone applies")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self

    def hours_per_day(self) -> float:
        start = self.start.hour * 60 + self.start.minute
        return (self.end.hour * 60 + self.end.minute - start) / 60


class Absence(_Model):
    """An out-of-office period; ``ends_at`` is exclusive."""

    starts_at: datetime
    ends_at: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("give times with a UTC offset")
        if self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at")
        return self


class RepConfig(_Model):
    """A sales rep (or a manager, who takes escalations but is not in the rotation)."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    team: str = Field(pattern=ID_PATTERN)
    role: str = Field(default="rep", pattern=r"^(rep|manager)$")
    weight: int = Field(default=1, ge=1, le=100)
    capacity: int | None = Field(default=None, ge=1, le=10_000, description="open leads at most")
    timezone: str = "UTC"
    working_hours: WorkingHours | None = Field(
        default=None, description="absent: available at any hour"
    )
    out_of_office: tuple[Absence, ...] = ()
    active: bool = True
    manager_id: str | None = Field(default=None, pattern=ID_PATTERN)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _TIMEZONES:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TeamConfig(_Model):
    """A team: its SLA per priority, who takes escalations, and where leads wait if nobody can."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    manager_id: str | None = Field(default=None, pattern=ID_PATTERN)
    sla_seconds: dict[Priority, int] = Field(
        default_factory=lambda: {Priority.HOT: 300, Priority.WARM: 14_400}
    )
    nurture_priorities: tuple[Priority, ...] = Field(
        default=(Priority.COLD,), description="these go back to marketing nurture, not to a rep"
    )
    working_now_priorities: tuple[Priority, ...] = Field(
        default=(Priority.HOT,), description="these go only to reps inside their working hours"
    )
    escalate_after_breaches: int = Field(default=2, ge=1, le=20)
    minutes_per_hot_lead: int = Field(
        default=20, ge=1, le=480, description="rep time one hot lead takes (capacity check)"
    )
    fallback_queue: str | None = Field(default=None, max_length=100)

    @field_validator("sla_seconds")
    @classmethod
    def _positive(cls, value: dict[Priority, int]) -> dict[Priority, int]:
        if any(v < 1 or v > 30 * 86_400 for v in value.values()):
            raise ValueError("an SLA is 1 second to 30 days")
        return value

    @property
    def queue(self) -> str:
        return self.fallback_queue or f"{self.id}.queue"


class AccountConfig(_Model):
    """A known customer account and the rep who owns it."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = Field(default=None, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
    owner_rep_id: str = Field(pattern=ID_PATTERN)


class OrgConfig(_Model):
    """A whole organisation, checked for references that do not resolve."""

    teams: tuple[TeamConfig, ...] = ()
    reps: tuple[RepConfig, ...] = ()
    accounts: tuple[AccountConfig, ...] = ()

    def check(self, *, known_teams: Iterable[str] = (), known_reps: Iterable[str] = ()) -> None:
        """Raise InvalidInput naming each reference to a team or rep that does not exist."""
        teams = {t.id for t in self.teams} | set(known_teams)
        reps = {r.id for r in self.reps} | set(known_reps)
        errors: list[FieldError] = []
        for i, t in enumerate(self.teams):
            if t.manager_id and t.manager_id not in reps:
                errors.append(FieldError(f"teams.{i}.manager_id", f"unknown rep {t.manager_id!r}"))
        for i, r in enumerate(self.reps):
            if r.team not in teams:
                errors.append(FieldError(f"reps.{i}.team", f"unknown team {r.team!r}"))
            if r.manager_id and r.manager_id not in reps:
                errors.append(FieldError(f"reps.{i}.manager_id", f"unknown rep {r.manager_id!r}"))
        for i, a in enumerate(self.accounts):
            if a.owner_rep_id not in reps:
                errors.append(
                    FieldError(f"accounts.{i}.owner_rep_id", f"unknown rep {a.owner_rep_id!r}")
                )
        for name, ids in (
            ("teams", [t.id for t in self.teams]),
            ("reps", [r.id for r in self.reps]),
            ("accounts", [a.id for a in self.accounts]),
        ):
            seen: set[str] = set()
            for i, item_id in enumerate(ids):
                if item_id in seen:
                    errors.append(FieldError(f"{name}.{i}.id", f"duplicate id {item_id!r}"))
                seen.add(item_id)
        if errors:
            raise InvalidInput("the organisation refers to things that do not exist", errors)


def company_key(name: str | None) -> str | None:
    """How account names are compared: case, punctuation and legal suffixes do not matter."""
    if not name:
        return None
    words = slug(name).split("-")
    suffixes = {"inc", "ltd", "llc", "gmbh", "corp", "corporation", "co", "plc", "sa", "ag"}
    while len(words) > 1 and words[-1] in suffixes:
        words.pop()
    return "-".join(words) or None


def load_org(path: Path) -> tuple[OrgConfig, dict[str, object]]:
    """Read the local default org file: ``{"org": {...}, "rules": {...}}``."""
    default = load_config_file(DefaultFile, path)
    default.org.check()
    return default.org, default.rules


class DefaultFile(_Model):
    """The file that seeds an empty database so a fresh stack routes out of the box."""

    org: OrgConfig
    rules: dict[str, object]
