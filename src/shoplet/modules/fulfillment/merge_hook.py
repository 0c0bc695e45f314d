"""Members' account merge hook of fulfillment: shipments follow their orders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.fulfillment.models import Shipment

COLUMNS = (Shipment.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: shipments follow their orders. Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, Shipment.member_id, from_id, into_id)
    return moved
