"""Members' account merge hook of live: live-room comments and sales; viewers, reminders and
restrictions (bans follow the shopper) once per room."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.live.models import (
    LiveComment,
    LiveRestriction,
    LiveSale,
    LiveSubscription,
    LiveViewer,
)

COLUMNS = (
    LiveComment.member_id,
    LiveSale.member_id,
    LiveViewer.member_id,
    LiveSubscription.member_id,
    LiveRestriction.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: live-room comments and sales; viewers, reminders and
    restrictions (bans follow the shopper) once per room. Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, LiveComment.member_id, from_id, into_id)
    moved += await merge.reassign(session, LiveSale.member_id, from_id, into_id)
    moved += await merge.reassign(
        session, LiveViewer.member_id, from_id, into_id, key=(LiveViewer.session_id,)
    )
    moved += await merge.reassign(
        session, LiveSubscription.member_id, from_id, into_id, key=(LiveSubscription.session_id,)
    )
    moved += await merge.reassign(
        session,
        LiveRestriction.member_id,
        from_id,
        into_id,
        key=(LiveRestriction.session_id, LiveRestriction.kind),
    )
    return moved
