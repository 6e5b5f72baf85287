"""The replay: leads posted to intake at the demo's pace, and a sales team working them.

The simulated team learns of its leads as a sales tool would, from ``leads.routed`` on
Kafka (every hand-over: first routing, reassignment after a missed SLA or a decline,
escalation), accepts or declines through routing's API and reports contact and the recorded
outcome through feedback's ``POST /v1/outcomes``. Scoring's ``GET /v1/model`` is polled
throughout, so the report can show how the model's AUC moved as outcomes arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from deploy.demo.endpoints import DemoError, Endpoints, call, error_text
from deploy.demo.handovers import handovers, open_consumer
from deploy.demo.prepare import Campaign
from deploy.demo.sales import Pace, SalesTeam
from shared.events import LeadRoutedV1

MODEL_POLL_SECONDS = 2.0
HTTP_CONCURRENCY = 24
SETTLE_TIMEOUT = 180.0
# The longest simulated wait between two steps of one lead (nurture), and how much longer
# than that the services may take to show progress before the replay stops waiting.
LONGEST_STEP = 7200.0
STALL_SECONDS = 120.0


@dataclass
class LeadState:
    key: str
    campaign: Campaign
    converted: bool
    amount: Decimal
    lead_id: str | None = None
    routed: bool = False
    accepted: bool = False
    closed: bool = False
    seen: set[tuple[str, int]] = field(default_factory=set)


@dataclass(frozen=True)
class ModelPoint:
    """Scoring's model as ``GET /v1/model`` described it at one moment of the replay."""

    elapsed: float
    leads_closed: int
    model_version: str
    outcomes_learned: int
    holdout_size: int
    auc: float | None
    rules_auc: float | None


@dataclass
class Result:
    leads: list[LeadState]
    tally: Counter[str]
    model: list[ModelPoint]
    seconds: float
    settled: bool
    learned_all: bool


