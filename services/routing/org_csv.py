"""Reading a sales org from CSV files (the Maven CRM layout), into an ``OrgConfig``.

``sales_teams.csv`` (sales_agent, manager, regional_office): one team per manager, named
after the manager, with the agents' regional office as its region; the manager takes the
team's escalations. ``accounts.csv`` (account, ..., and an ``owner`` or ``sales_agent``
column when it has one): accounts and their owners. Without an owner column the owner is
the agent with the most deals on the account in ``sales_pipeline.csv`` (ties: the later
engagement), so give that file too.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from services.routing.org import AccountConfig, OrgConfig, RepConfig, TeamConfig, slug
from shared.errors import FieldError, InvalidInput


def _rows(path: Path, required: set[str]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise InvalidInput(
                f"{path.name} lacks columns", [FieldError(c, "missing column") for c in missing]
            )
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def teams_from_csv(path: Path) -> tuple[list[TeamConfig], list[RepConfig]]:
    rows = _rows(path, {"sales_agent", "manager", "regional_office"})
    offices: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        offices[row["manager"]][row["regional_office"]] += 1
    teams, reps = [], []
    for manager, office in sorted(offices.items()):
        team_id = slug(manager)
        region = office.most_common(1)[0][0]
        teams.append(
            TeamConfig(id=team_id, name=f"{manager} ({region})", region=region, manager_id=team_id)
        )
        reps.append(RepConfig(id=team_id, name=manager, team=team_id, role="manager"))
    for row in rows:
        manager_id = slug(row["manager"])
        reps.append(
            RepConfig(
                id=slug(row["sales_agent"]),
                name=row["sales_agent"],
                team=manager_id,
                manager_id=manager_id,
            )
        )
    return teams, reps


def owners_from_pipeline(path: Path) -> dict[str, str]:
    """Each account's owner: the agent with the most deals on it, ties to the later one."""
    deals: dict[str, Counter[str]] = defaultdict(Counter)
    latest: dict[tuple[str, str], str] = {}
    for row in _rows(path, {"sales_agent", "account"}):
        if not row["account"]:
            continue
        key = (row["account"], row["sales_agent"])
        deals[row["account"]][row["sales_agent"]] += 1
        latest[key] = max(latest.get(key, ""), row.get("engage_date", ""))
    return {
        account: max(agents, key=lambda a: (agents[a], latest[(account, a)]))
        for account, agents in deals.items()
    }


def accounts_from_csv(path: Path, pipeline: Path | None) -> list[AccountConfig]:
    rows = _rows(path, {"account"})
    owner_column = next((c for c in ("owner", "sales_agent") if rows and c in rows[0]), None)
    owners = owners_from_pipeline(pipeline) if owner_column is None and pipeline else {}
    if owner_column is None and pipeline is None:
        raise InvalidInput(
            f"{path.name} has no owner column: give the sales pipeline to derive owners",
            [FieldError("owner", "missing column")],
        )
    accounts = []
    for row in rows:
        owner = row[owner_column] if owner_column else owners.get(row["account"], "")
        if not row["account"] or not owner:
            continue  # an account nobody has worked has no owner to route to
        accounts.append(
            AccountConfig(
                id=slug(row["account"]),
                name=row["account"],
                domain=row.get("domain") or None,
                owner_rep_id=slug(owner),
            )
        )
    return accounts


def org_from_csv(
    *, teams: Path | None, accounts: Path | None, pipeline: Path | None = None
) -> OrgConfig:
    team_list, rep_list = teams_from_csv(teams) if teams else ([], [])
    account_list = accounts_from_csv(accounts, pipeline) if accounts else []
    return OrgConfig(teams=tuple(team_list), reps=tuple(rep_list), accounts=tuple(account_list))
