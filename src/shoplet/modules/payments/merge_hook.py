"""Members' account merge hook of payments: payments follow their orders (refunds look them up by
order)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.payments.models import Payment

COLUMNS = (Payment.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: payments follow their orders (refunds look them up by
    order). Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, Payment.member_id, from_id, into_id)
    return moved
