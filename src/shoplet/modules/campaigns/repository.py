"""Every query of campaigns. Touches are claimed by conditional ``UPDATE``s and the frequency
cap by one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` (both databases), never read-then-write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.campaigns.models import Campaign, CampaignContact, CampaignTouch

# Rows per INSERT: SQLite allows 32766 bound parameters; a touch has 9 columns.
CHUNK = 1000


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def add_campaign(session: AsyncSession, values: dict[str, Any]) -> Campaign:
    campaign = Campaign(**values)
    session.add(campaign)
    await session.flush()
    return campaign


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    found: Campaign | None = await session.scalar(
        select(Campaign).where(Campaign.id == campaign_id).execution_options(populate_existing=True)
    )
    return found


async def list_campaigns(
    session: AsyncSession, *, status: str | None, before_id: int | None, limit: int
) -> Sequence[Campaign]:
    query = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Campaign.status == status)
    if before_id is not None:
        query = query.where(Campaign.id < before_id)
    return (await session.scalars(query)).all()


async def update_campaign(
    session: AsyncSession, campaign_id: int, from_statuses: Sequence[str], values: dict[str, Any]
) -> bool:
    """Change a campaign only while it is in one of ``from_statuses`` (one statement)."""
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status.in_(list(from_statuses)))
        .values(**values)
        .returning(Campaign.id)
    )
    return result.scalar_one_or_none() is not None


async def due_campaign_ids(session: AsyncSession, now: datetime) -> list[int]:
    """Scheduled campaigns whose start has come, and running ones (touches may be due)."""
    rows = await session.scalars(
        select(Campaign.id)
        .where(
            (Campaign.status == "running")
            | and_(Campaign.status == "scheduled", Campaign.next_run_at <= now)
        )
        .order_by(Campaign.id)
    )
    return [int(r) for r in rows]


async def claim_run(
    session: AsyncSession,
    campaign_id: int,
    *,
    expected: datetime,
    following: datetime | None,
    now: datetime,
) -> bool:
    """Take one materialisation of the audience: of workers racing for it, one moves
    ``next_run_at`` on from the value it read and the others find it changed."""
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status.in_(("scheduled", "running")),
            Campaign.next_run_at == expected,
            Campaign.next_run_at <= now,
        )
        .values(status="running", next_run_at=following, last_run_at=now, updated_at=now)
        .returning(Campaign.id)
    )
    return result.scalar_one_or_none() is not None


async def add_touches(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """New touches only: a shopper already in the campaign keeps their row and group."""
    added = 0
    for start in range(0, len(rows), CHUNK):
        statement = (
            _insert(session, CampaignTouch)
            .values(list(rows[start : start + CHUNK]))
            .on_conflict_do_nothing(index_elements=["campaign_id", "member_id"])
            .returning(CampaignTouch.id)
        )
        added += len((await session.execute(statement)).all())
    return added


async def defer_due(
    session: AsyncSession, campaign_id: int, *, now: datetime, until: datetime
) -> int:
    """Quiet hours: every pending touch due now moves to the window's end."""
    result = await session.execute(
        update(CampaignTouch)
        .where(
            CampaignTouch.campaign_id == campaign_id,
            CampaignTouch.status == "pending",
            CampaignTouch.due_at <= now,
        )
        .values(due_at=until, is_deferred=True)
        .returning(CampaignTouch.id)
    )
    return len(result.all())


async def due_touch_ids(
    session: AsyncSession, campaign_id: int, *, now: datetime, limit: int
) -> list[int]:
    rows = await session.scalars(
        select(CampaignTouch.id)
        .where(
            CampaignTouch.campaign_id == campaign_id,
            CampaignTouch.status == "pending",
            CampaignTouch.due_at <= now,
        )
        .order_by(CampaignTouch.id)
        .limit(limit)
    )
    return [int(r) for r in rows]


async def claim_touch(session: AsyncSession, touch_id: int, now: datetime) -> int | None:
    """Take a due touch (``pending → done``, conditional): the member id, or None when another
    worker has it. The row stays locked until the transaction ends, where its final status is
    written."""
    result = await session.execute(
        update(CampaignTouch)
        .where(
            CampaignTouch.id == touch_id,
            CampaignTouch.status == "pending",
            CampaignTouch.due_at <= now,
        )
        .values(status="done", touched_at=now)
        .returning(CampaignTouch.member_id)
    )
    found = result.scalar_one_or_none()
    return None if found is None else int(found)


async def finish_touch(session: AsyncSession, touch_id: int, values: dict[str, Any]) -> None:
    await session.execute(
        update(CampaignTouch).where(CampaignTouch.id == touch_id).values(**values)
    )


