"""Members' account merge hook of analytics: member tags (a tag both carry stays once) and the
promoter-status mirror; profiles and RFM are recomputed from orders (which moved), not moved."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.analytics.profiles.models import MemberTag, PromoterRole

COLUMNS = (MemberTag.member_id, PromoterRole.member_id)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction (see the module docstring). Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(
        session, MemberTag.member_id, from_id, into_id, key=(MemberTag.tag_id,)
    )
    # The promoter mirror follows social's promoter row (it moves with social's hook).
    moved += await merge.reassign(session, PromoterRole.member_id, from_id, into_id, key=())
    return moved
