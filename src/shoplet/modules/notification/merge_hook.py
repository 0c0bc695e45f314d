"""Members' account merge hook of notification: subscribe-message accepts (a template both
accepted: credits and totals added) and the send log (a send both got stays once, so it is not
sent again)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core import merge
from shoplet.modules.notification.models import NotificationCredit, NotificationSend

COLUMNS = (
    NotificationCredit.member_id,
    NotificationSend.member_id,
)
TABLES = merge.table_columns(COLUMNS)


async def move_member(session: AsyncSession, from_id: int, into_id: int) -> int:
    """Inside the merge's transaction: subscribe-message accepts (a template both accepted: credits
    and totals added) and the send log (a send both got stays once, so it is not sent again).
    Returns the rows moved."""
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
    return moved
