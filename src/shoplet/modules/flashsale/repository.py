"""Every flash-sale query. Ticket rows are inserted with ``ON CONFLICT DO NOTHING`` (a request is
handled once, whichever consumer gets there first); status changes are conditional updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.flashsale.models import Campaign, CampaignItem, Ticket


def _insert(session: AsyncSession, table: Any) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# -- campaigns -------------------------------------------------------------------------------


async def add_campaign(
    session: AsyncSession, campaign: Campaign, items: list[CampaignItem]
) -> None:
    session.add(campaign)
    await session.flush()
    for item in items:
        item.campaign_id = campaign.id
        session.add(item)
    await session.flush()


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def lock_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    """The campaign row, locked (PostgreSQL) so console edits and the jobs serialise on it."""
    result = await session.execute(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def items_of(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[int, list[CampaignItem]]:
    out: dict[int, list[CampaignItem]] = {c: [] for c in campaign_ids}
    if not campaign_ids:
        return out
    rows = await session.execute(
        select(CampaignItem)
        .where(CampaignItem.campaign_id.in_(sorted(set(campaign_ids))))
        .order_by(CampaignItem.campaign_id, CampaignItem.position)
    )
    for item in rows.scalars():
        out[item.campaign_id].append(item)
    return out


async def list_campaigns(
    session: AsyncSession,
    *,
    status: str | None,
    now: datetime,
    before_id: int | None,
    limit: int,
) -> list[Campaign]:
    stmt = select(Campaign)
    if status == "cancelled":
        stmt = stmt.where(Campaign.status == "cancelled")
    elif status is not None:
        stmt = stmt.where(Campaign.status == "scheduled")
        if status == "upcoming":
            stmt = stmt.where(Campaign.starts_at > now)
        elif status == "live":
            stmt = stmt.where(Campaign.starts_at <= now, Campaign.ends_at > now)
        elif status == "ended":
            stmt = stmt.where(Campaign.ends_at <= now)
    if before_id is not None:
        stmt = stmt.where(Campaign.id < before_id)
    stmt = stmt.order_by(Campaign.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def current_campaigns(
    session: AsyncSession, *, now: datetime, until: datetime
) -> list[Campaign]:
    """Scheduled campaigns not over yet that start before ``until`` (the storefront's list)."""
    rows = await session.execute(
        select(Campaign)
        .where(
            Campaign.status == "scheduled",
            Campaign.ends_at > now,
            Campaign.starts_at <= until,
        )
        .order_by(Campaign.starts_at, Campaign.id)
        .limit(50)
    )
    return list(rows.scalars())


async def campaigns_between(
    session: AsyncSession, *, start: datetime, end: datetime, limit: int = 500
) -> list[Campaign]:
    """Scheduled campaigns whose window overlaps ``[start, end)`` (the forecast overlay)."""
    rows = await session.execute(
        select(Campaign)
        .where(
            Campaign.status == "scheduled",
            Campaign.starts_at < end,
            Campaign.ends_at > start,
        )
        .order_by(Campaign.starts_at, Campaign.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def campaigns_to_warm(
    session: AsyncSession, *, now: datetime, until: datetime
) -> list[Campaign]:
    """Unsettled campaigns starting before ``until``: warmed (or refreshed) every run."""
    rows = await session.execute(
        select(Campaign)
        .where(
            Campaign.settled_at.is_(None),
            Campaign.starts_at <= until,
            or_(Campaign.ends_at > now, Campaign.warmed_at.is_not(None)),
        )
        .order_by(Campaign.id)
    )
    return list(rows.scalars())


async def live_campaign_ids(session: AsyncSession) -> list[int]:
    """Warmed, unsettled campaigns: the streams the consumers read."""
    rows = await session.execute(
        select(Campaign.id)
        .where(Campaign.warmed_at.is_not(None), Campaign.settled_at.is_(None))
        .order_by(Campaign.id)
    )
    return list(rows.scalars())


async def campaigns_to_settle(session: AsyncSession, *, now: datetime) -> list[Campaign]:
    rows = await session.execute(
        select(Campaign)
        .where(
            Campaign.settled_at.is_(None),
            or_(Campaign.ends_at <= now, Campaign.status == "cancelled"),
        )
        .order_by(Campaign.id)
    )
    return list(rows.scalars())


async def campaigns_to_reconcile(session: AsyncSession, *, settled_after: datetime) -> list[int]:
    rows = await session.execute(
        select(Campaign.id)
        .where(
            Campaign.warmed_at.is_not(None),
            or_(Campaign.settled_at.is_(None), Campaign.settled_at > settled_after),
        )
        .order_by(Campaign.id)
    )
    return list(rows.scalars())


# -- tickets ---------------------------------------------------------------------------------


async def get_ticket(session: AsyncSession, ticket: str) -> Ticket | None:
    rows = await session.execute(select(Ticket).where(Ticket.ticket == ticket))
    return rows.scalar_one_or_none()


async def get_ticket_by_order(session: AsyncSession, order_no: str) -> Ticket | None:
    rows = await session.execute(select(Ticket).where(Ticket.order_no == order_no))
    return rows.scalar_one_or_none()


async def insert_ticket(session: AsyncSession, values: dict[str, Any]) -> bool:
    """False when a row for this ticket exists already (another consumer handled it)."""
    stmt = (
        _insert(session, Ticket)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Ticket.ticket])  # type: ignore[attr-defined]
        .returning(Ticket.id)
    )
    return (await session.execute(stmt)).first() is not None


async def mark_cancelled(session: AsyncSession, ticket: str, *, status: str, now: datetime) -> bool:
    """created -> ``returned`` or ``released`` (the order was cancelled); one caller wins."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.ticket == ticket, Ticket.status == "created")
        .values(status=status, synced_at=None, updated_at=now)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def mark_synced(session: AsyncSession, tickets: Sequence[str], *, now: datetime) -> None:
    if tickets:
        await session.execute(
            update(Ticket)
            .where(Ticket.ticket.in_(list(tickets)), Ticket.synced_at.is_(None))
            .values(synced_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


async def unsynced_tickets(session: AsyncSession, *, limit: int) -> list[Ticket]:
    """Hand-backs the live counter has not seen yet (failed requests, cancelled orders)."""
    rows = await session.execute(
        select(Ticket)
        .where(Ticket.status.in_(("failed", "returned")), Ticket.synced_at.is_(None))
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def tickets_of(session: AsyncSession, campaign_id: int) -> list[Ticket]:
    rows = await session.execute(
        select(Ticket).where(Ticket.campaign_id == campaign_id).order_by(Ticket.id)
    )
    return list(rows.scalars())


async def units_by_status(
    session: AsyncSession, campaign_ids: Sequence[int]
) -> dict[tuple[int, int, str], int]:
    """(campaign, sku, status) -> units, for the console and the warm-up."""
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(Ticket.campaign_id, Ticket.sku_id, Ticket.status, func.sum(Ticket.quantity))
        .where(Ticket.campaign_id.in_(sorted(set(campaign_ids))))
        .group_by(Ticket.campaign_id, Ticket.sku_id, Ticket.status)
    )
    return {(c, s, status): int(units) for c, s, status, units in rows}


async def bought_units(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """ "member:sku" -> units each shopper used of their allowance (every ticket but failed)."""
    rows = await session.execute(
        select(Ticket.member_id, Ticket.sku_id, func.sum(Ticket.quantity))
        .where(Ticket.campaign_id == campaign_id, Ticket.status != "failed")
        .group_by(Ticket.member_id, Ticket.sku_id)
    )
    return {f"{member}:{sku}": int(units) for member, sku, units in rows}


async def live_product_ids(session: AsyncSession, *, now: datetime) -> set[int]:
    """Products with an item in a scheduled campaign running at ``now``."""
    rows = await session.execute(
        select(CampaignItem.product_id)
        .join(Campaign, Campaign.id == CampaignItem.campaign_id)
        .where(Campaign.status == "scheduled", Campaign.starts_at <= now, Campaign.ends_at > now)
        .distinct()
    )
    return set(rows.scalars())
