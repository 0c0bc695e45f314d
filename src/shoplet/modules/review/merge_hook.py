"""Members' account merge hook of review: reviews (unique per order line, so never twice) and their
photos and videos."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.review.models import Review, ReviewPhoto, ReviewVideo

COLUMNS = (
    Review.member_id,
    ReviewPhoto.member_id,
    ReviewVideo.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: reviews (unique per order line, so never twice) and their
    photos. Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(session, Review.member_id, from_id, into_id)
    moved += await merge.reassign(session, ReviewPhoto.member_id, from_id, into_id)
    moved += await merge.reassign(session, ReviewVideo.member_id, from_id, into_id)
    return moved
