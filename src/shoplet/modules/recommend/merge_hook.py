"""Members' account merge hook of recommend: browsing, click and purchase history feeding
recommendations."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.recommend.models import Bought, Click, View

COLUMNS = (
    View.member_id,
    Click.member_id,
    Bought.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: browsing, click and purchase history feeding
    recommendations. Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, View.member_id, from_id, into_id)
    moved += await merge.reassign(session, Click.member_id, from_id, into_id)
    moved += await merge.reassign(session, Bought.member_id, from_id, into_id)
    return moved
