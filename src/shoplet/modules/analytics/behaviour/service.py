"""The behaviour reports: 归因分析, 路径分析, 实时概览 and the funnel's drop-off lists.

Event-store reads run in a thread (DuckDB is synchronous) over the days the query needs; the
real-time overview reads only counters (``realtime.py``)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.money import yuan
from shoplet.modules.analytics import funnels, ingest
from shoplet.modules.analytics.behaviour import attribution, queries, realtime
from shoplet.modules.analytics.behaviour.schemas import (
    AttributionGroup,
    AttributionResult,
    AttributionRow,
    DropOffPerson,
    DropOffQuery,
    DropOffResult,
    PageShare,
    PathDirection,
    PathResult,
    ProvinceFigure,
    RealtimeOverview,
    ShareLinkRow,
    TopPage,
)
from shoplet.modules.analytics.errors import (
    AttributionModelUnknown,
    DateRangeInvalid,
    LookbackOutOfRange,
    PathQueryInvalid,
)

MAX_LOOKBACK_DAYS: Final = 90
MAX_RANGE_DAYS: Final = 366
REFRESH_SECONDS: Final = 5
TOP_PAGES: Final = 20
_COUNTERS: Final = "analytics.realtime_counters"


def check_range(first: date, last: date) -> None:
    if first > last:
        raise DateRangeInvalid("date_from is after date_to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise DateRangeInvalid(f"a range covers at most {MAX_RANGE_DAYS} days")


def check_attribution(model: str, lookback_days: int, first: date, last: date) -> attribution.Model:
    """The query's model, or 400 (``analytics.attribution_model_unknown``,
    ``analytics.lookback_out_of_range``, ``analytics.date_range_invalid``)."""
    if model not in attribution.MODELS:
        raise AttributionModelUnknown(
            f"model is one of {', '.join(attribution.MODELS)}", models=list(attribution.MODELS)
        )
    if not 1 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise LookbackOutOfRange(
            f"lookback_days is 1 to {MAX_LOOKBACK_DAYS}", max_days=MAX_LOOKBACK_DAYS
        )
    check_range(first, last)
    return model


async def attribute(
    ctx: AppContext,
    *,
    model: str,
    lookback_days: int,
    date_from: date,
    date_to: date,
    group_by: AttributionGroup,
) -> AttributionResult:
    """Orders paid in the shop days ``date_from..date_to`` credited to the touches of the
    ``lookback_days`` before each, by ``model``; and the share links under social's rule."""
    chosen = check_attribution(model, lookback_days, date_from, date_to)
    lookback = timedelta(days=lookback_days)
    start, end = funnels.shop_day_bounds(date_from, date_to)

    def run(con: Any) -> tuple[list[attribution.Order], dict[str, list[attribution.Touch]]]:
        return queries.read_journeys(con, start=start, end=end, lookback=lookback)

    orders, touches = await asyncio.to_thread(
        ingest.store_of(ctx).read, run, start=date_from - lookback, end=date_to
    )
    buckets = attribution.attribute(
        orders, touches, model=chosen, lookback=lookback, group_by=group_by
    )
    return AttributionResult(
        model=chosen,
        lookback_days=lookback_days,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        orders=len(orders),
        revenue=sum(o.amount for o in orders),
        rows=[
            AttributionRow(
                channel=b.channel,
                campaign=b.campaign,
                orders=round(float(b.orders), 4),
                revenue=b.revenue,
                touches=b.touches,
            )
            for b in buckets
        ],
        share_links=[
            ShareLinkRow(share_code=s.share_code, orders=s.orders, revenue=s.revenue)
            for s in attribution.share_links(orders, touches)
        ],
    )


