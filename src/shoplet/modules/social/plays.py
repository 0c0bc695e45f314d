"""What group buys and crowdfunding share: giving up an order held for its play (a failed group
or campaign, money for a full group or a settled campaign), the per-shopper limit and the
campaign budget.

Giving up goes through ``orders.void_held_order``: an unpaid order is cancelled (stock back,
WeChat transaction closed), a paid one is cancelled with its units back on the shelf and a full
refund through WeChat Pay v3 (``payments.request_refund``; the refund notify closes the loop),
coupons and points back through ``order.cancelled``/``order.refunded``. Each status change there
is conditional, so an order is refunded exactly once however many workers try.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.orders import public as orders
from shoplet.modules.social import repository as repo
from shoplet.modules.social.repository import Campaigns

log = structlog.get_logger("shoplet.social")

SubsidyState = Literal["none", "claimed", "over"]


async def give_up_order(
    session: AsyncSession, order_no: str, *, hold: str, reason: str
) -> Literal["refunded", "cancelled"]:
    """Cancel an order under ``hold``; what was paid goes back in full. ``refunded`` when money
    goes back, ``cancelled`` otherwise (unpaid, or given up already)."""
    was = await orders.void_held_order(session, order_no, hold=hold, reason=reason)
    return "refunded" if was == "paid" else "cancelled"


async def claim_quota(
    session: AsyncSession, *, play: str, campaign_id: int, member_id: int, units: int, limit: int
) -> bool:
    return await repo.claim_quota(
        session,
        play=play,
        campaign_id=campaign_id,
        member_id=member_id,
        units=units,
        limit=limit,
    )


async def release_quota(
    session: AsyncSession, *, play: str, campaign_id: int, member_id: int, units: int
) -> None:
    await repo.release_quota(
        session, play=play, campaign_id=campaign_id, member_id=member_id, units=units
    )


async def claim_subsidy(
    session: AsyncSession, table: Campaigns, campaign_id: int, amount: int, now: datetime
) -> SubsidyState:
    """Spend a paid order's subsidy (shelf price - play price, per unit) against the campaign's
    budget, atomically. When it does not fit, or what is left cannot pay for another unit, the
    campaign stops itself (no new groups or pledges); the paid order still completes, and its
    subsidy is counted as ``over``."""
    if amount <= 0:
        return "none"
    claimed, left = await repo.claim_budget(session, table, campaign_id, amount, now)
    if not claimed:
        await repo.add_budget_overrun(session, table, campaign_id, amount, now)
        if await repo.stop_campaign_for_budget(session, table, campaign_id, now):
            log.info("campaign_budget_spent", table=table.__tablename__, campaign_id=campaign_id)
        return "over"
    if (
        left is not None
        and left < amount
        and await repo.stop_campaign_for_budget(session, table, campaign_id, now)
    ):
        log.info("campaign_budget_spent", table=table.__tablename__, campaign_id=campaign_id)
    return "claimed"


async def give_back_subsidy(
    session: AsyncSession,
    table: Campaigns,
    *,
    campaign_id: int,
    amount: int,
    state: str,
    now: datetime,
) -> None:
    """A refunded order's subsidy was never spent: back into the budget's figures (the
    campaign stays stopped if it stopped)."""
    if state in ("claimed", "over") and amount > 0:
        await repo.give_back_budget(
            session, table, campaign_id, amount, over=state == "over", now=now
        )


async def is_first_paid_order(session: AsyncSession, member_id: int) -> bool:
    """The member's only paid order is the one just paid: a customer this campaign acquired."""
    stats = await orders.paid_order_stats(session, [member_id])
    found = stats.get(member_id)
    return found is not None and found.paid_orders == 1
