"""Members' account merge hook of campaigns: campaign touches (one per campaign: a campaign both
were touched by keeps the survivor's) and the frequency-cap contact (the survivor's stays when
both have one)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.campaigns.models import CampaignContact, CampaignTouch

COLUMNS = (
    CampaignTouch.member_id,
    CampaignContact.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: campaign touches (one per campaign: a campaign both were
    touched by keeps the survivor's) and the frequency-cap contact (the survivor's stays when
    both have one). Returns the rows moved."""
    moved = 0
    moved += await merge.reassign(
        session, CampaignTouch.member_id, from_id, into_id, key=(CampaignTouch.campaign_id,)
    )
    moved += await merge.reassign(session, CampaignContact.member_id, from_id, into_id, key=())
    return moved
