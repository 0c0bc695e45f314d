"""Members' account merge hook of analytics: member tags (a tag both carry stays once); profiles,
RFM and promoter status are recomputed, not moved."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.analytics.profiles.models import MemberTag

COLUMNS = (MemberTag.member_id,)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: member tags (a tag both carry stays once); profiles, RFM and
    promoter status are recomputed, not moved. Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(
        session, MemberTag.member_id, from_id, into_id, key=(MemberTag.tag_id,)
    )
    return moved
