"""Group buys (拼团): campaigns per SKU, groups opened and joined by paying, seats claimed when
the money arrives, groups completed or failed.

A shopper opens a group by placing an order at the group price (``orders.create_order`` with
``source="groupbuy"`` and ``ship_hold="group:<id>"``); others join through the group's share id
the same way, and each pays as any order (``POST /orders/{order_no}/pay``). When the order is
paid (``order.paid``), its seat is claimed by one conditional UPDATE of the group: the seat
that fills the group completes it and lets every order of the group ship
(``orders.release_ship_hold``). Money that arrives for a full or failed group, and every paid
seat of a group past its deadline (``social.expire`` job), is refunded through
``orders.void_held_order`` (cancel, stock back on the shelf, ``payments.request_refund``).

Handlers and the job lock the group row first, then touch its seats: a payment and the
deadline racing for one group serialise on that row and agree on one outcome.
Limits and budgets are conditional-UPDATE claims (``social_quota``, ``plays.claim_subsidy``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import public as checkout
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.social import events as ev
from shoplet.modules.social import plays
from shoplet.modules.social import repository as repo
from shoplet.modules.social.campaigns import campaign_state, mask_name
from shoplet.modules.social.errors import (
    AlreadyInGroup,
    CampaignNotFound,
    CampaignNotRunning,
    GroupFull,
    GroupNotFound,
    GroupNotOpen,
    GroupsExhausted,
    InvalidCampaign,
    LimitReached,
)
from shoplet.modules.social.models import Group, GroupCampaign, GroupMember
from shoplet.modules.social.schemas import (
    GroupBuy,
    GroupBuyCard,
    GroupBuyGroup,
    GroupBuyGroupAdmin,
    GroupBuyParticipation,
    GroupBuySeat,
    GroupBuyWrite,
)

log = structlog.get_logger("shoplet.social")

SOURCE = "groupbuy"
FULL_REASON = "拼团已满，自动退款"
FAILED_REASON = "拼团失败，自动退款"


def hold_of(group_id: int) -> str:
    return f"group:{group_id}"


# -- campaigns (console) ---------------------------------------------------------------------


def campaign_view(campaign: GroupCampaign, now: datetime | None = None) -> GroupBuy:
    return GroupBuy(
        id=campaign.id,
        title=campaign.title,
        product_id=campaign.product_id,
        sku_id=campaign.sku_id,
        group_size=campaign.group_size,
        group_price=campaign.group_price,
        time_limit_seconds=campaign.time_limit_seconds,
        per_member_limit=campaign.per_member_limit,
        max_groups=campaign.max_groups,
        groups_opened=campaign.groups_opened,
        free_shipping=campaign.free_shipping,
        auto_fill=campaign.auto_fill,
        auto_fill_min=campaign.auto_fill_min,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        status=campaign.status,  # type: ignore[arg-type]
        state=campaign_state(campaign, now or utcnow()),
        stopped_reason=campaign.stopped_reason,  # type: ignore[arg-type]
        budget=campaign.budget,
        subsidy_spent=campaign.subsidy_spent + campaign.subsidy_over,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


async def _checked_values(session: AsyncSession, body: GroupBuyWrite) -> dict[str, Any]:
    """The campaign's columns from ``body`` (400 ``social.invalid_campaign`` naming the field)."""
    if body.ends_at <= body.starts_at:
        raise InvalidCampaign("ends_at must be after starts_at", field="ends_at")
    snap = (await catalog.get_sku_snapshots(session, [body.sku_id])).get(body.sku_id)
    if snap is None:
        raise InvalidCampaign(f"SKU {body.sku_id} does not exist", field="sku_id")
    if body.group_price >= snap.price:
        raise InvalidCampaign(
            f"the group price must be below the shelf price ({snap.price} fen)",
            field="group_price",
        )
    if body.auto_fill_min >= body.group_size:
        raise InvalidCampaign(
            "模拟成团 needs fewer paid shoppers than the group size", field="auto_fill_min"
        )
    return {
        "title": body.title,
        "product_id": snap.product_id,
        "sku_id": body.sku_id,
        "group_size": body.group_size,
        "group_price": body.group_price,
        "time_limit_seconds": body.time_limit_seconds,
        "per_member_limit": body.per_member_limit,
        "max_groups": body.max_groups,
        "free_shipping": body.free_shipping,
        "auto_fill": body.auto_fill,
        "auto_fill_min": body.auto_fill_min,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
        "budget": body.budget,
    }


