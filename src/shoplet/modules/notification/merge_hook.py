"""Members' account merge hook of notification: subscribe-message accepts (a template both
accepted: credits and totals added), the send logs of subscribe and 公众号 template messages (a
send both got stays once, so it is not sent again) and 公众号 followers (the absorbed account's
follower rows now reach the survivor)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.notification.models import (
    NotificationCredit,
    NotificationOaFollower,
    NotificationOaSend,
    NotificationSend,
)

COLUMNS = (
    NotificationCredit.member_id,
    NotificationSend.member_id,
    NotificationOaFollower.member_id,
    NotificationOaSend.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: subscribe-message accepts (a template both accepted: credits
    and totals added), the send logs (a send both got stays once, so it is not sent again) and
    公众号 followers. Returns the rows moved."""
    moved = 0
    moved += await merge.combine(
        session,
        NotificationCredit.member_id,
        from_id,
        into_id,
        key=(NotificationCredit.template_id, NotificationCredit.subject),
        add=(
            NotificationCredit.credits,
            NotificationCredit.accepted_total,
            NotificationCredit.rejected_total,
        ),
    )
    moved += await merge.reassign(
        session,
        NotificationSend.member_id,
        from_id,
        into_id,
        key=(NotificationSend.event, NotificationSend.ref),
    )
    moved += await merge.reassign(
        session,
        NotificationOaSend.member_id,
        from_id,
        into_id,
        key=(NotificationOaSend.event, NotificationOaSend.ref),
    )
    # The openid is the key: each follower row just changes hands.
    moved += await merge.reassign_all(
        session, (NotificationOaFollower.member_id,), from_id, into_id
    )
    return moved
