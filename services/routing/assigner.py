"""Choosing a rep, as pure functions: eligibility, the target of a lead, weighted selection.

Weighted round robin is stride scheduling: each rep has a *pass*; the eligible rep with the
smallest pass gets the lead and its pass grows by ``STRIDE_BASE / weight``, so over many leads
each rep's share is its weight over the eligible weights. A rep who joins or comes back
starts at the team's virtual time (the pass of the last pick) — never at zero, which would
flood them, and never behind the others' history, which would favour older reps. The passes
and the virtual time live in PostgreSQL under the team's row lock, so all routing instances
share one rotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.routing.org import RepConfig, TeamConfig
from shared.events import Priority

STRIDE_BASE = 232_792_560
"""The least common multiple of 1..20: strides of weights up to 20 are exact integers."""


@dataclass(frozen=True)
class Candidate:
    """A rep considered for a lead, and why they did not get it (None: eligible)."""

    rep_id: str
    skipped: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"rep_id": self.rep_id, "skipped": self.skipped}


@dataclass(frozen=True)
class Preferred:
    """A rep a lead should go to before any rule: the account owner, or who had the contact."""

    rep_id: str
    rule: str
    reason: str


@dataclass(frozen=True)
class Target:
    """Where phase one sent a lead: a rep directly, a team's rotation, or marketing nurture."""

    team: str
    rule: str
    reason: str
    rep_id: str | None = None
    nurture: bool = False
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True)
class Pick:
    """The outcome of round robin in a team; ``rep_id`` None means the fallback queue."""

    rep_id: str | None
    candidates: tuple[Candidate, ...]
    passes: dict[str, int] = field(default_factory=dict)
    virtual_time: int = 0


def stride(weight: int) -> int:
    return STRIDE_BASE // weight


def out_of_office(rep: RepConfig, now: datetime) -> datetime | None:
    """When the absence covering ``now`` ends, or None when the rep is in."""
    for absence in rep.out_of_office:
        if absence.starts_at <= now < absence.ends_at:
            return absence.ends_at
    return None


def working_now(rep: RepConfig, now: datetime) -> bool:
    """True when ``now`` falls inside the rep's working hours in the rep's time zone."""
    hours = rep.working_hours
    if hours is None:
        return True
    local = now.astimezone(rep.zone)
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


def skip_reason(
    rep: RepConfig,
    *,
    team: TeamConfig,
    priority: Priority,
    now: datetime,
    open_leads: int,
    excluded: Iterable[str] = (),
    check_capacity: bool = True,
) -> str | None:
    """Why ``rep`` cannot take this lead now, in words for the audit; None when they can."""
    if not rep.active:
        return "inactive"
    if rep.id in set(excluded):
        return "already missed or declined this lead"
    back = out_of_office(rep, now)
    if back is not None:
        return f"out of office until {back.isoformat()}"
    if priority in team.working_now_priorities and not working_now(rep, now):
        hours = rep.working_hours
        assert hours is not None
        return (
            f"outside working hours ({hours.start:%H:%M}-{hours.end:%H:%M} {rep.timezone}) "
            f"for a {priority.value} lead"
        )
    if check_capacity and rep.capacity is not None and open_leads >= rep.capacity:
        return f"at capacity ({open_leads} of {rep.capacity} open leads)"
    return None


def pick_target(
    *,
    team_for_rule: tuple[str, str, str | None],
    priority: Priority,
    teams: Mapping[str, TeamConfig],
    reps: Mapping[str, RepConfig],
    open_leads: Mapping[str, int],
    preferred: Iterable[Preferred],
    excluded: Iterable[str],
    now: datetime,
) -> Target:
    """Phase one: a preferred rep who can take the lead, else the rule's rep or team.

    ``team_for_rule`` is ``(rule id, team id, named rep or None)`` from the rule set.
    """
    excluded = set(excluded)
    considered: list[Candidate] = []
    for wish in preferred:
        rep = reps.get(wish.rep_id)
        if rep is None:
            continue
        # An owner keeps their accounts even when busy: capacity caps only the rotation.
        why = skip_reason(
            rep,
            team=teams[rep.team],
            priority=priority,
            now=now,
            open_leads=open_leads.get(rep.id, 0),
            excluded=excluded,
            check_capacity=False,
        )
        if why is None:
            return Target(rep.team, wish.rule, wish.reason, rep.id, candidates=(Candidate(rep.id),))
        considered.append(Candidate(rep.id, f"{wish.rule}: {why}"))
    rule_id, team_id, named = team_for_rule
    team = teams[team_id]
    if named is not None:
        rep = reps[named]
        why = skip_reason(
            rep,
            team=teams[rep.team],
            priority=priority,
            now=now,
            open_leads=open_leads.get(rep.id, 0),
            excluded=excluded,
        )
        if why is None:
            reason = f"rule {rule_id} names {rep.id}"
            return Target(
                rep.team, rule_id, reason, rep.id, candidates=(*considered, Candidate(rep.id))
            )
        considered.append(Candidate(rep.id, why))
        team = teams[rep.team]
    if priority in team.nurture_priorities:
        reason = f"{priority.value} leads of team {team.id} go back to marketing nurture"
        return Target(team.id, rule_id, reason, nurture=True, candidates=tuple(considered))
    reason = f"rule {rule_id}: round robin in team {team.id}"
    return Target(team.id, rule_id, reason, candidates=tuple(considered))


def round_robin(
    *,
    team: TeamConfig,
    reps: Iterable[RepConfig],
    priority: Priority,
    now: datetime,
    open_leads: Mapping[str, int],
    excluded: Iterable[str],
    passes: Mapping[str, int],
    virtual_time: int,
) -> Pick:
    """Phase two: the eligible rep with the smallest pass, and the passes after the pick."""
    excluded = set(excluded)
    candidates: list[Candidate] = []
    eligible: dict[str, RepConfig] = {}
    for rep in sorted(reps, key=lambda r: r.id):
        if rep.role != "rep" or rep.team != team.id:
            continue
        why = skip_reason(
            rep,
            team=team,
            priority=priority,
            now=now,
            open_leads=open_leads.get(rep.id, 0),
            excluded=excluded,
        )
        candidates.append(Candidate(rep.id, why))
        if why is None:
            eligible[rep.id] = rep
    if not eligible:
        return Pick(None, tuple(candidates), dict(passes), virtual_time)
    effective = {rep_id: max(passes.get(rep_id, virtual_time), virtual_time) for rep_id in eligible}
    chosen = min(eligible, key=lambda rep_id: (effective[rep_id], rep_id))
    new_passes = dict(passes)
    new_passes[chosen] = effective[chosen] + stride(eligible[chosen].weight)
    final = tuple(
        Candidate(
            c.rep_id, c.skipped if c.skipped or c.rep_id == chosen else "not next in the rotation"
        )
        for c in candidates
    )
    return Pick(chosen, final, new_passes, effective[chosen])


def sla_due(team: TeamConfig, priority: Priority, assigned_at: datetime) -> datetime | None:
    """When the assigned rep must have accepted the lead; None when the priority has no SLA."""
    seconds = team.sla_seconds.get(priority)
    return assigned_at + timedelta(seconds=seconds) if seconds is not None else None