class Replay:
    """One run: post, route, work and close every lead, then wait for the figures to settle."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        endpoints: Endpoints,
        leads: list[tuple[LeadState, dict[str, Any]]],
        *,
        pace: Pace,
        team: SalesTeam,
        run: str,
        currency: str,
        console: Console,
    ) -> None:
        self.http, self.e, self.pace, self.team = http, endpoints, pace, team
        self.run, self.currency, self.console = run, currency, console
        self.leads = leads
        self.by_id: dict[str, LeadState] = {}
        self.early: dict[str, list[LeadRoutedV1]] = {}
        self.campaign_ids = {state.campaign.id for state, _ in leads}
        self.tally: Counter[str] = Counter()
        self.model: list[ModelPoint] = []
        self.workers: set[asyncio.Task[None]] = set()
        self.all_closed = asyncio.Event()
        self.last_progress = time.monotonic()
        self.closed = 0
        self.gate = asyncio.Semaphore(HTTP_CONCURRENCY)
        self.baseline_examples = 0
        self.started = time.monotonic()
        self.progress = Progress(
            TextColumn("{task.description:<26}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
        )
        n = len(leads)
        self.bar_captured = self.progress.add_task("captured by intake", total=n, note="")
        self.bar_routed = self.progress.add_task("routed to a rep or nurture", total=n, note="")
        self.bar_closed = self.progress.add_task("closed by sales", total=n, note="")
        self.bar_model = self.progress.add_task("outcomes learned by scoring", total=n, note="")

    async def execute(self) -> Result:
        consumer = await open_consumer(self.e.kafka)
        self.baseline_examples = int((await self._record_model())["examples"])
        listener = asyncio.create_task(self._listen(consumer))
        poller = asyncio.create_task(self._poll_model())
        try:
            with self.progress:
                await self._post_all()
                await self._wait_closed()
                learned_all = await self._wait_learned()
        finally:
            for task in (listener, poller, *self.workers):
                task.cancel()
            await asyncio.gather(listener, poller, *self.workers, return_exceptions=True)
            await consumer.stop()
        settled = await self._wait_settled()
        await self._record_model()
        return Result(
            leads=[s for s, _ in self.leads],
            tally=self.tally,
            model=self.model,
            seconds=time.monotonic() - self.started,
            settled=settled,
            learned_all=learned_all,
        )

    # -- leads in ------------------------------------------------------------------------------

    async def _post_all(self) -> None:
        due = time.monotonic()
        posting: set[asyncio.Task[None]] = set()
        for state, body in self.leads:
            due += self.pace.real(self.team.arrival_gap())
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            task = asyncio.create_task(self._post(state, body))
            posting.add(task)
            task.add_done_callback(posting.discard)
            if len(posting) >= 32:  # the services are behind: let them catch up
                await asyncio.wait(posting, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.gather(*posting)

    async def _post(self, state: LeadState, body: dict[str, Any]) -> None:
        response = await self._call(
            "POST", f"{self.e.intake}/v1/leads", body=body, ok=(200, 201, 202, 422)
        )
        answer = response.json()
        self.progress.advance(self.bar_captured)
        self.last_progress = time.monotonic()
        if response.status_code == 422:
            self.tally["refused by intake"] += 1
            if self.tally["refused by intake"] <= 3:  # the first few say what to fix
                self.console.print(
                    f"[yellow]intake refused lead {state.key}: {error_text(response)}"
                )
            self._close(state, routed=True)
            return
        if answer.get("status") == "touched":
            self.tally["known already (a touch)"] += 1
            self._close(state, routed=True)
            return
        self.tally["captured"] += 1
        state.lead_id = str(answer["lead_id"])
        self.by_id[state.lead_id] = state
        for routed in self.early.pop(state.lead_id, []):
            self._on_routed(routed)

    def _close(self, state: LeadState, *, routed: bool = False) -> None:
        if routed and not state.routed:
            state.routed = True
            self.progress.advance(self.bar_routed)
        self.last_progress = time.monotonic()
        if not state.closed:
            state.closed = True
            self.closed += 1
            self.progress.advance(self.bar_closed)
            if self.closed == len(self.leads):
                self.all_closed.set()

    # -- hand-overs from routing ---------------------------------------------------------------

    async def _listen(self, consumer: AIOKafkaConsumer) -> None:
        async for routed in handovers(consumer, self.campaign_ids):
            self._on_routed(routed)

    def _on_routed(self, routed: LeadRoutedV1) -> None:
        state = self.by_id.get(routed.lead_id)
        if state is None:
            self.early.setdefault(routed.lead_id, []).append(routed)
            return
        handover = (routed.assignment_id, routed.attempt)
        if handover in state.seen or state.closed:
            return
        state.seen.add(handover)
        self.last_progress = time.monotonic()
        if not state.routed:
            state.routed = True
            self.progress.advance(self.bar_routed)
        if routed.attempt > 1:
            self.tally["handed over again"] += 1
        if routed.status == "escalated":
            self.tally["escalated to a manager"] += 1
        task = asyncio.create_task(self._work(state, routed))
        self.workers.add(task)
        task.add_done_callback(self.workers.discard)

    # -- the sales team ------------------------------------------------------------------------

    async def _work(self, state: LeadState, routed: LeadRoutedV1) -> None:
        try:
            if routed.status == "nurture":
                await self._nurture(state)
            elif routed.rep_id is not None and not state.accepted:
                await self._rep(state, routed, routed.rep_id)
        except DemoError as exc:
            self.tally["errors"] += 1
            self.console.print(f"[red]{exc}")

    async def _call(self, method: str, url: str, **options: Any) -> httpx.Response:
        """A request through the gate: httpx's pool slows down badly with thousands waiting."""
        async with self.gate:
            return await call(self.http, method, url, **options)

    async def _sleep(self, simulated: float) -> None:
        await asyncio.sleep(self.pace.real(simulated))

    async def _rep(self, state: LeadState, routed: LeadRoutedV1, rep_id: str) -> None:
        escalated = routed.status == "escalated"
        assignment = f"{self.e.routing}/v1/assignments/{routed.assignment_id}"
        if not escalated and self.team.declines(state.key, routed.attempt):
            await self._sleep(self.team.accept_delay(rep_id, escalated=False))
            body = {"rep_id": rep_id, "reason": "outside my territory"}
            answer = await self._call("POST", f"{assignment}/decline", body=body, ok=(200, 409))
            self.tally["declined" if answer.status_code == 200 else "too late to decline"] += 1
            return
        await self._sleep(self.team.accept_delay(rep_id, escalated=escalated))
        answer = await self._call(
            "POST", f"{assignment}/accept", body={"rep_id": rep_id}, ok=(200, 409)
        )
        if answer.status_code == 409 or state.accepted:
            self.tally["too late to accept (lead moved on)"] += 1
            return
        state.accepted = True
        self.tally["accepted"] += 1
        await self._sleep(self.team.contact_delay())
        await self._outcome(state, "contacted", rep_id)
        await self._sleep(self.team.decide_delay())
        if state.converted:
            await self._outcome(state, "qualified", rep_id)
            await self._sleep(self.team.close_delay())
            await self._outcome(state, "won", rep_id, amount=state.amount)
        else:
            status, reason = self.team.negative(state.key)
            await self._outcome(state, status, rep_id, reason=reason)
        self._close(state)

    async def _nurture(self, state: LeadState) -> None:
        self.tally["sent to marketing nurture"] += 1
        await self._sleep(self.team.nurture_delay())
        if state.converted:
            await self._outcome(state, "won", None, amount=state.amount)
        else:
            await self._outcome(state, "lost", None, reason="no reply to nurture e-mails")
        self._close(state)

    async def _outcome(
        self,
        state: LeadState,
        status: str,
        rep_id: str | None,
        *,
        reason: str | None = None,
        amount: Decimal | None = None,
    ) -> None:
        body: dict[str, Any] = {
            "outcome_id": f"demo-{self.run}-{state.key}-{status}"[:100],
            "lead_id": state.lead_id,
            "status": status,
        }
        if rep_id:
            body["rep_id"] = rep_id
        if reason:
            body["reason"] = reason
        if amount is not None:
            body |= {"amount": str(amount), "currency": self.currency}
        answer = await self._call(
            "POST", f"{self.e.feedback}/v1/outcomes", body=body, ok=(200, 202, 409)
        )
        self.tally[f"outcome {status}" if answer.status_code != 409 else "outcome refused"] += 1
        self.last_progress = time.monotonic()

    # -- waiting for the end -------------------------------------------------------------------

    async def _wait_closed(self) -> None:
        """Until every lead is closed, or nothing moved for longer than any step may take.

        Each lead closes once and is handed over a bounded number of times, so progress
        cannot go on for ever; a loaded machine only stretches it.
        """
        patience = self.pace.real(LONGEST_STEP) + STALL_SECONDS
        while self.closed < len(self.leads):
            if time.monotonic() - self.last_progress > patience:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_closed.wait(), timeout=1.0)
        open_leads = len(self.leads) - self.closed
        if open_leads:
            self.tally["still open at the end"] = open_leads

    async def _model(self) -> dict[str, Any]:
        response = await self._call("GET", f"{self.e.scoring}/v1/model")
        body: dict[str, Any] = response.json()
        return body

    async def _record_model(self) -> dict[str, Any]:
        body = await self._model()
        point = ModelPoint(
            elapsed=time.monotonic() - self.started,
            leads_closed=self.closed,
            model_version=body["model_version"],
            outcomes_learned=body["outcomes_learned"],
            holdout_size=body["holdout_size"],
            auc=body["auc"],
            rules_auc=body["rules_auc"],
        )
        if not self.model or self.model[-1].model_version != point.model_version:
            self.model.append(point)
        return body

    async def _poll_model(self) -> None:
        while True:
            await asyncio.sleep(MODEL_POLL_SECONDS)
            with contextlib.suppress(DemoError):
                body = await self._record_model()
                learned = max(0, int(body["examples"]) - self.baseline_examples)
                auc = body["auc"]
                note = f"AUC {auc:.3f}" if auc is not None else "AUC n/a (too few outcomes)"
                self.progress.update(
                    self.bar_model, completed=min(learned, len(self.leads)), note=note
                )

    async def _wait_learned(self, timeout: float = 120.0) -> bool:
        """Until scoring's model counts every lead closed here (or the timeout)."""
        closed = sum(1 for s, _ in self.leads if s.closed and s.lead_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            examples = int((await self._model())["examples"])
            if examples - self.baseline_examples >= closed:
                return True
            await asyncio.sleep(MODEL_POLL_SECONDS)
        return False

    async def _snapshot(self) -> list[dict[str, Any]]:
        rows = []
        for campaign_id in sorted(self.campaign_ids):
            url = f"{self.e.feedback}/v1/kpis?campaign_id={campaign_id}"
            rows.append((await self._call("GET", url)).json()["totals"])
        return rows

    async def _wait_settled(self) -> bool:
        """Until feedback counts every routed lead and outcome, and its figures stop moving."""
        routed = Counter(s.campaign.id for s, _ in self.leads if s.routed and s.lead_id)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        previous: list[dict[str, Any]] | None = None
        while time.monotonic() < deadline:
            rows = await self._snapshot()
            complete = all(
                row["leads"] == routed[cid]
                for cid, row in zip(sorted(self.campaign_ids), rows, strict=True)
            )
            if complete and rows == previous:
                return True
            previous = rows
            await asyncio.sleep(1.5)
        return False
