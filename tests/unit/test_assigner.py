import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.routing.assigner import load_team, pick, rotation, sla_due
from services.routing.settings import Settings
from shared.errors import InvalidInput
from shared.events import Priority


def test_equal_weights_take_turns_in_id_order() -> None:
    assert rotation({"b": 1, "a": 1, "c": 1}) == ["a", "b", "c"]


def test_weights_set_the_share_and_turns_are_spread_out() -> None:
    cycle = rotation({"ann": 3, "bob": 1, "cy": 2})
    assert Counter(cycle) == {"ann": 3, "bob": 1, "cy": 2}
    assert cycle == ["ann", "cy", "ann", "bob", "cy", "ann"]


def test_a_new_rep_does_not_change_the_share_of_older_reps() -> None:
    """Odoo once favoured long-standing reps; here order depends only on ids and weights."""
    positions = range(300)
    shares = Counter(pick({"old": 1, "older": 1, "new": 1}, p) for p in positions)
    assert set(shares.values()) == {100}


def test_nobody_eligible_means_no_rep() -> None:
    assert pick({}, 7) is None


def test_position_wraps_around() -> None:
    weights = {"a": 1, "b": 1}
    assert [pick(weights, p) for p in range(5)] == ["a", "b", "a", "b", "a"]


@pytest.mark.parametrize(
    ("priority", "minutes"), [(Priority.HOT, 5), (Priority.WARM, 60), (Priority.COLD, 1440)]
)
def test_sla_due_follows_the_priority(priority: Priority, minutes: int) -> None:
    team = load_team(Settings().team_file)
    routed = datetime(2026, 1, 1, tzinfo=UTC)
    assert sla_due(team, priority, routed) == routed + timedelta(minutes=minutes)


def test_a_team_file_with_a_bad_rep_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "team.json"
    bad.write_text(
        json.dumps(
            {
                "team": "inbound",
                "sla_minutes": {"hot": 5, "lukewarm": 10},
                "reps": [{"id": "Ann Smith", "name": "Ann", "weight": 0}],
            }
        )
    )
    with pytest.raises(InvalidInput) as caught:
        load_team(bad)
    assert {f.field for f in caught.value.fields} == {
        "sla_minutes.lukewarm.[key]",
        "reps.0.id",
        "reps.0.weight",
    }
