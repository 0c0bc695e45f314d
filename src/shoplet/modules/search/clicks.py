"""Search click-through: each search response's impression id (``search_id``), the shopper's
clicks, the daily rollup and the console's figures.

- A response to a non-empty query gets a signed impression token (``core.impressions``) over
  the products of that page; its row (query, variant, first page or not, result count,
  products) joins this process's buffer and is written with the query statistics (every
  ``runtime.STATS_SECONDS``, one ``INSERT``): a search still runs no SQL.
- ``POST /search/clicks`` checks the click against the token alone (any replica, at once):
  forged, foreign or expired (over ``MAX_AGE``) → ``400 search.unknown_impression``; a position
  beyond the page → ``search.click_position_out_of_range``; a product not on the page →
  ``search.click_not_shown``; on the page elsewhere → ``search.click_position_mismatch``.
  A valid click is one ``INSERT … ON CONFLICT DO NOTHING`` keyed by (impression, product):
  the same click again is ``204`` and changes nothing, so 50 concurrent copies count once.
- ``search.rollup_clicks`` rewrites the last ``ROLLUP_DAYS`` shop days of ``search_daily``
  from the raw rows (idempotent), and deletes raw rows older than ``RETENTION``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.impressions import (
    ImpressionBuffer,
    day_bounds,
    report_days,
    shop_day,
    signer_of,
)
from shoplet.modules.members import public as members
from shoplet.modules.search import repository as repo
from shoplet.modules.search.errors import (
    ClickNotShown,
    ClickPositionMismatch,
    ClickPositionOutOfRange,
    UnknownImpression,
)
from shoplet.modules.search.schemas import (
    QueryFigures,
    SearchAnalytics,
    SearchClick,
    SearchDay,
    SearchPage,
    VariantFigures,
)
from shoplet.modules.search.text import MAX_QUERY_CHARS, normalize, runs

KIND = 1
MAX_AGE = 86_400.0
VARIANT = "default"
ROLLUP_DAYS = 3
RETENTION = timedelta(days=35)
TOP_QUERIES = 20
CLICK_LIMIT = "120/minute;2000/day"
_BUFFER_KEY = "search.impressions"


def buffer_of(ctx: AppContext) -> ImpressionBuffer:
    buffer: ImpressionBuffer | None = ctx.extras.get(_BUFFER_KEY)
    if buffer is None:

        async def write(rows: list[dict[str, Any]]) -> None:
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.add_impressions(session, rows)

        buffer = ctx.extras[_BUFFER_KEY] = ImpressionBuffer(write, "search.impressions")
    return buffer


async def flush(ctx: AppContext) -> int:
    """Write this process's buffered impressions now (the runtime does it every few seconds)."""
    return await buffer_of(ctx).flush()


def stamp(
    ctx: AppContext, page: SearchPage, q: str, *, first_page: bool, variant: str = VARIANT
) -> SearchPage:
    """Give a search response its impression id and buffer its row; a response to an empty
    query (browsing) is not a search and gets none. ``variant``: the ranking preset that
    ordered it (``ranking.py``), so the rollup keeps each A/B arm's click-through apart."""
    text = normalize(q)[:MAX_QUERY_CHARS]
    if not runs(text):
        return page
    signer = signer_of(ctx)
    impression = signer.issue(KIND, [item.id for item in page.items])
    buffer_of(ctx).add(
        {
            "id": impression.id,
            "query": text,
            "variant": variant,
            "first_page": first_page,
            "result_count": page.total,
            "product_ids": list(impression.product_ids),
            "created_at": utcnow(),
        }
    )
    page.search_id = signer.token(impression)
    return page


async def record_click(
    session: AsyncSession, ctx: AppContext, body: SearchClick, *, member_id: int | None, client: str
) -> bool:
    """Store a shopper's click; False when the same click was already stored (a replay)."""
    key = f"m{member_id}" if member_id is not None else f"ip{client}"
    await ctx.limiter.hit(CLICK_LIMIT, "search-click", key, detail="Too many clicks reported")
    impression = signer_of(ctx).read(body.search_id, kind=KIND, max_age=MAX_AGE)
    if impression is None:
        raise UnknownImpression("search_id is not one this shop issued in the last day")
    shown = impression.product_ids
    if body.position >= len(shown):
        raise ClickPositionOutOfRange(f"that response showed {len(shown)} products")
    if shown[body.position] != body.product_id:
        if body.product_id in shown:
            raise ClickPositionMismatch(f"product {body.product_id} was shown elsewhere")
        raise ClickNotShown(f"product {body.product_id} was not in that response")
    if member_id is not None:
        await members.hold_member(session, member_id)
    return await repo.add_click(
        session,
        {
            "impression_id": impression.id,
            "product_id": body.product_id,
            "position": body.position,
            "member_id": member_id,
            "created_at": utcnow(),
        },
    )


async def rollup(ctx: AppContext, days: list[date] | None = None) -> list[date]:
    """Rewrite ``search_daily`` for ``days`` (default: the last ``ROLLUP_DAYS`` shop days) from
    the raw impressions and clicks, and drop raw rows past ``RETENTION``; the days done."""
    now = utcnow()
    if days is None:
        today = shop_day(now)
        days = [today - timedelta(days=n) for n in range(ROLLUP_DAYS)]
    async with unit_of_work(ctx.sessionmaker) as session:
        for day in sorted(days):
            start, end = day_bounds(day)
            await repo.replace_daily(session, day, await repo.daily_figures(session, start, end))
        await repo.delete_clicks_before(session, now - RETENTION)
    return sorted(days)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(row: tuple[str, int, int, int]) -> QueryFigures:
    query, searches, clicks, zero = row
    return QueryFigures(
        query=query,
        searches=searches,
        clicks=clicks,
        zero_results=zero,
        ctr=_rate(clicks, searches),
    )


async def analytics(
    session: AsyncSession, date_from: str | None, date_to: str | None
) -> SearchAnalytics:
    """The console's figures over shop days (both included; default the last 30)."""
    first, last = report_days(date_from, date_to, today=shop_day(utcnow()))
    totals = {row[0]: row for row in await repo.daily_totals(session, first, last)}
    days: list[SearchDay] = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        _, searches, clicks, zero = totals.get(day, (day, 0, 0, 0))
        days.append(
            SearchDay(
                day=day,
                searches=searches,
                clicks=clicks,
                zero_results=zero,
                ctr=_rate(clicks, searches),
                zero_rate=_rate(zero, searches),
            )
        )
    searches = sum(d.searches for d in days)
    clicks = sum(d.clicks for d in days)
    zero = sum(d.zero_results for d in days)
    top = await repo.query_totals(session, first, last, zero_only=False, limit=TOP_QUERIES)
    fruitless = await repo.query_totals(session, first, last, zero_only=True, limit=TOP_QUERIES)
    variants = await repo.variant_totals(session, first, last)
    return SearchAnalytics(
        date_from=first,
        date_to=last,
        days=days,
        searches=searches,
        clicks=clicks,
        zero_results=zero,
        ctr=_rate(clicks, searches),
        zero_rate=_rate(zero, searches),
        top_queries=[_figures(r) for r in top],
        zero_result_queries=[_figures(r) for r in fruitless],
        variants=[
            VariantFigures(variant=v, searches=n, clicks=c, zero_results=z, ctr=_rate(c, n))
            for v, n, c, z in variants
        ],
    )
