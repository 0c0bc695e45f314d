"""Members' account merge hook of stores: pickup / same-city orders follow their orders, and
appointments follow the shopper. A slot both accounts hold a live booking for keeps the
survivor's booking; the absorbed account's is cancelled and its seat given back to the slot
(one shopper comes once), then every booking moves."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.stores.models import StoreBooking, StoreOrder, StoreSlot

COLUMNS = (StoreOrder.member_id, StoreBooking.member_id)
TABLES = merge.table_columns(COLUMNS)
LIVE = ("booked", "checked_in")


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    now = merge.merge_now(session)
    moved = await merge.reassign(session, StoreOrder.member_id, from_id, into_id)
    freed: list[int] = []
    # The booking to cancel is a not-yet-used one: the absorbed account's, unless only the
    # survivor's is still ``booked`` (the absorbed one was checked in already).
    for cancel, keep in ((from_id, into_id), (into_id, from_id)):
        kept_slots = select(StoreBooking.slot_id).where(
            StoreBooking.member_id == keep, StoreBooking.status.in_(LIVE)
        )
        doubled = await session.execute(
            update(StoreBooking)
            .where(
                StoreBooking.member_id == cancel,
                StoreBooking.status == "booked",
                StoreBooking.slot_id.in_(kept_slots),
            )
            .values(status="cancelled", cancelled_at=now)
            .returning(StoreBooking.slot_id)
            .execution_options(synchronize_session=False)
        )
        freed += doubled.scalars().all()
    for slot_id in sorted(freed):
        await session.execute(
            update(StoreSlot)
            .where(StoreSlot.id == slot_id, StoreSlot.booked > 0)
            .values(booked=StoreSlot.booked - 1)
        )
    return moved + await merge.reassign(session, StoreBooking.member_id, from_id, into_id)
