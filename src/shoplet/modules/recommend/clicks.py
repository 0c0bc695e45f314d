"""Recommendation click-through: each shelf's impression id (``rec_id``), the shopper's clicks,
the daily rollup and the console's figures. The same design as search's (``core.impressions``):

- A shelf with products gets a signed impression token over them; its row (placement, the
  ranking variant, the products and the model that proposed each: its ``reason_code``) joins
  this process's buffer, written every second with one ``INSERT`` (``startup`` runs the loop).
- ``POST /recommendations/clicks`` checks the click against the token alone: forged, foreign
  or expired → ``400 recommend.unknown_impression``; beyond the shelf →
  ``recommend.click_position_out_of_range``; not on it → ``recommend.click_not_shown``;
  elsewhere on it → ``recommend.click_position_mismatch``. One ``INSERT … ON CONFLICT DO
  NOTHING`` per (shelf, product): the same click again is ``204`` and counted once.
- ``recommend.rollup_clicks`` rewrites the last ``ROLLUP_DAYS`` shop days of
  ``recommend_daily``: per placement and variant, ``model = 'shelf'`` rows (shelves served,
  clicks on them) and one row per model (products it put on shelves, clicks on those).
"""

from __future__ import annotations

from collections.abc import Mapping
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
from shoplet.modules.recommend import repository as repo
from shoplet.modules.recommend.errors import (
    ClickNotShown,
    ClickPositionMismatch,
    ClickPositionOutOfRange,
    UnknownImpression,
)
from shoplet.modules.recommend.schemas import (
    ModelFigures,
    PlacementFigures,
    RecommendAnalytics,
    RecommendationClick,
    RecommendationList,
    RecommendDay,
)

KIND = 2
MAX_AGE = 86_400.0
VARIANT = "default"
SHELF = "shelf"
ROLLUP_DAYS = 3
RETENTION = timedelta(days=35)
CLICK_LIMIT = "120/minute;2000/day"
_BUFFER_KEY = "recommend.impressions"


def buffer_of(ctx: AppContext) -> ImpressionBuffer:
    buffer: ImpressionBuffer | None = ctx.extras.get(_BUFFER_KEY)
    if buffer is None:

        async def write(rows: list[dict[str, Any]]) -> None:
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.add_impressions(session, rows)

        buffer = ctx.extras[_BUFFER_KEY] = ImpressionBuffer(write, "recommend.impressions")
    return buffer


async def flush(ctx: AppContext) -> int:
    """Write this process's buffered shelves now (the startup loop does it every second)."""
    return await buffer_of(ctx).flush()


def stamp(ctx: AppContext, shelf: RecommendationList) -> RecommendationList:
    """Give a shelf its impression id and buffer its row (an empty shelf gets none)."""
    if not shelf.items:
        return shelf
    signer = signer_of(ctx)
    impression = signer.issue(KIND, [item.id for item in shelf.items])
    buffer_of(ctx).add(
        {
            "id": impression.id,
            "placement": shelf.placement,
            "variant": VARIANT,
            "product_ids": list(impression.product_ids),
            "models": [item.reason_code for item in shelf.items],
            "created_at": utcnow(),
        }
    )
    shelf.rec_id = signer.token(impression)
    return shelf


async def record_click(
    session: AsyncSession,
    ctx: AppContext,
    body: RecommendationClick,
    *,
    member_id: int | None,
    client: str,
) -> bool:
    """Store a shopper's click; False when the same click was already stored (a replay)."""
    key = f"m{member_id}" if member_id is not None else f"ip{client}"
    await ctx.limiter.hit(CLICK_LIMIT, "recommend-click", key, detail="Too many clicks reported")
    impression = signer_of(ctx).read(body.rec_id, kind=KIND, max_age=MAX_AGE)
    if impression is None:
        raise UnknownImpression("rec_id is not one this shop issued in the last day")
    shown = impression.product_ids
    if body.position >= len(shown):
        raise ClickPositionOutOfRange(f"that shelf showed {len(shown)} products")
    if shown[body.position] != body.product_id:
        if body.product_id in shown:
            raise ClickPositionMismatch(f"product {body.product_id} was shown elsewhere")
        raise ClickNotShown(f"product {body.product_id} was not on that shelf")
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


def daily_rows(
    day: date, shelves: list[tuple[str, str, list[int], list[str], set[int]]]
) -> list[dict[str, Any]]:
    """The rollup rows of one day's shelves (pure)."""
    counts: dict[tuple[str, str, str], list[int]] = {}
    for placement, variant, products, models, clicked in shelves:
        shelf = counts.setdefault((placement, SHELF, variant), [0, 0])
        shelf[0] += 1
        shelf[1] += len(clicked & set(products))
        for product, model in zip(products, models, strict=False):
            entry = counts.setdefault((placement, model, variant), [0, 0])
            entry[0] += 1
            entry[1] += product in clicked
    return [
        {
            "day": day,
            "placement": placement,
            "model": model,
            "variant": variant,
            "impressions": shown,
            "clicks": clicks,
        }
        for (placement, model, variant), (shown, clicks) in sorted(counts.items())
    ]


async def rollup(ctx: AppContext, days: list[date] | None = None) -> list[date]:
    """Rewrite ``recommend_daily`` for ``days`` (default: the last ``ROLLUP_DAYS`` shop days)
    and drop raw rows past ``RETENTION``; the days done."""
    now = utcnow()
    if days is None:
        today = shop_day(now)
        days = [today - timedelta(days=n) for n in range(ROLLUP_DAYS)]
    async with unit_of_work(ctx.sessionmaker) as session:
        for day in sorted(days):
            start, end = day_bounds(day)
            shelves = await repo.shelves_between(session, start, end)
            await repo.replace_daily(session, day, daily_rows(day, shelves))
        await repo.delete_clicks_before(session, now - RETENTION)
    return sorted(days)


def _figures(impressions: Any, clicks: Any) -> Mapping[str, Any]:
    shown, clicked = int(impressions or 0), int(clicks or 0)
    return {
        "impressions": shown,
        "clicks": clicked,
        "ctr": round(clicked / shown, 4) if shown else None,
    }


async def analytics(
    session: AsyncSession, date_from: str | None, date_to: str | None
) -> RecommendAnalytics:
    """The console's figures over shop days (both included; default the last 30)."""
    first, last = report_days(date_from, date_to, today=shop_day(utcnow()))
    by_day = {
        r[0]: r
        for r in await repo.daily_totals(session, first, last, ["day", "model"])
        if r[1] == SHELF
    }
    days = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        _, _, shown, clicks = by_day.get(day, (day, SHELF, 0, 0))
        days.append(RecommendDay(day=day, **_figures(shown, clicks)))
    placements = [
        PlacementFigures(placement=r[0], **_figures(r[2], r[3]))
        for r in await repo.daily_totals(session, first, last, ["placement", "model"])
        if r[1] == SHELF
    ]
    models = [
        ModelFigures(placement=r[0], model=r[1], variant=r[2], **_figures(r[3], r[4]))
        for r in await repo.daily_totals(session, first, last, ["placement", "model", "variant"])
        if r[1] != SHELF
    ]
    impressions = sum(d.impressions for d in days)
    clicks = sum(d.clicks for d in days)
    return RecommendAnalytics(
        date_from=first,
        date_to=last,
        days=days,
        placements=placements,
        models=models,
        **_figures(impressions, clicks),
    )
