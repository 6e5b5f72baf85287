"""Can a team accept a campaign's hot leads within the SLA? A pure estimate, explained.

A rep can work one hot lead per ``minutes_per_hot_lead`` of working time; reps without
working hours count eight hours a day. Over the campaign's dates (at least one day) the
team's capacity is the sum over its active, non-manager reps of the hot leads they can take
on their working days, less the leads they already hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from services.routing.org import RepConfig, TeamConfig

DEFAULT_HOURS_PER_DAY = 8.0
DEFAULT_DAYS = (0, 1, 2, 3, 4)
MAX_DAYS = 366


@dataclass(frozen=True)
class CapacityCheck:
    team: str
    expected_hot_leads: int
    capacity: int
    days: int

    @property
    def short(self) -> bool:
        return self.expected_hot_leads > self.capacity

    def message(self) -> str:
        return (
            f"team {self.team} can accept about {self.capacity} hot leads within the SLA over "
            f"{self.days} day(s), but the campaign is expected to bring {self.expected_hot_leads}"
        )


def campaign_days(starts_on: date | None, ends_on: date | None, today: date) -> list[date]:
    """The campaign's dates; a brief without dates counts as one day, starting today."""
    start = starts_on or today
    end = ends_on or start
    if end < start:
        end = start
    count = min((end - start).days + 1, MAX_DAYS)
    return [start + timedelta(days=i) for i in range(count)]


def check_capacity(
    *,
    team: TeamConfig,
    reps: Iterable[RepConfig],
    open_leads: Mapping[str, int],
    expected_leads: int,
    hot_share: float,
    days: list[date],
) -> CapacityCheck:
    """Compare the expected hot leads with what the team's reps can take on those days."""
    expected_hot = round(expected_leads * hot_share)
    capacity = 0.0
    for rep in reps:
        if rep.team != team.id or rep.role != "rep" or not rep.active:
            continue
        hours = rep.working_hours
        per_day = hours.hours_per_day() if hours else DEFAULT_HOURS_PER_DAY
        working_days = hours.days if hours else DEFAULT_DAYS
        worked = sum(1 for d in days if d.weekday() in working_days and not _absent(rep, d))
        capacity += worked * per_day * 60 / team.minutes_per_hot_lead
        capacity -= open_leads.get(rep.id, 0)
    return CapacityCheck(team.id, expected_hot, max(int(capacity), 0), len(days))


def _absent(rep: RepConfig, day: date) -> bool:
    return any(a.starts_at.date() <= day < a.ends_at.date() for a in rep.out_of_office)
