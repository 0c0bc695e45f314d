"""Console routes of forecasts: the ad-hoc forecast of a posted series (``analytics:view``,
``POST /analytics/forecast``), the stored daily forecasts of SKUs, categories and the shop
(销量预测), the day's run and its progress, replenishment (补货建议: the list, its CSV, the
promotion-planning overlay) under ``analytics:view``; a SKU's lead time and service level and
重新计算 under ``replenishment:manage`` (audited)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.input_safety import MAX_ID
from shoplet.core.params import PathId
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

from . import service
from .schemas import (
    ForecastOut,
    ForecastRequest,
    PromotionPlan,
    ReplenishmentList,
    Run,
    SeriesPage,
    Setting,
    SettingUpdate,
    StoredSeries,
)

router = APIRouter(tags=["console-insights"])

AnalyticsViewer = Annotated[StaffIdentity, Depends(require_permission("analytics:view"))]
ReplenishmentManager = Annotated[StaffIdentity, Depends(require_permission("replenishment:manage"))]
WithinDays = Annotated[int | None, Query(ge=1, le=service.HORIZON_DAYS)]


@router.post("/analytics/forecast", responses=problem_responses(400))
async def forecast(body: ForecastRequest, _: AnalyticsViewer) -> ForecastOut:
    """Forecast a posted ``date,value`` series (daily, weekly or monthly): the model chosen by a
    rolling-origin backtest (AutoETS, AutoARIMA, Theta; Croston, TSB, ADIDA for intermittent
    series), its interval at ``level`` %, and the seasonal naive beside it. 400
    ``insights.forecast_*`` names the offending point. Writes nothing."""
    rows = [(i, p.date, p.value) for i, p in enumerate(body.series, start=1)]
    return await asyncio.to_thread(
        service.forecast_rows,
        rows,
        season_length=body.season_length,
        horizon=body.horizon,
        level=body.level,
        calendar=body.calendar,
    )


@router.get("/insights/forecast/series", responses=problem_responses(400))
async def list_series(
    _: AnalyticsViewer,
    session: DbSession,
    kind: Literal["sku", "category", "shop"] = "sku",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> SeriesPage:
    """Stored daily forecasts of one kind, by id, with their backtest MASE against the
    seasonal naive's."""
    return await service.list_series(session, kind=kind, cursor=cursor, limit=limit)


@router.get("/insights/forecast/series/{kind}/{ref_id}", responses=problem_responses(404))
async def get_series(
    kind: Literal["sku", "category", "shop"],
    ref_id: Annotated[int, Path(ge=0, le=MAX_ID)],
    _: AnalyticsViewer,
    session: DbSession,
) -> StoredSeries:
    """One stored forecast: history, forecast, band, model and backtest (``shop`` is ref 0)."""
    return await service.get_series(session, kind, ref_id)


@router.get("/insights/forecast/runs/latest")
async def latest_run(_: AnalyticsViewer, session: DbSession) -> Run | None:
    """The latest run and its progress (``done`` of ``total`` series)."""
    return await service.latest_run(session)


@router.post("/insights/forecast/runs")
async def start_run(staff: ReplenishmentManager, request: Request, session: DbSession) -> Run:
    """重新计算: queue today's run (or again, when it finished); the worker does it."""
    run = await service.request_run(session, requested_by=staff.username, again=True)
    await record_audit(
        session, staff, "insights.forecast_run", str(run.id), None, origin_of(request)
    )
    return run


@router.get("/insights/replenishment", responses=problem_responses(400))
async def replenishment(
    _: AnalyticsViewer, session: DbSession, within_days: WithinDays = None
) -> ReplenishmentList:
    """补货建议: each forecast SKU's available stock, reorder point, suggested quantity and days
    until it runs out, the soonest first (``within_days``: only those)."""
    return await service.replenishment_list(session, within_days=within_days)


@router.get(
    "/insights/replenishment/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_replenishment(
    _: AnalyticsViewer, session: DbSession, within_days: WithinDays = None
) -> Response:
    """The replenishment list as CSV (UTF-8 with BOM, for Excel)."""
    report = await service.replenishment_list(session, within_days=within_days)
    return Response(
        content=service.replenishment_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="replenishment.csv"'},
    )


@router.get("/insights/replenishment/plan")
async def promotion_plan(_: AnalyticsViewer, ctx: Ctx, session: DbSession) -> PromotionPlan:
    """The shop's forecast over the next 28 days with the active and draft store-wide
    promotions, the scheduled flash sales, the 618/双11 days and the public holidays in that
    window."""
    return await service.promotion_plan(ctx, session)


@router.get("/insights/replenishment/settings/{sku_id}")
async def get_setting(sku_id: PathId, _: AnalyticsViewer, session: DbSession) -> Setting:
    """A SKU's lead time and service level (the defaults when never set)."""
    return await service.get_setting(session, sku_id)


@router.put("/insights/replenishment/settings/{sku_id}", responses=problem_responses(400))
async def update_setting(
    sku_id: PathId,
    body: SettingUpdate,
    staff: ReplenishmentManager,
    request: Request,
    session: DbSession,
) -> Setting:
    """Set a SKU's lead time (days) and cycle service level (0.5..0.999)."""
    setting = await service.update_setting(session, sku_id, body, updated_by=staff.username)
    await record_audit(
        session,
        staff,
        "insights.replenishment_setting",
        str(sku_id),
        {"lead_time_days": body.lead_time_days, "service_level": body.service_level},
        origin_of(request),
    )
    return setting
