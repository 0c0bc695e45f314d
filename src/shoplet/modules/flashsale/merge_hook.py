"""Members' account merge hook of flashsale: flash-sale tickets follow their orders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.flashsale.models import Ticket

COLUMNS = (Ticket.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: flash-sale tickets follow their orders. Returns the rows
    moved."""
    moved = 0
    moved += await merge.reassign(session, Ticket.member_id, from_id, into_id)
    return moved
