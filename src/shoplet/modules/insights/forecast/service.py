"""Forecasts and replenishment: the ad-hoc forecast of a posted series, the daily run that
forecasts every SKU sold in the last ``HISTORY_DAYS`` days (and each category and the whole
shop) from orders' paid lines, and the replenishment list built from those forecasts and
inventory's available stock.

The run is idempotent: one row per Asia/Shanghai day, series upserted on ``(kind, ref_id)``,
progress written after every batch in its own transaction, so a crash resumes by redoing.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.child_processes import process_pool
from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.params import SHOP_TZ
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import public as promotions

from . import core, replenishment, repository
from .errors import InvalidSetting, SkuNotForecast, from_series_error
from .models import ForecastSeries
from .schemas import (
    AccuracyOut,
    BaselineOut,
    CampaignWindowOut,
    ForecastOut,
    PlannedPromotion,
    PromotionPlan,
    ReplenishmentList,
    ReplenishmentRow,
    Run,
    SeriesPage,
    SeriesSummary,
    Setting,
    SettingUpdate,
    StoredSeries,
)
from .series import SeriesError, calendar_regressors, festival_day, parse_series, public_holiday

log = structlog.get_logger("shoplet.insights.forecast")

HISTORY_DAYS = 182
HORIZON_DAYS = 28
SEASON_DAYS = 7
MIN_HISTORY_DAYS = 14
BATCH = 20
# SKU and category series are many: AutoETS and Theta only (AutoARIMA with a weekly season is
# 10-30x slower per series); the shop's series also tries AutoARIMA with the holiday and
# festival regressors.
SKU_MODELS = ("AutoETS", "Theta")
REPLENISHMENT_LIMIT = 1000
CSV_COLUMNS = (
    "sku_id",
    "product_id",
    "name",
    "spec_text",
    "available",
    "demand_7_days",
    "demand_28_days",
    "lead_time_days",
    "service_level",
    "safety_stock",
    "reorder_point",
    "suggested_quantity",
    "days_until_stockout",
    "model",
)


def shop_day(now: datetime) -> date:
    return now.astimezone(SHOP_TZ).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHOP_TZ)


# -- ad hoc ----------------------------------------------------------------------------------


def _accuracy(a: core.Accuracy) -> AccuracyOut:
    return AccuracyOut(mape=a.mape, smape=a.smape, mase=a.mase, folds=a.folds)


def forecast_rows(
    rows: Sequence[tuple[int, str, str | float | int]],
    *,
    season_length: int,
    horizon: int,
    level: int = core.DEFAULT_LEVEL,
    calendar: bool = True,
    unit: str = "point",
) -> ForecastOut:
    """Check and forecast ``(line, date, value)`` rows (the CLI's CSV lines, the endpoint's
    points); a refused series raises the ``insights.forecast_*`` error naming the line."""
    try:
        series = parse_series(rows, season_length=season_length, horizon=horizon)
    except SeriesError as exc:
        raise from_series_error(exc, unit=unit) from None
    future = series.future_dates(horizon)
    regressors = (
        calendar_regressors(series.dates + tuple(future), series.frequency) if (calendar) else None
    )
    result = core.forecast_series(
        series.values,
        season_length=season_length,
        horizon=horizon,
        level=level,
        regressors=regressors,
    )
    return ForecastOut(
        frequency=series.frequency,
        dates=future,
        forecast=_round(result.forecast),
        lower=_round(result.lower),
        upper=_round(result.upper),
        level=level,
        model=result.model,
        method=result.method,
        accuracy=_accuracy(result.accuracy),
        baseline=BaselineOut(
            model=core.BASELINE,
            forecast=_round(result.baseline_forecast),
            accuracy=_accuracy(result.baseline_accuracy),
        ),
        candidates=result.candidates,
        uses_calendar=result.uses_calendar,
    )


def _round(xs: Sequence[float]) -> list[float]:
    return [round(x, 4) for x in xs]


# -- runs ------------------------------------------------------------------------------------


def _run_out(row: Any) -> Run:
    return Run.model_validate(row)


async def request_run(session: AsyncSession, *, requested_by: str, again: bool) -> Run:
    """Queue today's run (idempotent); ``again`` requeues it when it already finished."""
    now = utcnow()
    day = shop_day(now)
    await repository.queue_run(session, day=day, requested_by=requested_by, now=now)
    if again:
        await repository.requeue_finished_run(session, day=day, requested_by=requested_by, now=now)
    row = await repository.run_of_day(session, day)
    assert row is not None  # noqa: S101 - inserted or found just above
    await session.refresh(row)
    return _run_out(row)


async def latest_run(session: AsyncSession) -> Run | None:
    row = await repository.latest_run(session)
    return None if row is None else _run_out(row)