async def campaign_row(session: AsyncSession, campaign_id: int) -> GroupCampaign:
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id=campaign_id)
    return campaign


async def create_campaign(session: AsyncSession, body: GroupBuyWrite) -> GroupBuy:
    now = utcnow()
    values = await _checked_values(session, body)
    campaign_id = await repo.insert_campaign(
        session,
        {
            **values,
            "groups_opened": 0,
            "status": "active",
            "subsidy_spent": 0,
            "subsidy_over": 0,
            "created_at": now,
            "updated_at": now,
        },
    )
    return campaign_view(await campaign_row(session, campaign_id), now)


async def update_campaign(session: AsyncSession, campaign_id: int, body: GroupBuyWrite) -> GroupBuy:
    """Edit an active campaign; groups already opened keep their size, price and deadline
    (409 ``social.campaign_not_running`` when stopped, 400 when ``max_groups`` is below the
    groups already opened)."""
    campaign = await campaign_row(session, campaign_id)
    if campaign.status != "active":
        raise CampaignNotRunning("a stopped campaign cannot be edited", campaign_id=campaign_id)
    values = await _checked_values(session, body)
    if body.max_groups < campaign.groups_opened:
        raise InvalidCampaign(
            f"{campaign.groups_opened} groups are open already", field="max_groups"
        )
    now = utcnow()
    if not await repo.update_campaign(session, campaign_id, {**values, "updated_at": now}):
        raise CampaignNotRunning("the campaign changed meanwhile", campaign_id=campaign_id)
    return campaign_view(await campaign_row(session, campaign_id), now)


async def stop_campaign(session: AsyncSession, campaign_id: int) -> GroupBuy:
    """No new groups or members; groups open now still fill up or fail by their deadline."""
    await campaign_row(session, campaign_id)
    now = utcnow()
    stopped = {"status": "stopped", "stopped_reason": "merchant", "updated_at": now}
    await repo.update_campaign(session, campaign_id, stopped)
    return campaign_view(await campaign_row(session, campaign_id), now)


async def get_campaign(session: AsyncSession, campaign_id: int) -> GroupBuy:
    return campaign_view(await campaign_row(session, campaign_id))


async def list_campaigns(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[GroupBuy], str | None]:
    rows = await repo.list_campaigns(session, before_id=decode_id_cursor(cursor), limit=limit + 1)
    page = list(rows[:limit])
    now = utcnow()
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [campaign_view(r, now) for r in page], next_cursor


def group_admin(group: Group) -> GroupBuyGroupAdmin:
    return GroupBuyGroupAdmin(
        id=group.id,
        share_id=group.share_id,
        campaign_id=group.campaign_id,
        leader_member_id=group.leader_member_id,
        size=group.size,
        filled=group.filled,
        auto_filled=group.auto_filled,
        status=group.status,  # type: ignore[arg-type]
        expires_at=group.expires_at,
        completed_at=group.completed_at,
        failed_at=group.failed_at,
        created_at=group.created_at,
    )