def attribution_csv(result: AttributionResult) -> str:
    """The rows as CSV (amounts in yuan), then the share links under social's rule."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["model", "channel", "campaign", "orders", "revenue_yuan", "touches"])
    for row in result.rows:
        campaign = _cell(row.campaign)
        writer.writerow(
            [result.model, row.channel, campaign, row.orders, yuan(row.revenue), row.touches]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


async def paths(
    ctx: AppContext,
    *,
    page: str | None,
    direction: PathDirection,
    date_from: date,
    date_to: date,
    limit: int,
) -> PathResult:
    """The pages viewed right after (or before) ``page`` in the same session, with their share
    of the page's views; and the most viewed pages (to pick one)."""
    check_range(date_from, date_to)
    if page is not None and not page.strip():
        raise PathQueryInvalid("page is empty")
    start, end = funnels.shop_day_bounds(date_from, date_to)

    def run(con: Any) -> tuple[list[queries.PageCount], list[tuple[str, int, int]]]:
        found = (
            queries.neighbours(con, page=page, direction=direction, start=start, end=end)
            if page
            else []
        )
        return found, queries.top_pages(con, start=start, end=end, limit=TOP_PAGES)

    found, top = await asyncio.to_thread(
        ingest.store_of(ctx).read, run, start=date_from, end=date_to
    )
    views = sum(n.count for n in found)
    return PathResult(
        page=page,
        direction=direction,
        views=views,
        neighbours=[
            PageShare(page=n.page, count=n.count, share=round(n.count / views, 4))
            for n in found[:limit]
        ],
        top_pages=[TopPage(page=p, views=v, sessions=s) for p, v, s in top],
    )


async def drop_offs(ctx: AppContext, query: DropOffQuery) -> DropOffResult:
    """The persons who reached the step before ``query.step`` and not that step (members
    first, then devices, by id)."""
    check_range(query.date_from, query.date_to)
    if query.step > len(query.steps):
        raise PathQueryInvalid(f"step is 2 to {len(query.steps)}")
    steps = [
        funnels.Step(s.event, tuple((f.key, funnels.filter_value(f.value)) for f in s.filters))
        for s in query.steps
    ]
    sql, params = queries.drop_off_sql(steps, query.window_seconds)
    start, end = funnels.shop_day_bounds(query.date_from, query.date_to)
    named: dict[str, Any] = {f"p{i}": v for i, v in enumerate(params)}
    named.update(
        start=start, end=end, window=query.window_seconds, level=query.step - 1, limit=query.limit
    )

    def run(con: Any) -> list[tuple[Any, ...]]:
        return list(con.execute(sql, named).fetchall())

    rows = await asyncio.to_thread(
        ingest.store_of(ctx).read, run, start=query.date_from, end=query.date_to
    )
    persons = [_person(str(r[0])) for r in rows]
    return DropOffResult(step=query.step, total=int(rows[0][1]) if rows else 0, persons=persons)


def _person(key: str) -> DropOffPerson:
    kind, _, value = key.partition(":")
    if kind == "m" and value.isdigit():
        return DropOffPerson(person=key, member_id=int(value), anonymous_id=None)
    return DropOffPerson(person=key, member_id=None, anonymous_id=value)


# -- real time -------------------------------------------------------------------------------


def counters_of(ctx: AppContext) -> realtime.Counters:
    counters: realtime.Counters | None = ctx.extras.get(_COUNTERS)
    if counters is None:
        if ctx.redis is not None:
            counters = realtime.RedisCounters(ctx.redis, ctx.settings.redis_key("analytics:rt:"))
        else:
            counters = realtime.LocalCounters()
        ctx.extras[_COUNTERS] = counters
    return counters


def attach_counters(ctx: AppContext) -> None:
    """Sessions carry the counters, for the ``order.paid`` handler (it gets a session)."""
    info = dict(ctx.sessionmaker.kw.get("info") or {})
    info[_COUNTERS] = counters_of(ctx)
    ctx.sessionmaker.configure(info=info)


def session_counters(session: AsyncSession) -> realtime.Counters | None:
    counters: realtime.Counters | None = session.info.get(_COUNTERS)
    return counters


async def record_seen(ctx: AppContext, rows: Sequence[Mapping[str, Any]]) -> None:
    """An accepted batch's persons are online now."""
    await counters_of(ctx).seen(realtime.persons_of([dict(r) for r in rows]), utcnow())


async def record_paid(
    counters: realtime.Counters,
    *,
    event_id: str,
    order_no: str,
    amount: int,
    region_code: str | None,
    paid_at: datetime,
) -> None:
    await counters.paid(event_id, order_no, amount, realtime.province_of(region_code), paid_at)


async def overview(ctx: AppContext) -> RealtimeOverview:
    now = utcnow()
    snap = await counters_of(ctx).snapshot(now)
    return RealtimeOverview(
        at=now,
        online=snap.online,
        paid_last_minute=snap.paid_last_minute,
        orders_today=snap.orders_today,
        gmv_today=snap.gmv_today,
        provinces=[
            ProvinceFigure(
                code=p.code, name=realtime.PROVINCES.get(p.code, p.code), orders=p.orders, gmv=p.gmv
            )
            for p in snap.provinces
        ],
        refresh_seconds=REFRESH_SECONDS,
    )