@dataclass(slots=True)
class _Job:
    kind: str
    ref_id: int
    start_day: date
    values: list[float]
    models: tuple[str, ...] | None
    calendar: bool


def _history(
    lines: Sequence[tuple[int, int, datetime, int]],
    categories: dict[int, int | None],
    first_day: date,
    days: int,
) -> list[_Job]:
    """Daily units per SKU (from its first sale in the window), per category and for the shop
    (over the whole window)."""
    per_sku: dict[int, list[float]] = defaultdict(lambda: [0.0] * days)
    first_sale: dict[int, int] = {}
    for sku_id, _product_id, paid_at, quantity in lines:
        i = (shop_day(paid_at) - first_day).days
        if 0 <= i < days:
            per_sku[sku_id][i] += quantity
            first_sale[sku_id] = min(first_sale.get(sku_id, i), i)
    per_category: dict[int, list[float]] = defaultdict(lambda: [0.0] * days)
    shop = [0.0] * days
    for sku_id, values in per_sku.items():
        category = categories.get(sku_id)
        for i, v in enumerate(values):
            shop[i] += v
            if category is not None:
                per_category[category][i] += v
    jobs = [_Job("shop", 0, first_day, shop, None, True)] if per_sku else []
    jobs += [
        _Job("category", c, first_day, v, SKU_MODELS, False)
        for c, v in sorted(per_category.items())
    ]
    for sku_id in sorted(per_sku):
        start = first_sale[sku_id]
        jobs.append(
            _Job(
                "sku",
                sku_id,
                first_day + timedelta(days=start),
                per_sku[sku_id][start:],
                SKU_MODELS,
                False,
            )
        )
    return jobs


def forecast_daily(job: _Job, horizon: int = HORIZON_DAYS) -> dict[str, Any]:
    """One stored series' row (CPU only; run in a thread)."""
    values = job.values
    if len(values) < MIN_HISTORY_DAYS:
        # Too new for a backtest: its mean daily demand, σ of its days.
        mean = sum(values) / len(values)
        sigma = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
        empty = {"mape": None, "smape": None, "mase": None, "folds": 0}
        return {
            "forecast": [round(mean, 4)] * horizon,
            "lower": [round(max(0.0, mean - 1.96 * sigma), 4)] * horizon,
            "upper": [round(mean + 1.96 * sigma, 4)] * horizon,
            "model": "Mean",
            "method": "smooth",
            "sigma": sigma,
            "accuracy": {"chosen": empty, "baseline": empty, "candidates": {}},
        }
    regressors = None
    if job.calendar:
        dates = [job.start_day + timedelta(days=i) for i in range(len(values) + horizon)]
        regressors = calendar_regressors(dates, "daily")
    models = job.models
    if models is not None and core.zero_share(values) > core.INTERMITTENT_ZERO_SHARE:
        models = None  # the intermittent candidates
    result = core.forecast_series(
        values,
        season_length=SEASON_DAYS,
        horizon=horizon,
        regressors=regressors,
        models=models,
        non_negative=True,
    )

    def acc(a: core.Accuracy) -> dict[str, Any]:
        return {"mape": a.mape, "smape": a.smape, "mase": a.mase, "folds": a.folds}

    return {
        "forecast": _round(result.forecast),
        "lower": _round(result.lower),
        "upper": _round(result.upper),
        "model": result.model,
        "method": result.method,
        "sigma": result.sigma,
        "accuracy": {
            "chosen": acc(result.accuracy),
            "baseline": acc(result.baseline_accuracy),
            "candidates": result.candidates,
        },
    }


def forecast_batch(jobs: Sequence[_Job]) -> list[dict[str, Any]]:
    """The rows of a batch (in the run's child process)."""
    return [forecast_daily(job) for job in jobs]


async def work_open_runs(ctx: AppContext) -> None:
    async with read_session(ctx.sessionmaker) as session:
        run_ids = await repository.open_run_ids(session)
    for run_id in run_ids:
        await work_run(ctx, run_id)