async def claim_cap(
    session: AsyncSession, *, member_id: int, campaign_id: int, now: datetime, cap_days: int
) -> bool:
    """The frequency cap in one statement: the shopper's contact row is written when they have
    none, or when their last touch is at least ``cap_days`` old; otherwise nothing (False)."""
    statement = _insert(session, CampaignContact).values(
        member_id=member_id, campaign_id=campaign_id, last_touch_at=now
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["member_id"],
        set_={
            "campaign_id": statement.excluded.campaign_id,
            "last_touch_at": statement.excluded.last_touch_at,
        },
        where=CampaignContact.last_touch_at <= now - timedelta(days=cap_days),
    ).returning(CampaignContact.member_id)
    return (await session.execute(upsert)).scalar_one_or_none() is not None


async def cancel_pending(session: AsyncSession, campaign_id: int) -> int:
    result = await session.execute(
        update(CampaignTouch)
        .where(CampaignTouch.campaign_id == campaign_id, CampaignTouch.status == "pending")
        .values(status="cancelled")
        .returning(CampaignTouch.id)
    )
    return len(result.all())


async def complete_if_drained(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    """A one-off campaign whose audience is materialised and has nothing pending is done."""
    pending = exists().where(
        CampaignTouch.campaign_id == campaign_id, CampaignTouch.status == "pending"
    )
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status == "running",
            Campaign.trigger == "once",
            Campaign.next_run_at.is_(None),
            ~pending,
        )
        .values(status="done", updated_at=now)
        .returning(Campaign.id)
    )
    return result.scalar_one_or_none() is not None


async def touch_counts(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[int, list[tuple[str, str, int, int, int, int]]]:
    """Per campaign: (group, status, touches, deferred, messaged, couponed)."""
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(
            CampaignTouch.campaign_id,
            CampaignTouch.grp,
            CampaignTouch.status,
            func.count(),
            func.sum(case((CampaignTouch.is_deferred, 1), else_=0)),
            func.sum(case((CampaignTouch.is_messaged, 1), else_=0)),
            func.sum(case((CampaignTouch.is_coupon_issued, 1), else_=0)),
        )
        .where(CampaignTouch.campaign_id.in_(list(campaign_ids)))
        .group_by(CampaignTouch.campaign_id, CampaignTouch.grp, CampaignTouch.status)
    )
    out: dict[int, list[tuple[str, str, int, int, int, int]]] = {}
    for cid, grp, status, n, deferred, messaged, couponed in rows.all():
        out.setdefault(int(cid), []).append(
            (str(grp), str(status), int(n), int(deferred or 0), int(messaged or 0),
             int(couponed or 0))
        )  # fmt: skip
    return out


async def group_sizes(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(CampaignTouch.grp, func.count())
        .where(CampaignTouch.campaign_id == campaign_id, CampaignTouch.status != "cancelled")
        .group_by(CampaignTouch.grp)
    )
    return {str(g): int(n) for g, n in rows.all()}


async def window_bounds(
    session: AsyncSession, campaign_id: int
) -> tuple[datetime | None, datetime | None]:
    row = (
        await session.execute(
            select(
                func.min(CampaignTouch.attributed_from), func.max(CampaignTouch.attributed_until)
            ).where(CampaignTouch.campaign_id == campaign_id)
        )
    ).one()
    return row[0], row[1]


async def messaged_by_channel(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Shoppers messaged per channel."""
    rows = await session.execute(
        select(CampaignTouch.channel, func.count())
        .where(
            CampaignTouch.campaign_id == campaign_id,
            CampaignTouch.is_messaged,
            CampaignTouch.channel.is_not(None),
        )
        .group_by(CampaignTouch.channel)
    )
    return {str(c): int(n) for c, n in rows.all()}


async def attributed_orders(
    session: AsyncSession, campaign_id: int, paid_orders: Any
) -> list[tuple[str, int, int, int, str | None]]:
    """(group, member, orders, net fen, channel messaged through) of each shopper with an
    order paid inside their own window; ``paid_orders`` is orders' subquery of paid orders over
    the campaign's span."""
    rows = await session.execute(
        select(
            CampaignTouch.grp,
            CampaignTouch.member_id,
            func.count(),
            func.sum(paid_orders.c.payable_total - paid_orders.c.refunded_total),
            CampaignTouch.channel,
        )
        .join(
            paid_orders,
            and_(
                paid_orders.c.member_id == CampaignTouch.member_id,
                paid_orders.c.paid_at >= CampaignTouch.attributed_from,
                paid_orders.c.paid_at < CampaignTouch.attributed_until,
            ),
        )
        .where(CampaignTouch.campaign_id == campaign_id, CampaignTouch.status != "cancelled")
        .group_by(CampaignTouch.grp, CampaignTouch.member_id, CampaignTouch.channel)
    )
    return [
        (str(g), int(m), int(n), int(s or 0), None if c is None else str(c))
        for g, m, n, s, c in rows.all()
    ]