async def list_groups(
    session: AsyncSession,
    *,
    campaign_id: int | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[GroupBuyGroupAdmin], str | None]:
    rows = await repo.list_groups(
        session,
        campaign_id=campaign_id,
        status=status,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = list(rows[:limit])
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [group_admin(g) for g in page], next_cursor


# -- the shop --------------------------------------------------------------------------------


async def product_campaigns(session: AsyncSession, product_id: int) -> list[GroupBuyCard]:
    """Running and upcoming group buys of a product (the product page's 拼团价)."""
    now = utcnow()
    rows = await repo.live_campaigns_of_product(session, product_id, now)
    snaps = await catalog.get_sku_snapshots(session, sorted({r.sku_id for r in rows}))
    cards = []
    for row in rows:
        snap = snaps.get(row.sku_id)
        if snap is None or not snap.is_purchasable:
            continue
        cards.append(
            GroupBuyCard(
                id=row.id,
                title=row.title,
                product_id=row.product_id,
                sku_id=row.sku_id,
                group_size=row.group_size,
                group_price=row.group_price,
                shelf_price=snap.price,
                time_limit_seconds=row.time_limit_seconds,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                state=campaign_state(row, now),
            )
        )
    return cards


async def _group_view(session: AsyncSession, group: Group) -> GroupBuyGroup:
    campaign = await campaign_row(session, group.campaign_id)
    seats: list[GroupBuySeat] = []
    for seat in await repo.seats_of(session, group.id, ("joined", "succeeded")):
        nickname, avatar = await members.get_public_profile(session, seat.member_id)
        seats.append(
            GroupBuySeat(
                name=mask_name(nickname),
                avatar_url=avatar,
                is_leader=seat.is_leader,
                joined_at=seat.joined_at,
            )
        )
    seats.sort(key=lambda s: (not s.is_leader, s.joined_at or group.created_at))
    return GroupBuyGroup(
        share_id=group.share_id,
        campaign_id=campaign.id,
        title=campaign.title,
        product_id=campaign.product_id,
        sku_id=campaign.sku_id,
        group_price=campaign.group_price,
        size=group.size,
        filled=group.filled,
        slots_left=group.size - group.filled - group.auto_filled,
        auto_filled=group.auto_filled,
        status=group.status,  # type: ignore[arg-type]
        expires_at=group.expires_at,
        completed_at=group.completed_at,
        seats=seats,
    )


async def get_group(session: AsyncSession, share_id: str) -> GroupBuyGroup:
    group = await repo.get_group_by_share(session, share_id)
    if group is None:
        raise GroupNotFound(share_id=share_id)
    return await _group_view(session, group)


async def _check_limit(session: AsyncSession, campaign: GroupCampaign, member_id: int) -> None:
    """Claim a seat of the shopper's limit (one conditional UPDATE; 409 limit_reached)."""
    if not await plays.claim_quota(
        session,
        play=SOURCE,
        campaign_id=campaign.id,
        member_id=member_id,
        units=1,
        limit=campaign.per_member_limit,
    ):
        raise LimitReached(campaign_id=campaign.id, limit=campaign.per_member_limit)


async def _release_limit(session: AsyncSession, seat: GroupMember) -> None:
    await plays.release_quota(
        session, play=SOURCE, campaign_id=seat.campaign_id, member_id=seat.member_id, units=1
    )


def new_share_id() -> str:
    """A group's share id, drawn before the group exists so the risk engine can count the
    leader's open within the group it opens (``group:<share id>``)."""
    return secrets.token_urlsafe(12)


async def open_group(
    session: AsyncSession,
    ctx: AppContext,
    *,
    member_id: int,
    campaign_id: int,
    address_id: int,
    share_id: str | None = None,
) -> GroupBuyParticipation:
    """Open a group as its leader: a pending group and the leader's order at the group price.
    The group opens for others once that order is paid. Refusals (nothing written): 404
    ``social.campaign_not_found``, 409 ``campaign_not_running`` / ``limit_reached`` /
    ``groups_exhausted``, ``checkout.sku_unavailable``, ``inventory.insufficient``, 404
    ``members.address_not_found``."""
    await members.hold_member(session, member_id)
    campaign = await campaign_row(session, campaign_id)
    now = utcnow()
    if campaign_state(campaign, now) != "running":
        raise CampaignNotRunning(campaign_id=campaign_id, state=campaign_state(campaign, now))
    await _check_limit(session, campaign, member_id)
    if not await repo.take_group_quota(session, campaign.id, now):
        raise GroupsExhausted(campaign_id=campaign_id, max_groups=campaign.max_groups)
    group_id = await repo.insert_group(
        session,
        {
            "share_id": share_id or new_share_id(),
            "campaign_id": campaign.id,
            "leader_member_id": member_id,
            "size": campaign.group_size,
            "filled": 0,
            "status": "pending",
            "expires_at": now + timedelta(seconds=campaign.time_limit_seconds),
            "completed_at": None,
            "failed_at": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    group = await repo.get_group(session, group_id)
    if group is None:
        raise RuntimeError(f"group {group_id} vanished in its own transaction")
    return await _take_seat(
        session, ctx, campaign, group, member_id=member_id, address_id=address_id, leader=True
    )


async def join_group(
    session: AsyncSession, ctx: AppContext, *, member_id: int, share_id: str, address_id: int
) -> GroupBuyParticipation:
    """Join a group through its share id: the shopper's order at the group price; the seat is
    theirs once it is paid (if the group filled up meanwhile, the money goes back). Refusals
    (nothing written): 404 ``social.group_not_found``, 409 ``group_not_open`` / ``group_full`` /
    ``already_in_group`` / ``limit_reached`` / ``campaign_not_running``."""
    await members.hold_member(session, member_id)
    group = await repo.get_group_by_share(session, share_id)
    if group is None:
        raise GroupNotFound(share_id=share_id)
    campaign = await campaign_row(session, group.campaign_id)
    now = utcnow()
    if await repo.get_seat(session, group.id, member_id) is not None:
        raise AlreadyInGroup(share_id=share_id)
    if group.status == "succeeded" or group.filled >= group.size:
        raise GroupFull(share_id=share_id)
    if group.status != "open" or group.expires_at <= now:
        raise GroupNotOpen(share_id=share_id, group_status=group.status)
    if campaign.status != "active":
        raise CampaignNotRunning(campaign_id=campaign.id, state="stopped")
    await _check_limit(session, campaign, member_id)
    return await _take_seat(
        session, ctx, campaign, group, member_id=member_id, address_id=address_id, leader=False
    )


async def _take_seat(
    session: AsyncSession,
    ctx: AppContext,
    campaign: GroupCampaign,
    group: Group,
    *,
    member_id: int,
    address_id: int,
    leader: bool,
) -> GroupBuyParticipation:
    now = utcnow()
    snap = (await catalog.get_sku_snapshots(session, [campaign.sku_id])).get(campaign.sku_id)
    subsidy = max(snap.price - campaign.group_price, 0) if snap is not None else 0
    key = f"{SOURCE}:{group.id}:{member_id}"
    deadline = now + timedelta(seconds=ctx.settings.order_payment_timeout_seconds)
    order = await checkout.place_special_price_order(
        session,
        ctx,
        member_id=member_id,
        address_id=address_id,
        spec=checkout.SpecialPriceOrder(
            sku_id=campaign.sku_id,
            unit_price=campaign.group_price,
            quantity=1,
            free_shipping=campaign.free_shipping,
            remark="拼团",
            idempotency_key=key,
            request_hash=hashlib.sha256(f"{key}|{campaign.group_price}".encode()).hexdigest(),
            expires_at=min(deadline, group.expires_at),
            source=SOURCE,
            ship_hold=hold_of(group.id),
        ),
    )
    seat_id = await repo.insert_seat(
        session,
        {
            "group_id": group.id,
            "campaign_id": campaign.id,
            "member_id": member_id,
            "order_no": order.order_no,
            "is_leader": leader,
            "status": "pending",
            "joined_at": None,
            "subsidy": subsidy,
            "subsidy_state": "none",
            "is_new_customer": False,
            "created_at": now,
            "updated_at": now,
        },
    )
    if seat_id is None:  # a twin request took the seat while we looked
        raise AlreadyInGroup(share_id=group.share_id)
    return GroupBuyParticipation(
        order_no=order.order_no,
        payable_total=order.payable_total,
        share_id=group.share_id,
        status="pending",
        group=await _group_view(session, group),
    )


# -- orders' news ----------------------------------------------------------------------------


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """A group order was paid: claim its seat (the last one completes the group and lets its
    orders ship); a full, failed or late group refunds it. Idempotent: the seat's status change
    is conditional, under the group's row lock."""
    if payload.get("source") != SOURCE:
        return
    order_no = str(payload["order_no"])
    seat = await repo.get_seat_by_order(session, order_no)
    if seat is None:
        log.error("groupbuy_order_without_seat", order_no=order_no)
        return
    group = await repo.lock_group(session, seat.group_id)
    seat = await repo.get_seat_by_order(session, order_no)
    if group is None or seat is None or seat.status != "pending":
        return
    now = utcnow()
    claimed = await repo.claim_seat(session, group.id, is_leader=seat.is_leader, now=now)
    if claimed is None:
        reason = FULL_REASON if group.filled >= group.size else FAILED_REASON
        await refund_seat(session, seat, group, reason, now)
        return
    await repo.move_seat(
        session, seat.id, from_statuses=["pending"], to_status="joined", now=now, joined=True
    )
    filled, status = claimed
    log.info("groupbuy_seat_claimed", group_id=group.id, order_no=order_no, filled=filled)
    await repo.set_seat_subsidy(
        session,
        seat.id,
        state=await plays.claim_subsidy(
            session, GroupCampaign, seat.campaign_id, seat.subsidy, now
        ),
        is_new_customer=await plays.is_first_paid_order(session, seat.member_id),
        now=now,
    )
    if status == "succeeded":
        order_nos = await repo.complete_seats(session, group.id, now)
        await orders.release_ship_hold(session, order_nos, hold=hold_of(group.id))
        await publish(
            session,
            ev.GROUP_SUCCEEDED,
            {
                "group_id": group.id,
                "share_id": group.share_id,
                "campaign_id": group.campaign_id,
                "leader_member_id": group.leader_member_id,
                "order_nos": order_nos,
            },
            key=group.share_id,
        )


async def refund_seat(
    session: AsyncSession, seat: GroupMember, group: Group, reason: str, now: datetime
) -> str | None:
    """Give the seat's order up (cancel; refund what was paid, the path crowdfunding shares):
    the order no. when money goes back. The seat's limit and subsidy are given back."""
    to_status = await plays.give_up_order(
        session, seat.order_no, hold=hold_of(group.id), reason=reason
    )
    if await repo.move_seat(
        session, seat.id, from_statuses=["pending", "joined"], to_status=to_status, now=now
    ):
        await _release_limit(session, seat)
        if await repo.release_seat_subsidy(session, seat.id, seat.subsidy_state, now):
            await plays.give_back_subsidy(
                session,
                GroupCampaign,
                campaign_id=seat.campaign_id,
                amount=seat.subsidy,
                state=seat.subsidy_state,
                now=now,
            )
    return seat.order_no if to_status == "refunded" else None


async def handle_order_cancelled(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """An unpaid group order was cancelled (its payment timed out, or the shopper cancelled):
    its seat goes, and no longer counts against the shopper's limit."""
    if payload.get("source") != SOURCE:
        return
    seat = await repo.get_seat_by_order(session, str(payload["order_no"]))
    if seat is None or seat.status != "pending":
        return
    if await repo.move_seat(
        session, seat.id, from_statuses=["pending"], to_status="cancelled", now=utcnow()
    ):
        await _release_limit(session, seat)