async def work_run(ctx: AppContext, run_id: int) -> None:
    async with read_session(ctx.sessionmaker) as session:
        run = await repository.get_run(session, run_id)
        if run is None:
            return
        day = run.day
        first_day = day - timedelta(days=HISTORY_DAYS)
        lines = await orders.paid_units(session, since=day_start(first_day), until=day_start(day))
        snapshots = await catalog.get_sku_snapshots(session, sorted({x[0] for x in lines}))
    categories = {sku_id: s.category_id for sku_id, s in snapshots.items()}
    jobs = _history(lines, categories, first_day, HISTORY_DAYS)
    async with unit_of_work(ctx.sessionmaker) as session:
        if not await repository.start_run(session, run_id, total=len(jobs), now=utcnow()):
            return
    # The model fits run in one child process per run: they hold the GIL for seconds at a
    # time (scipy's optimisers call back into Python), which would stall the API's event loop.
    loop = asyncio.get_running_loop()
    pool = process_pool(1)
    try:
        for start in range(0, len(jobs), BATCH):
            batch = jobs[start : start + BATCH]
            outs = await loop.run_in_executor(pool, forecast_batch, batch)
            rows = [
                {
                    "kind": job.kind,
                    "ref_id": job.ref_id,
                    "run_id": run_id,
                    "start_day": job.start_day,
                    "history": job.values,
                    "computed_at": utcnow(),
                    **out,
                }
                for job, out in zip(batch, outs, strict=True)
            ]
            async with unit_of_work(ctx.sessionmaker) as session:
                await repository.upsert_series(session, rows)
                await repository.set_progress(session, run_id, start + len(batch))
        async with unit_of_work(ctx.sessionmaker) as session:
            await repository.delete_stale_series(session, run_id)
            await repository.finish_run(session, run_id, error=None, now=utcnow())
    except Exception as exc:
        log.exception("forecast.run_failed", run=run_id)
        async with unit_of_work(ctx.sessionmaker) as session:
            await repository.finish_run(session, run_id, error=str(exc)[:500], now=utcnow())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# -- stored series ---------------------------------------------------------------------------


def _acc_out(data: dict[str, Any]) -> AccuracyOut:
    return AccuracyOut.model_validate(data)


async def _names(
    session: AsyncSession, rows: Sequence[ForecastSeries]
) -> dict[tuple[str, int], str]:
    names: dict[tuple[str, int], str] = {("shop", 0): "全店"}
    sku_ids = [r.ref_id for r in rows if r.kind == "sku"]
    for sku_id, snap in (await catalog.get_sku_snapshots(session, sku_ids)).items():
        names["sku", sku_id] = f"{snap.product_title} {snap.spec_text}".strip()
    if any(r.kind == "category" for r in rows):
        stack = list(await catalog.list_categories(session))
        while stack:
            c = stack.pop()
            names["category", c.id] = c.name
            stack.extend(c.children)
    return names


def _stored(row: ForecastSeries, name: str) -> StoredSeries:
    first_forecast_day = row.start_day + timedelta(days=len(row.history))
    return StoredSeries(
        kind=row.kind,  # type: ignore[arg-type]
        ref_id=row.ref_id,
        name=name,
        history_dates=[row.start_day + timedelta(days=i) for i in range(len(row.history))],
        history=row.history,
        dates=[first_forecast_day + timedelta(days=i) for i in range(len(row.forecast))],
        forecast=row.forecast,
        lower=row.lower,
        upper=row.upper,
        model=row.model,
        method=row.method,
        accuracy=_acc_out(row.accuracy["chosen"]),
        baseline_accuracy=_acc_out(row.accuracy["baseline"]),
        computed_at=row.computed_at,
    )


async def get_series(session: AsyncSession, kind: str, ref_id: int) -> StoredSeries:
    row = await repository.get_series(session, kind, ref_id)
    if row is None:
        raise SkuNotForecast(f"no forecast for {kind} {ref_id} yet")
    names = await _names(session, [row])
    return _stored(row, names.get((kind, ref_id), f"#{ref_id}"))


