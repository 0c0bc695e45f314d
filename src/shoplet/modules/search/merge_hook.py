"""Members' account merge hook of search: search click history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.search.models import Click

COLUMNS = (Click.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: search click history. Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, Click.member_id, from_id, into_id)
    return moved
