"""``python -m services.routing load-org`` sends an org read from CSV files to the admin API."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import ADMIN_KEY, Services

pytestmark = pytest.mark.e2e


def test_an_org_loads_from_csv_through_the_api(services: Services, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    teams = tmp_path / "sales_teams.csv"
    teams.write_text(
        "sales_agent,manager,regional_office\n"
        f"Ada {tag},Mia {tag},West\nBo {tag},Mia {tag},West\nCy {tag},Noor {tag},East\n"
    )
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(f"account,sector\nWidgets {tag},retail\n")
    pipeline = tmp_path / "sales_pipeline.csv"
    pipeline.write_text(f"sales_agent,account,engage_date\nBo {tag},Widgets {tag},2017-01-01\n")
    command = [
        sys.executable, "-m", "services.routing", "load-org", "--teams", str(teams),
        "--accounts", str(accounts), "--pipeline", str(pipeline),
        "--api", services.urls["routing"], "--key", ADMIN_KEY,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "loaded 2 teams, 5 reps, 1 accounts" in done.stdout

    headers = services.admin
    reps = httpx.get(
        f"{services.urls['routing']}/v1/reps", params={"team": f"mia-{tag}"}, headers=headers
    ).json()
    assert {(r["id"], r["role"]) for r in reps} == {
        (f"mia-{tag}", "manager"),
        (f"ada-{tag}", "rep"),
        (f"bo-{tag}", "rep"),
    }
    owned = httpx.get(
        f"{services.urls['routing']}/v1/accounts", params={"limit": 1000}, headers=headers
    ).json()
    assert {"id": f"widgets-{tag}", "name": f"Widgets {tag}", "domain": None,
            "owner_rep_id": f"bo-{tag}"} in owned  # fmt: skip

    bad = tmp_path / "bad.csv"
    bad.write_text("agent,boss\nx,y\n")
    refused = subprocess.run(
        [*command[:5], str(bad), *command[-4:]], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "lacks columns" in refused.stderr
