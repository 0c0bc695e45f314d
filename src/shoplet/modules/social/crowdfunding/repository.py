"""Every query of crowdfunding. Units are claimed by one conditional UPDATE of the campaign
(``claimed_units + n <= max_quantity``, still active, before its deadline); a campaign is
settled by one conditional UPDATE of its status; each pledge moves by a conditional UPDATE of
its own. The payment handler and the settle job lock the campaign row first
(:func:`lock_campaign`), then its pledges: one lock order everywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.social.crowdfunding.models import CrowdfundingCampaign as Campaign
from shoplet.modules.social.crowdfunding.models import Pledge

OPEN_STATUSES = ("active", "stopped")


def _insert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fresh(stmt: Any) -> Any:
    return stmt.execution_options(populate_existing=True)


# -- campaigns -------------------------------------------------------------------------------


async def insert_campaign(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(
        _insert(session, Campaign).values(**values).returning(Campaign.id)
    )
    return int(result.scalar_one())


async def get_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    stmt = select(Campaign).where(Campaign.id == campaign_id)
    return (await session.scalars(_fresh(stmt))).first()


async def lock_campaign(session: AsyncSession, campaign_id: int) -> Campaign | None:
    """The campaign, its row locked until commit (PostgreSQL; SQLite serialises writers)."""
    stmt = select(Campaign).where(Campaign.id == campaign_id).with_for_update()
    return (await session.scalars(_fresh(stmt))).first()


async def update_campaign(
    session: AsyncSession, campaign_id: int, values: Mapping[str, Any]
) -> bool:
    """Write ``values`` while the campaign is active and ``max_quantity`` still covers the
    units claimed."""
    stmt = update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "active")
    if "max_quantity" in values:
        stmt = stmt.where(Campaign.claimed_units <= values["max_quantity"])
    result = await session.execute(stmt.values(**values).returning(Campaign.id))
    return result.scalar_one_or_none() is not None


async def stop_campaign(session: AsyncSession, campaign_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "active")
        .values(status="stopped", stopped_reason="merchant", updated_at=now)
        .returning(Campaign.id)
    )
    return result.scalar_one_or_none() is not None


async def list_campaigns(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> Sequence[Campaign]:
    stmt = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Campaign.id < before_id)
    return (await session.scalars(stmt)).all()


async def live_campaigns_of_product(
    session: AsyncSession, product_id: int, now: datetime
) -> Sequence[Campaign]:
    """Active campaigns of a product that have not ended, soonest first."""
    stmt = (
        select(Campaign)
        .where(
            Campaign.product_id == product_id,
            Campaign.status == "active",
            Campaign.ends_at > now,
        )
        .order_by(Campaign.ends_at, Campaign.id)
    )
    return (await session.scalars(stmt)).all()


async def claim_units(session: AsyncSession, campaign_id: int, units: int, now: datetime) -> bool:
    """Hold ``units`` of the campaign for a new pledge, within ``max_quantity``, while it is
    active and running."""
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status == "active",
            Campaign.starts_at <= now,
            Campaign.ends_at > now,
            Campaign.claimed_units + units <= Campaign.max_quantity,
        )
        .values(claimed_units=Campaign.claimed_units + units, updated_at=now)
        .returning(Campaign.id)
    )
    return result.scalar_one_or_none() is not None


async def release_units(session: AsyncSession, campaign_id: int, units: int, now: datetime) -> None:
    """An unpaid pledge's units go back (cancelled, or its money came too late)."""
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.claimed_units - units >= Campaign.pledged_units)
        .values(claimed_units=Campaign.claimed_units - units, updated_at=now)
    )


async def count_paid_units(
    session: AsyncSession, campaign_id: int, units: int, now: datetime
) -> None:
    """A pledge's money arrived (under the campaign's row lock): its units count."""
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(
            pledged_units=Campaign.pledged_units + units,
            backers=Campaign.backers + 1,
            updated_at=now,
        )
    )


async def settle_campaign(
    session: AsyncSession, campaign_id: int, outcome: str, now: datetime
) -> bool:
    """An unsettled campaign past its deadline takes its outcome (once)."""
    result = await session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.status.in_(OPEN_STATUSES),
            Campaign.ends_at <= now,
        )
        .values(status=outcome, settled_at=now, updated_at=now)
        .returning(Campaign.id)
    )
    return result.scalar_one_or_none() is not None


async def campaigns_to_settle(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Campaigns past their deadline not settled yet, and settled ones with pledges still to
    finish (a batch of an earlier run failed or was cut short)."""
    unfinished = select(Pledge.campaign_id).where(
        Pledge.campaign_id == Campaign.id, Pledge.status.in_(("pending", "paid"))
    )
    stmt = (
        select(Campaign.id)
        .where(
            Campaign.ends_at <= now,
            or_(
                Campaign.status.in_(OPEN_STATUSES),
                Campaign.status.in_(("succeeded", "failed")) & unfinished.exists(),
            ),
        )
        .order_by(Campaign.ends_at, Campaign.id)
        .limit(limit)
    )
    return [int(i) for i in await session.scalars(stmt)]


# -- pledges ---------------------------------------------------------------------------------


async def insert_pledge(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(_insert(session, Pledge).values(**values).returning(Pledge.id))
    return int(result.scalar_one())


async def get_pledge_by_order(session: AsyncSession, order_no: str) -> Pledge | None:
    stmt = select(Pledge).where(Pledge.order_no == order_no)
    return (await session.scalars(_fresh(stmt))).first()


async def pledges_of(
    session: AsyncSession, campaign_id: int, statuses: Sequence[str], limit: int
) -> Sequence[Pledge]:
    stmt = (
        select(Pledge)
        .where(Pledge.campaign_id == campaign_id, Pledge.status.in_(list(statuses)))
        .order_by(Pledge.id)
        .limit(limit)
    )
    return (await session.scalars(_fresh(stmt))).all()


async def move_pledge(
    session: AsyncSession,
    pledge_id: int,
    *,
    from_statuses: Sequence[str],
    to_status: str,
    now: datetime,
    values: Mapping[str, Any] | None = None,
) -> bool:
    result = await session.execute(
        update(Pledge)
        .where(Pledge.id == pledge_id, Pledge.status.in_(list(from_statuses)))
        .values(status=to_status, updated_at=now, **(values or {}))
        .returning(Pledge.id)
    )
    return result.scalar_one_or_none() is not None


async def release_pledge_subsidy(
    session: AsyncSession, pledge_id: int, from_state: str, now: datetime
) -> bool:
    result = await session.execute(
        update(Pledge)
        .where(Pledge.id == pledge_id, Pledge.subsidy_state == from_state)
        .values(subsidy_state="released", updated_at=now)
        .returning(Pledge.id)
    )
    return result.scalar_one_or_none() is not None


async def pledge_cost_rows(
    session: AsyncSession, campaign_id: int
) -> Sequence[tuple[datetime, int, bool]]:
    """(paid at, subsidy, new customer) of every paid pledge whose subsidy counts."""
    stmt = (
        select(Pledge.paid_at, Pledge.subsidy, Pledge.is_new_customer)
        .where(
            Pledge.campaign_id == campaign_id,
            Pledge.subsidy_state.in_(("claimed", "over")),
            Pledge.paid_at.is_not(None),
        )
        .order_by(Pledge.id)
    )
    rows = (await session.execute(stmt)).all()
    return [(r[0], int(r[1]), bool(r[2])) for r in rows if r[0] is not None]
