"""``make eval-scoring TRAIN=leads.csv [TEST=leads.csv]``: does scoring learn from sales?

Replays the training leads through the real services, as a web form would: each is posted
to intake's ``POST /v1/leads``, flows over Kafka to scoring, and its outcome (``Converted``
1 -> won, 0 -> lost or disqualified) is reported through feedback's ``POST /v1/outcomes``,
from where it reaches scoring on ``sales.outcomes``. Once scoring's model has learned from
them, the test leads are captured the same way and their scores read back. Prints

    rules AUC 0.xxx      (the configured point rules alone, on the test leads)
    learned AUC 0.xxx    (the score scoring issued: rules blended with the learned model)

Without ``--test`` a fixed 30 % of the training file (by a hash of the prospect id) is
held out as the test set. Without service URLs the command starts a stack of its own
(Kafka, PostgreSQL, the four services) on the given or free ports and purges it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from deploy.eval.x_education import converted, lead_id_of, to_lead
from services.scoring.learner import roc_auc

ROOT = Path(__file__).resolve().parents[2]
RULES = Path(__file__).with_name("x_education_rules.json")
NEGATIVE_REASONS = ("bad_fit", "no_budget", "unreachable")
T = TypeVar("T")


@dataclass(frozen=True)
class Urls:
    intake: str
    scoring: str
    feedback: str
    key: str


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _bucket(row: dict[str, str]) -> int:
    return int(hashlib.sha256(lead_id_of(row).encode()).hexdigest(), 16) % 100


def split(rows: list[dict[str, str]], test_percent: int) -> tuple[list[Any], list[Any]]:
    """A fixed split: the same file always gives the same test rows."""
    train = [r for r in rows if _bucket(r) >= test_percent]
    test = [r for r in rows if _bucket(r) < test_percent]
    return train, test


def outcome_for(row: dict[str, str], lead_id: str, deal: str = "0.00") -> dict[str, Any]:
    """What sales would report: won, or (for non-converted leads) lost or disqualified.

    The data records no deal values, so a conversion is a won deal of ``deal`` USD.
    """
    key = lead_id_of(row)
    body: dict[str, Any] = {"outcome_id": f"eval-{key}", "lead_id": lead_id}
    if converted(row):
        return body | {"status": "won", "amount": deal, "currency": "USD"}
    bucket = _bucket(row)
    if bucket % 5 < 3:
        return body | {"status": "lost", "reason": "chose another provider"}
    return body | {"status": "disqualified", "reason": NEGATIVE_REASONS[bucket % 3]}


async def _gather(items: list[T], work: Callable[[T], Awaitable[Any]], *, limit: int) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def one(item: T) -> Any:
        async with semaphore:
            return await work(item)

    return await asyncio.gather(*(one(i) for i in items))


async def _post(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    for attempt in range(1, 6):
        response = await http.post(url, json=body)
        if response.status_code in (200, 201, 202):
            result: dict[str, Any] = response.json()
            return result
        if response.status_code < 500 and response.status_code != 429:
            raise SystemExit(f"{url} refused {body}: {response.status_code} {response.text}")
        await asyncio.sleep(0.5 * attempt)
    raise SystemExit(f"{url} kept failing: {response.status_code} {response.text}")


async def capture(http: httpx.AsyncClient, urls: Urls, rows: list[dict[str, str]]) -> list[str]:
    async def one(row: dict[str, str]) -> str:
        accepted = await _post(http, f"{urls.intake}/v1/leads", to_lead(row))
        return str(accepted["lead_id"])

    return await _gather(rows, one, limit=12)


async def model(http: httpx.AsyncClient, urls: Urls) -> dict[str, Any]:
    response = await http.get(f"{urls.scoring}/v1/model")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def wait_for(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(1.0)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


async def scores(
    http: httpx.AsyncClient, urls: Urls, lead_ids: list[str], model_version: str, timeout: float
) -> list[dict[str, Any]]:
    """Each lead's score, once scored by the expected model."""

    async def one(lead_id: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            response = await http.get(f"{urls.scoring}/v1/leads/{lead_id}/score")
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            return body if body["model_version"] == model_version else None

        return await wait_for(probe, f"the score of {lead_id}", timeout)

    return await _gather(lead_ids, one, limit=12)


async def evaluate(
    urls: Urls,
    train: list[dict[str, str]],
    test: list[dict[str, str]],
    timeout: float,
    deal: str = "0.00",
) -> tuple[float | None, float | None]:
    headers = {"Authorization": f"Bearer {urls.key}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        rules = await http.post(
            f"{urls.scoring}/v1/rules", content=RULES.read_bytes(),
            headers={"content-type": "application/json"},
        )  # fmt: skip
        if rules.status_code not in (200, 201):
            raise SystemExit(f"the rule set was refused: {rules.status_code} {rules.text}")
        log(f"rules {rules.json()['config_version']} active")
        started = time.monotonic()
        train_ids = await capture(http, urls, train)
        log(f"captured {len(train_ids)} training leads in {time.monotonic() - started:.0f}s")
        await _gather(
            list(zip(train, train_ids, strict=True)),
            lambda pair: _post(http, f"{urls.feedback}/v1/outcomes", outcome_for(*pair, deal)),
            limit=12,
        )
        log(f"reported {len(train_ids)} outcomes")

        async def learned() -> dict[str, Any] | None:
            m = await model(http, urls)
            return m if m.get("examples", 0) >= len(train_ids) else None

        trained = await wait_for(learned, "the model to learn every outcome", timeout)
        log(
            f"model {trained['model_version']}: {trained['outcomes_learned']} outcomes learned, "
            f"holdout {trained['holdout_size']} "
            f"(AUC {trained['auc']}, rules {trained['rules_auc']})"
        )
        test_ids = await capture(http, urls, test)
        scored = await scores(http, urls, test_ids, trained["model_version"], timeout)
    labels = [converted(r) for r in test]
    rules_auc = roc_auc([float(s["rules_score"]) for s in scored], labels)
    learned_auc = roc_auc([float(s["score"]) for s in scored], labels)
    return rules_auc, learned_auc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def own_stack(args: argparse.Namespace) -> Iterator[Urls]:
    """Kafka, PostgreSQL and the four services of the evaluation's own, purged afterwards."""
    state = Path(args.state_dir or ROOT / ".local" / f"eval-scoring-{secrets.token_hex(4)}")
    key = "hk_eval_" + secrets.token_urlsafe(32)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HANDOFF_BOOTSTRAP_API_KEY"] = key
    base = args.service_port_base or free_port()
    stack = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]
    up = [
        "up", "--state-dir", str(state),
        "--kafka-port", str(args.kafka_port or free_port()),
        "--kafka-controller-port", str(args.kafka_controller_port or free_port()),
        "--pg-port", str(args.pg_port or free_port()),
        "--service-port-base", str(base),
    ]  # fmt: skip
    log(f"starting a stack in {state}")
    try:
        subprocess.run([*stack, *up], check=True, cwd=ROOT, env=env, stdout=sys.stderr)
        url = "http://127.0.0.1:{}".format
        yield Urls(url(base), url(base + 1), url(base + 3), key)
    finally:
        down = [*stack, "down", "--purge", "--state-dir", str(state)]
        subprocess.run(down, check=False, cwd=ROOT, env=env, stdout=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, required=True, help="CSV of leads with Converted")
    parser.add_argument("--test", type=Path, help="CSV of leads to score (default: 30%% of train)")
    parser.add_argument("--test-percent", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=900, help="seconds for each wait")
    parser.add_argument(
        "--deal-amount", default="0.00", help="USD reported for each won deal (the data has none)"
    )
    running = parser.add_argument_group("a running stack (all four, or none to start one)")
    running.add_argument("--intake-url")
    running.add_argument("--scoring-url")
    running.add_argument("--feedback-url")
    running.add_argument("--api-key", help="an admin key (default: HANDOFF_BOOTSTRAP_API_KEY)")
    own = parser.add_argument_group("the stack the command starts (default: free ports)")
    own.add_argument("--state-dir")
    own.add_argument("--kafka-port", type=int)
    own.add_argument("--kafka-controller-port", type=int)
    own.add_argument("--pg-port", type=int)
    own.add_argument("--service-port-base", type=int)
    args = parser.parse_args(argv)

    rows = read_rows(args.train)
    if args.test:
        train, test = rows, read_rows(args.test)
    else:
        train, test = split(rows, args.test_percent)
    log(f"{len(train)} training leads, {len(test)} test leads")
    given = (args.intake_url, args.scoring_url, args.feedback_url)
    if any(given):
        key = args.api_key or os.environ.get("HANDOFF_BOOTSTRAP_API_KEY")
        if not all(given) or not key:
            parser.error("a running stack needs --intake-url, --scoring-url, --feedback-url "
                         "and --api-key (or HANDOFF_BOOTSTRAP_API_KEY)")  # fmt: skip
        intake, scoring, feedback = (str(u).rstrip("/") for u in given)
        urls = Urls(intake, scoring, feedback, key)
        result = asyncio.run(evaluate(urls, train, test, args.timeout, args.deal_amount))
    else:
        with own_stack(args) as urls:
            result = asyncio.run(evaluate(urls, train, test, args.timeout, args.deal_amount))
    rules_auc, learned_auc = result
    print(f"rules AUC {rules_auc:.3f}" if rules_auc is not None else "rules AUC n/a")
    print(f"learned AUC {learned_auc:.3f}" if learned_auc is not None else "learned AUC n/a")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
