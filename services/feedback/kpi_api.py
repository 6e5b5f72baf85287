"""Feedback's read API for marketing and sales: KPIs (JSON and CSV) and feedback nudges."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.feedback import queries
from services.feedback.aggregate import GroupBy
from services.feedback.csv_export import to_csv
from services.feedback.queries import LeadFilter
from services.feedback.reports import Report, kpi_report
from services.feedback.schemas import KpiRow, KpisRead, NudgesRead, RepNudgeRead, WaitingLeadRead
from services.feedback.settings import Settings
from shared.auth import require
from shared.errors import FieldError, InvalidInput
from shared.events import Scope, utcnow
from shared.service import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["feedback"])

_NAME = Query(min_length=1, max_length=100)


def lead_filter(
    start: Annotated[date | None, Query(description="first capture day (UTC), inclusive")] = None,
    end: Annotated[date | None, Query(description="last capture day (UTC), inclusive")] = None,
    campaign_id: Annotated[str | None, _NAME] = None,
    channel: Annotated[str | None, _NAME] = None,
    source: Annotated[str | None, _NAME] = None,
) -> LeadFilter:
    if start and end and end < start:
        raise InvalidInput("invalid period", [FieldError("end", "end is before start")])
    return LeadFilter(start, end, campaign_id, channel, source)


async def _report(
    session: SessionDep, runtime: RuntimeDep, f: LeadFilter, by: GroupBy, what: str
) -> Report:
    settings: Settings = runtime.settings
    return await kpi_report(session, f, by=by, settings=settings, now=utcnow(), what=what)


@router.get(
    "/kpis",
    response_model=KpisRead,
    summary="Lead-quality KPIs per campaign, channel, source, day or week",
    dependencies=[require(Scope.MARKETING)],
)
async def get_kpis(
    session: SessionDep,
    runtime: RuntimeDep,
    f: Annotated[LeadFilter, Depends(lead_filter)],
    group_by: GroupBy = GroupBy.CAMPAIGN,
) -> KpisRead:
    """Leads captured in the period, grouped; ratios are null where their denominator is 0."""
    report = await _report(session, runtime, f, group_by, "api")
    return KpisRead(
        group_by=group_by.value,
        start=f.start,
        end=f.end,
        currency=report.currency,
        groups=[KpiRow.model_validate(r) for r in report.rows()],
        totals=KpiRow.model_validate({**report.row(report.total), "name": "all"}),
    )


@router.get(
    "/kpis.csv",
    summary="The same KPIs as CSV (undefined ratios as —)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    dependencies=[require(Scope.MARKETING)],
)
async def get_kpis_csv(
    session: SessionDep,
    runtime: RuntimeDep,
    f: Annotated[LeadFilter, Depends(lead_filter)],
    group_by: GroupBy = GroupBy.CAMPAIGN,
) -> Response:
    report = await _report(session, runtime, f, group_by, "csv")
    rows = [*report.rows(), {**report.row(report.total), "key": "(all)", "name": "all"}]
    return Response(
        to_csv(rows, currency=report.currency),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="kpis-by-{group_by.value}.csv"'},
    )


@router.get(
    "/nudges",
    response_model=NudgesRead,
    summary="Routed leads still without any outcome, per rep",
    dependencies=[require(Scope.SALES)],
)
async def get_nudges(
    session: SessionDep,
    runtime: RuntimeDep,
    older_than_hours: Annotated[float | None, Query(gt=0, le=24 * 365)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> NudgesRead:
    """Whom to remind: each rep's leads routed longer ago than the delay with no outcome."""
    settings: Settings = runtime.settings
    hours = older_than_hours or settings.nudge_after_hours
    now = utcnow()
    waiting = await queries.leads_awaiting_outcome(
        session, now - timedelta(hours=hours), limit=limit + 1
    )
    truncated = len(waiting) > limit
    reps: dict[tuple[str, str | None], RepNudgeRead] = {}
    for lead in waiting[:limit]:
        rep = reps.setdefault(
            (lead.team, lead.rep_id),
            RepNudgeRead(
                rep_id=lead.rep_id, rep_name=lead.rep_name, team=lead.team, waiting=0, leads=[]
            ),
        )
        rep.waiting += 1
        rep.leads.append(
            WaitingLeadRead(
                lead_id=lead.lead_id,
                campaign_id=lead.campaign_id,
                priority=lead.priority,
                routed_at=lead.routed_at,
                waiting_hours=round((now - lead.routed_at).total_seconds() / 3600, 2),
            )
        )
    ordered = sorted(reps.values(), key=lambda r: (-r.waiting, r.team, r.rep_id or ""))
    return NudgesRead(
        older_than_hours=hours,
        total=min(len(waiting), limit),
        truncated=truncated,
        reps=ordered,
    )
