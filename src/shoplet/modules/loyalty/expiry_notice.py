"""积分即将过期 subscribe messages: the daily job ``loyalty.notify_expiring`` finds every
member with points expiring within ``NOTICE_WINDOW`` and records one message per member and
expiry batch (the batches that expire at one moment are one notice) through notification,
whose worker sends it against the shopper's credit. The ref is the expiry, so a job run
twice a day, or on two workers, records each notice once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.modules.loyalty import repository as repo
from shoplet.modules.notification import public as notification

EVENT = "points_expiring"
NOTICE_WINDOW = timedelta(days=7)
PAGE = 500
_SHANGHAI = ZoneInfo("Asia/Shanghai")


def shown_date(at: datetime) -> str:
    local = at.astimezone(_SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


async def notify_one(
    session: AsyncSession, *, member_id: int, expires_at: datetime, points: int
) -> bool:
    """Record the notice of one member's batch (False: recorded before, or no template)."""
    account = await repo.get_account(session, member_id)
    return await notification.enqueue(
        session,
        event=EVENT,
        member_id=member_id,
        ref=f"points:{expires_at.astimezone(_SHANGHAI).isoformat()}",
        values={
            "points": str(points),
            "expires_at": shown_date(expires_at),
            "balance": str(account.balance if account else points),
        },
    )


async def notify_expiring(ctx: AppContext, *, now: datetime | None = None) -> int:
    """Record a notice for every member's batch expiring within the window; notices new."""
    now = now or utcnow()
    after: tuple[int, datetime] | None = None
    recorded = 0
    while True:
        async with read_session(ctx.sessionmaker) as session:
            rows = await repo.expiring_batches(
                session, now=now, until=now + NOTICE_WINDOW, after=after, limit=PAGE
            )
        if not rows:
            return recorded
        async with unit_of_work(ctx.sessionmaker) as session:
            for member_id, expires_at, points in rows:
                recorded += await notify_one(
                    session, member_id=member_id, expires_at=expires_at, points=points
                )
        after = (rows[-1][0], rows[-1][1])