async def list_series(
    session: AsyncSession, *, kind: str, cursor: str | None, limit: int
) -> SeriesPage:
    rows = await repository.list_series(
        session, kind=kind, after_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    names = await _names(session, page)
    items = [
        SeriesSummary(
            kind=r.kind,  # type: ignore[arg-type]
            ref_id=r.ref_id,
            name=names.get((r.kind, r.ref_id), f"#{r.ref_id}"),
            model=r.model,
            mase=r.accuracy["chosen"]["mase"],
            baseline_mase=r.accuracy["baseline"]["mase"],
            next_28_days=round(sum(r.forecast[:28]), 2),
        )
        for r in page
    ]
    return SeriesPage(
        items=items, next_cursor=encode_id_cursor(page[-1].id) if len(rows) > limit else None
    )


# -- replenishment ---------------------------------------------------------------------------


async def replenishment_list(
    session: AsyncSession, *, within_days: int | None = None, limit: int = REPLENISHMENT_LIMIT
) -> ReplenishmentList:
    """Every forecast SKU with stock: reorder point, suggested quantity and days of cover, the
    soonest stock-out first (``within_days``: only those running out within that many days)."""
    rows = await repository.all_series(session, "sku")
    sku_ids = [r.ref_id for r in rows]
    levels = await inventory.get_levels(session, sku_ids)
    settings = await repository.settings_of(session, sku_ids)
    snapshots = await catalog.get_sku_snapshots(session, sku_ids)
    items = []
    for r in rows:
        level = levels.get(r.ref_id)
        snap = snapshots.get(r.ref_id)
        if level is None or snap is None:
            continue
        setting = settings.get(r.ref_id)
        lead = setting.lead_time_days if setting else replenishment.DEFAULT_LEAD_TIME_DAYS
        service = (
            setting.service_level_permille / 1000
            if setting
            else replenishment.DEFAULT_SERVICE_LEVEL
        )
        p = replenishment.plan(
            r.forecast,
            r.sigma,
            available=level.available,
            lead_time_days=lead,
            service_level=service,
        )
        if within_days is not None and (
            p.days_until_stockout is None or p.days_until_stockout > within_days
        ):
            continue
        items.append(
            ReplenishmentRow(
                sku_id=r.ref_id,
                product_id=snap.product_id,
                name=snap.product_title,
                spec_text=snap.spec_text,
                available=level.available,
                demand_7_days=round(replenishment.demand_over(r.forecast, 7), 2),
                demand_28_days=round(replenishment.demand_over(r.forecast, 28), 2),
                lead_time_days=lead,
                service_level=service,
                safety_stock=round(p.safety_stock, 2),
                reorder_point=p.reorder_point,
                suggested_quantity=p.suggested_quantity,
                days_until_stockout=p.days_until_stockout,
                model=r.model,
            )
        )
    items.sort(
        key=lambda i: (
            i.days_until_stockout is None,
            i.days_until_stockout or 0,
            -i.suggested_quantity,
            i.sku_id,
        )
    )
    computed_at = max((r.computed_at for r in rows), default=None)
    return ReplenishmentList(items=items[:limit], computed_at=computed_at)


def replenishment_csv(report: ReplenishmentList) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in report.items:
        data = item.model_dump()
        writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


async def get_setting(session: AsyncSession, sku_id: int) -> Setting:
    row = (await repository.settings_of(session, [sku_id])).get(sku_id)
    if row is None:
        return Setting(
            sku_id=sku_id,
            lead_time_days=replenishment.DEFAULT_LEAD_TIME_DAYS,
            service_level=replenishment.DEFAULT_SERVICE_LEVEL,
            updated_by=None,
            updated_at=None,
        )
    return Setting(
        sku_id=sku_id,
        lead_time_days=row.lead_time_days,
        service_level=row.service_level_permille / 1000,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


async def update_setting(
    session: AsyncSession, sku_id: int, body: SettingUpdate, *, updated_by: str
) -> Setting:
    """Set a SKU's lead time and service level (400 ``insights.forecast_invalid_setting`` for a
    SKU the catalog does not know; the level is kept in ‰)."""
    if sku_id not in await catalog.get_sku_snapshots(session, [sku_id]):
        raise InvalidSetting(f"SKU {sku_id} does not exist")
    permille = round(body.service_level * 1000)
    if not 500 <= permille <= 999:
        raise InvalidSetting("the service level must be between 50% and 99.9%")
    await repository.upsert_setting(
        session,
        sku_id=sku_id,
        lead_time_days=body.lead_time_days,
        service_level_permille=permille,
        updated_by=updated_by,
        now=utcnow(),
    )
    return await get_setting(session, sku_id)


# -- promotion planning ----------------------------------------------------------------------


async def promotion_plan(ctx: AppContext, session: AsyncSession) -> PromotionPlan:
    row = await repository.get_series(session, "shop", 0)
    series = _stored(row, "全店") if row is not None else None
    today = shop_day(utcnow())
    start = series.dates[0] if series and series.dates else today
    end = start + timedelta(days=HORIZON_DAYS)
    window = (day_start(start), day_start(end))
    planned: list[PlannedPromotion] = []
    for status in ("active", "draft"):
        cursor: str | None = None
        for _ in range(20):
            page, cursor = await promotions.list_promotions(
                session, status=status, cursor=cursor, limit=100
            )
            planned += [
                PlannedPromotion(
                    id=p.id,
                    name=p.name,
                    label=p.label,
                    status=p.status,
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                )
                for p in page
                if p.starts_at < window[1] and p.ends_at > window[0]
            ]
            if cursor is None:
                break
    planned.sort(key=lambda p: (p.starts_at, p.id))
    windows = await promotions.campaign_windows(ctx, session, *window)
    days = [start + timedelta(days=i) for i in range(HORIZON_DAYS)]
    return PromotionPlan(
        series=series,
        promotions=planned,
        flash_sales=[
            CampaignWindowOut(
                kind=w.kind, id=w.id, name=w.name, starts_at=w.starts_at, ends_at=w.ends_at
            )
            for w in windows
        ],
        festival_days=[d for d in days if festival_day(d)],
        holidays=[d for d in days if public_holiday(d)],
    )
