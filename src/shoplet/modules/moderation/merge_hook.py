"""Members' account merge hook of moderation: moderation cases of what the member submitted (the
submissions move too)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.moderation.models import Item

COLUMNS = (Item.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: moderation cases of what the member submitted (the
    submissions move too). Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, Item.member_id, from_id, into_id)
    return moved
