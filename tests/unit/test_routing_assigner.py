"""Eligibility, targets and weighted selection: the pure decisions of routing."""

from collections import Counter
from datetime import UTC, datetime, time, timedelta

from services.routing.assigner import (
    Preferred,
    pick_target,
    round_robin,
    skip_reason,
    sla_due,
    working_now,
)
from services.routing.org import Absence, RepConfig, TeamConfig, WorkingHours
from shared.events import Priority

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TEAM = TeamConfig(id="t", name="T", manager_id="boss", sla_seconds={Priority.HOT: 300})


def rep(rep_id: str, **kw: object) -> RepConfig:
    return RepConfig.model_validate({"id": rep_id, "name": rep_id, "team": "t", **kw})


def spread(reps: list[RepConfig], leads: int, **kw: object) -> Counter[str]:
    """Route ``leads`` hot leads through the rotation, carrying its state like the database."""
    passes: dict[str, int] = {}
    virtual_time = 0
    counts: Counter[str] = Counter()
    for _ in range(leads):
        pick = round_robin(
            team=TEAM,
            reps=reps,
            priority=Priority.HOT,
            now=MONDAY_NOON,
            open_leads=kw.get("open_leads", {}),  # type: ignore[arg-type]
            excluded=(),
            passes=passes,
            virtual_time=virtual_time,
        )
        assert pick.rep_id is not None
        passes, virtual_time = pick.passes, pick.virtual_time
        counts[pick.rep_id] += 1
    return counts


def test_weights_set_the_share_over_many_leads() -> None:
    counts = spread([rep("ann", weight=3), rep("bob", weight=2), rep("cy", weight=1)], 6000)
    assert counts == {"ann": 3000, "bob": 2000, "cy": 1000}


def test_uneven_weights_stay_within_one_lead_of_the_exact_share() -> None:
    reps = [rep("a", weight=7), rep("b", weight=5), rep("c", weight=3), rep("d", weight=1)]
    counts = spread(reps, 1000)
    for r in reps:
        assert abs(counts[r.id] - 1000 * r.weight / 16) <= 1


def test_turns_are_spread_out_rather_than_back_to_back() -> None:
    reps = [rep("ann", weight=2), rep("bob"), rep("cy")]
    order: list[str] = []
    passes: dict[str, int] = {}
    vt = 0
    for _ in range(4):
        pick = round_robin(
            team=TEAM, reps=reps, priority=Priority.WARM, now=MONDAY_NOON, open_leads={},
            excluded=(), passes=passes, virtual_time=vt,
        )  # fmt: skip
        assert pick.rep_id
        order.append(pick.rep_id)
        passes, vt = pick.passes, pick.virtual_time
    assert Counter(order) == {"ann": 2, "bob": 1, "cy": 1}
    assert order[0] != order[1]


def test_a_new_rep_joins_at_the_current_turn_and_older_reps_are_not_favoured() -> None:
    """Odoo once favoured long-standing reps; a newcomer starts at the team's virtual time."""
    old = [rep("old"), rep("older")]
    passes: dict[str, int] = {}
    vt = 0
    for _ in range(100):
        pick = round_robin(
            team=TEAM, reps=old, priority=Priority.WARM, now=MONDAY_NOON, open_leads={},
            excluded=(), passes=passes, virtual_time=vt,
        )  # fmt: skip
        passes, vt = pick.passes, pick.virtual_time
    counts: Counter[str] = Counter()
    team = [*old, rep("new")]
    for _ in range(300):
        pick = round_robin(
            team=TEAM, reps=team, priority=Priority.WARM, now=MONDAY_NOON, open_leads={},
            excluded=(), passes=passes, virtual_time=vt,
        )  # fmt: skip
        assert pick.rep_id
        counts[pick.rep_id] += 1
        passes, vt = pick.passes, pick.virtual_time
    assert all(abs(n - 100) <= 1 for n in counts.values()), counts


