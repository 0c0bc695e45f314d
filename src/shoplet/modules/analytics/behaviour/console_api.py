"""Console routes of the behaviour reports, under ``analytics:view``: 归因分析 (and its CSV,
audited), 路径分析, 实时概览 (polled every few seconds) and a funnel step's drop-off list."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.modules.analytics.behaviour import service
from shoplet.modules.analytics.behaviour.schemas import (
    AttributionGroup,
    AttributionResult,
    DropOffQuery,
    DropOffResult,
    PathDirection,
    PathResult,
    RealtimeOverview,
)
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-analytics"])

AnalyticsViewer = Annotated[StaffIdentity, Depends(require_permission("analytics:view"))]
# Checked by the service (400 with a stable code), so the query takes any 64-bit integer.
LookbackDays = Annotated[int, Query(ge=-(2**63) + 1, le=2**63 - 1)]
ModelName = Annotated[str, Query(max_length=40)]


@router.get("/analytics/attribution", responses=problem_responses(400))
async def attribution(
    *,
    _: AnalyticsViewer,
    ctx: Ctx,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    model: ModelName = "last_touch",
    lookback_days: LookbackDays = 7,
    group_by: AttributionGroup = "channel",
) -> AttributionResult:
    """归因分析: orders paid in the range credited to channels (or campaigns) by the touches
    of the lookback window before each (400 ``analytics.attribution_model_unknown``,
    ``analytics.lookback_out_of_range``, ``analytics.date_range_invalid``)."""
    return await service.attribute(
        ctx,
        model=model,
        lookback_days=lookback_days,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
    )


@router.get(
    "/analytics/attribution/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "credit per channel or campaign"},
        **problem_responses(400),
    },
)
async def export_attribution(
    *,
    staff: AnalyticsViewer,
    ctx: Ctx,
    request: Request,
    session: DbSession,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    model: ModelName = "last_touch",
    lookback_days: LookbackDays = 7,
    group_by: AttributionGroup = "channel",
) -> Response:
    """The same attribution as CSV (amounts in yuan)."""
    result = await service.attribute(
        ctx,
        model=model,
        lookback_days=lookback_days,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
    )
    await record_audit(
        session, staff, "analytics.attribution_export", None, {"model": model}, origin_of(request)
    )
    return Response(
        content=service.attribution_csv(result).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="attribution.csv"'},
    )


@router.get("/analytics/paths", responses=problem_responses(400))
async def paths(
    *,
    _: AnalyticsViewer,
    ctx: Ctx,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    page: Annotated[str | None, Query(max_length=200)] = None,
    direction: PathDirection = "next",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> PathResult:
    """路径分析: the pages viewed right after (or before) a page in the same session, with
    their share of its views; and the most viewed pages."""
    return await service.paths(
        ctx, page=page, direction=direction, date_from=date_from, date_to=date_to, limit=limit
    )


@router.get("/analytics/realtime")
async def realtime_overview(_: AnalyticsViewer, ctx: Ctx) -> RealtimeOverview:
    """实时概览: persons online (last 5 minutes), orders paid in the last minute, today's
    orders and GMV by province; counters only, cheap enough to poll every few seconds."""
    return await service.overview(ctx)


@router.post("/analytics/funnels/drop-offs", responses=problem_responses(400))
async def funnel_drop_offs(query: DropOffQuery, _: AnalyticsViewer, ctx: Ctx) -> DropOffResult:
    """The persons who reached the step before ``step`` and not ``step`` (members link to
    their page, devices are listed by id)."""
    return await service.drop_offs(ctx, query)
