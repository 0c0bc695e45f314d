"""Group-buy deadlines (the ``social.expire`` job): every unfinished group past its deadline
fails, its paid seats refunded in full through WeChat Pay v3 and its unpaid seats cancelled, or,
for a campaign with 模拟成团 on and enough paid seats, completes with the shop's seats. Each group
in its own transaction, decided by one conditional UPDATE, so any number of workers agree."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.modules.orders import public as orders
from shoplet.modules.social import events as ev
from shoplet.modules.social import repository as repo
from shoplet.modules.social.models import Group
from shoplet.modules.social.service import FAILED_REASON, campaign_row, hold_of, refund_seat

log = structlog.get_logger("shoplet.social")

EXPIRE_BATCH = 100


async def expire_groups(ctx: AppContext) -> int:
    """Close every unfinished group past its deadline, each in its own transaction: it fails
        (unpaid seats cancelled, paid seats refunded in full) or, with 模拟成团, completes.
        Idempotent (the group's status change is
    conditional): a second run, or one on another replica, changes nothing. Returns how many
        groups failed in this run."""
    now = utcnow()
    async with read_session(ctx.sessionmaker) as session:
        ids = await repo.expired_group_ids(session, now, EXPIRE_BATCH)
    failed = 0
    for group_id in ids:
        try:
            async with unit_of_work(ctx.sessionmaker) as session:
                failed += await _expire_group(session, group_id)
        except Exception:
            # One bad group must not hold up the others; the next run retries it.
            log.exception("groupbuy_expire_failed", group_id=group_id)
    return failed


async def _auto_complete(session: AsyncSession, group: Group, now: datetime) -> bool:
    """模拟成团: a group of a campaign with auto-fill on, short at its deadline but with at least
    ``auto_fill_min`` paid seats, completes (one conditional UPDATE): its paid seats succeed and
    ship, its unpaid seats are cancelled, the empty seats are the shop's. False when the rule
    does not apply (the group fails as usual)."""
    campaign = await campaign_row(session, group.campaign_id)
    if not campaign.auto_fill or group.filled < campaign.auto_fill_min:
        return False
    if not await repo.auto_complete_group(session, group.id, campaign.auto_fill_min, now):
        return False
    unpaid = await repo.seats_of(session, group.id, ("pending",))
    await orders.lock_held_orders(session, [seat.order_no for seat in unpaid])
    for seat in unpaid:
        await refund_seat(session, seat, group, FAILED_REASON, now)
    order_nos = await repo.complete_seats(session, group.id, now)
    await orders.release_ship_hold(session, order_nos, hold=hold_of(group.id))
    filled = await repo.get_group(session, group.id)
    log.info(
        "groupbuy_group_auto_filled",
        group_id=group.id,
        paid=len(order_nos),
        auto_filled=filled.auto_filled if filled else None,
    )
    await publish(
        session,
        ev.GROUP_SUCCEEDED,
        {
            "group_id": group.id,
            "share_id": group.share_id,
            "campaign_id": group.campaign_id,
            "leader_member_id": group.leader_member_id,
            "order_nos": order_nos,
            "auto_filled": filled.auto_filled if filled else 0,
        },
        key=group.share_id,
    )
    return True


async def _expire_group(session: AsyncSession, group_id: int) -> int:
    group = await repo.lock_group(session, group_id)
    now = utcnow()
    if group is None or group.expires_at > now:
        return 0
    if await _auto_complete(session, group, now):
        return 1
    if not await repo.fail_group(session, group_id, now):
        return 0
    refunded = []
    seats = await repo.seats_of(session, group_id, ("pending", "joined"))
    # Every seat's order before any stock moves: a payment racing the deadline holds its order
    # and then the stock row (orders.lock_held_orders).
    await orders.lock_held_orders(session, [seat.order_no for seat in seats])
    for seat in seats:
        order_no = await refund_seat(session, seat, group, FAILED_REASON, now)
        if order_no is not None:
            refunded.append(order_no)
    log.info("groupbuy_group_failed", group_id=group_id, refunded=len(refunded))
    await publish(
        session,
        ev.GROUP_FAILED,
        {
            "group_id": group.id,
            "share_id": group.share_id,
            "campaign_id": group.campaign_id,
            "refunded_order_nos": refunded,
        },
        key=group.share_id,
    )
    return 1