def test_skipped_reps_are_explained_and_the_pick_is_the_eligible_one() -> None:
    reps = [
        rep("away", out_of_office=[{"starts_at": MONDAY_NOON - timedelta(days=1),
                                    "ends_at": MONDAY_NOON + timedelta(days=1)}]),
        rep("busy", capacity=2),
        rep("gone", active=False),
        rep("night", timezone="Asia/Tokyo", working_hours={"start": "09:00", "end": "17:00"}),
        rep("zoe"),
        rep("boss", role="manager"),
    ]  # fmt: skip
    pick = round_robin(
        team=TEAM, reps=reps, priority=Priority.HOT, now=MONDAY_NOON, open_leads={"busy": 2},
        excluded={"zoe-not"}, passes={}, virtual_time=0,
    )  # fmt: skip
    assert pick.rep_id == "zoe"
    why = {c.rep_id: c.skipped for c in pick.candidates}
    assert why["away"] is not None and why["away"].startswith("out of office until")
    assert why["busy"] == "at capacity (2 of 2 open leads)"
    assert why["gone"] == "inactive"
    assert why["night"] is not None and "outside working hours" in why["night"]
    assert why["zoe"] is None
    assert "boss" not in why


def test_working_hours_matter_only_for_the_configured_priorities() -> None:
    night = rep("night", timezone="Asia/Tokyo", working_hours=WorkingHours())
    args = {"team": TEAM, "now": MONDAY_NOON, "open_leads": 0}
    assert skip_reason(night, priority=Priority.HOT, **args) is not None  # type: ignore[arg-type]
    assert skip_reason(night, priority=Priority.WARM, **args) is None  # type: ignore[arg-type]


def test_working_now_uses_the_reps_time_zone_and_days() -> None:
    paris = rep(
        "p", timezone="Europe/Paris", working_hours=WorkingHours(start=time(9), end=time(13))
    )
    # 12:00 UTC is 13:00 in Paris in November: the end is exclusive.
    assert working_now(paris, MONDAY_NOON - timedelta(minutes=1))
    assert not working_now(paris, MONDAY_NOON)
    assert not working_now(paris, MONDAY_NOON - timedelta(days=1))  # Sunday


def test_nobody_eligible_means_the_fallback_queue() -> None:
    pick = round_robin(
        team=TEAM, reps=[rep("gone", active=False)], priority=Priority.HOT, now=MONDAY_NOON,
        open_leads={}, excluded=(), passes={}, virtual_time=0,
    )  # fmt: skip
    assert pick.rep_id is None
    assert [c.skipped for c in pick.candidates] == ["inactive"]


def test_a_rep_who_missed_the_lead_never_gets_it_back() -> None:
    pick = round_robin(
        team=TEAM, reps=[rep("ann"), rep("bob")], priority=Priority.HOT, now=MONDAY_NOON,
        open_leads={}, excluded={"ann"}, passes={"bob": 10**9}, virtual_time=0,
    )  # fmt: skip
    assert pick.rep_id == "bob"


def test_the_account_owner_comes_first_even_at_capacity_but_not_when_away() -> None:
    teams = {"t": TEAM}
    owner = rep("owner", capacity=1)
    away = rep(
        "owner",
        out_of_office=[Absence(starts_at=MONDAY_NOON, ends_at=MONDAY_NOON + timedelta(hours=1))],
    )
    args = {
        "team_for_rule": ("default", "t", None), "priority": Priority.HOT, "teams": teams,
        "open_leads": {"owner": 5}, "excluded": (), "now": MONDAY_NOON,
        "preferred": [Preferred("owner", "account-owner", "account Acme is owned by owner")],
    }  # fmt: skip
    target = pick_target(reps={"owner": owner}, **args)  # type: ignore[arg-type]
    assert (target.rep_id, target.rule) == ("owner", "account-owner")
    target = pick_target(reps={"owner": away}, **args)  # type: ignore[arg-type]
    assert target.rep_id is None and target.rule == "default"
    assert target.candidates[0].skipped is not None
    assert target.candidates[0].skipped.startswith("account-owner: out of office")


def test_cold_leads_go_back_to_nurture_when_the_team_says_so() -> None:
    target = pick_target(
        team_for_rule=("default", "t", None), priority=Priority.COLD, teams={"t": TEAM},
        reps={}, open_leads={}, preferred=[], excluded=(), now=MONDAY_NOON,
    )  # fmt: skip
    assert target.nurture


def test_sla_due_follows_the_priority_and_none_without_an_sla() -> None:
    assert sla_due(TEAM, Priority.HOT, MONDAY_NOON) == MONDAY_NOON + timedelta(minutes=5)
    assert sla_due(TEAM, Priority.WARM, MONDAY_NOON) is None
