"""Product views, the session model's input: recorded cheaply, read by training.

``POST /recommendations/views`` (the storefront sends it when a product page opens) costs no
SQL: the row joins this process's buffer, written every second with one multi-row ``INSERT``
(``startup`` runs the loop, as for the shelves' impressions); the product page's own request is
untouched. Limited per member or client IP (``VIEW_LIMIT``). A crash loses at most the last
second of views. Training reads the last ``SESSION_DAYS`` days of views into sessions
(``sessions.py``) and drops views older than ``RETENTION``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.impressions import ImpressionBuffer
from shoplet.modules.recommend import repository as repo
from shoplet.modules.recommend.schemas import ProductViewed

VIEW_LIMIT = "240/minute;10000/day"
SESSION_DAYS = 30
RETENTION = timedelta(days=90)
_BUFFER_KEY = "recommend.views"


def buffer_of(ctx: AppContext) -> ImpressionBuffer:
    buffer: ImpressionBuffer | None = ctx.extras.get(_BUFFER_KEY)
    if buffer is None:

        async def write(rows: list[dict[str, Any]]) -> None:
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.add_views(session, rows)

        buffer = ctx.extras[_BUFFER_KEY] = ImpressionBuffer(write, _BUFFER_KEY)
    return buffer


async def flush(ctx: AppContext) -> int:
    """Write this process's buffered views now (the startup loop does it every second)."""
    return await buffer_of(ctx).flush()


async def record_view(
    ctx: AppContext, body: ProductViewed, *, member_id: int | None, client: str
) -> None:
    """Buffer a product view (no SQL); ``429`` past ``VIEW_LIMIT``."""
    key = f"m{member_id}" if member_id is not None else f"ip{client}"
    await ctx.limiter.hit(VIEW_LIMIT, "recommend-view", key, detail="Too many views reported")
    buffer_of(ctx).add(
        {
            "visitor": body.visitor,
            "member_id": member_id,
            "product_id": body.product_id,
            "viewed_at": utcnow(),
        }
    )
