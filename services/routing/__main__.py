"""``python -m services.routing``: run one routing instance, or load an org from CSV.

``python -m services.routing load-org --teams sales_teams.csv --accounts accounts.csv
--pipeline sales_pipeline.csv --api http://127.0.0.1:8003 --key $KEY [--rules rules.json]``
sends the org (and optionally a rule set) to a running routing service's admin API.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from services.routing.org_csv import org_from_csv
from shared.errors import InvalidInput


def _send(method: str, url: str, key: str, body: Any) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        sys.exit(f"{method} {url} failed ({exc.code}): {exc.read().decode()}")


def load_org(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.routing load-org")
    parser.add_argument("--teams", type=Path, help="CSV: sales_agent, manager, regional_office")
    parser.add_argument("--accounts", type=Path, help="CSV: account[, domain][, owner]")
    parser.add_argument("--pipeline", type=Path, help="CSV of deals, to derive account owners")
    parser.add_argument("--rules", type=Path, help="JSON rule set to save after the org")
    parser.add_argument("--api", required=True, help="routing's base URL")
    parser.add_argument("--key", required=True, help="an API key with the admin scope")
    args = parser.parse_args(argv)
    try:
        org = org_from_csv(teams=args.teams, accounts=args.accounts, pipeline=args.pipeline)
    except InvalidInput as exc:
        details = "; ".join(f"{f.field}: {f.message}" for f in exc.fields)
        sys.exit(f"{exc.message}: {details}")
    api = args.api.rstrip("/")
    counts = _send("POST", f"{api}/v1/org", args.key, org.model_dump(mode="json"))
    print(f"loaded {counts['teams']} teams, {counts['reps']} reps, {counts['accounts']} accounts")
    if args.rules:
        saved = _send("PUT", f"{api}/v1/rules", args.key, json.loads(args.rules.read_text()))
        print(f"saved rule set version {saved['version']}")


def main() -> None:
    if sys.argv[1:2] == ["load-org"]:
        load_org(sys.argv[2:])
        return
    from services.routing.app import create_app
    from services.routing.settings import Settings
    from shared.service import serve

    settings = Settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
