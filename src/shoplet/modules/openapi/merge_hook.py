"""Members' account merge hook of openapi: co-brand redemptions follow their orders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.openapi.models import CobrandRedemption

COLUMNS = (CobrandRedemption.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: co-brand redemptions follow their orders. Returns the rows
    moved."""
    moved = 0
    moved += await merge.reassign(session, CobrandRedemption.member_id, from_id, into_id)
    return moved
