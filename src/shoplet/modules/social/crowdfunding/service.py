"""Crowdfunding pre-sales (众筹): a campaign per SKU with a target quantity and a deadline.

A shopper pledges (支持) by placing an order at the pledge price
(``checkout.place_special_price_order`` with ``source="crowdfunding"`` and
``ship_hold="crowdfunding:<id>"``) and paying it as any order. Asking holds the units
(``claimed_units``, one conditional UPDATE within ``max_quantity``) and one of the shopper's
per-campaign limit (``social_quota``); the money arriving (``order.paid``) counts them
(``pledged_units``, ``backers``) under the campaign's row lock, and claims the subsidy against
the campaign's budget. Money that arrives after the deadline is refunded.

At the deadline the ``social.crowdfunding_settle`` job settles each campaign exactly once (a
conditional status UPDATE under the row lock): target reached -> ``succeeded``, every paid
pledge's hold released so its order ships; missed -> ``failed``, every paid pledge refunded
through the same path as a failed group (``plays.give_up_order``: cancel, stock back, WeChat Pay
v3 refund, coupons back). Pledges are finished in batches, each pledge by a conditional UPDATE,
so workers running the job at once, or a run cut short and retried, refund each one once.
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
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import public as checkout
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders
from shoplet.modules.social import plays
from shoplet.modules.social.costs import campaign_costs
from shoplet.modules.social.crowdfunding import events as ev
from shoplet.modules.social.crowdfunding import repository as repo
from shoplet.modules.social.crowdfunding.errors import (
    CrowdfundingNotFound,
    CrowdfundingNotRunning,
    CrowdfundingSoldOut,
    InvalidCrowdfunding,
    PledgeLimitReached,
)
from shoplet.modules.social.crowdfunding.models import CrowdfundingCampaign, Pledge
from shoplet.modules.social.crowdfunding.schemas import (
    Crowdfunding,
    CrowdfundingCard,
    CrowdfundingState,
    CrowdfundingWrite,
    PledgeView,
)
from shoplet.modules.social.schemas import CampaignCosts

log = structlog.get_logger("shoplet.social.crowdfunding")

SOURCE = "crowdfunding"
FAILED_REASON = "众筹失败，自动退款"
LATE_REASON = "众筹已截止，自动退款"
CLOSED_REASON = "众筹已截止，未支付订单关闭"
SETTLE_BATCH = 100
SETTLE_CAMPAIGNS = 20
MAX_QUANTITY_FACTOR = 10


def hold_of(campaign_id: int) -> str:
    return f"crowdfunding:{campaign_id}"


def campaign_state(campaign: CrowdfundingCampaign, now: datetime) -> CrowdfundingState:
    if campaign.status in ("succeeded", "failed"):
        return campaign.status  # type: ignore[return-value]
    if now >= campaign.ends_at:
        return "settling"
    if campaign.status == "stopped":
        return "stopped"
    if now < campaign.starts_at:
        return "upcoming"
    return "running"


def progress_percent(pledged: int, target: int) -> int:
    """Whole per cent of the target paid for (past 100 when over-funded)."""
    return pledged * 100 // target


# -- campaigns (console) ---------------------------------------------------------------------


def campaign_view(campaign: CrowdfundingCampaign, now: datetime | None = None) -> Crowdfunding:
    return Crowdfunding(
        id=campaign.id,
        title=campaign.title,
        story=campaign.story,
        product_id=campaign.product_id,
        sku_id=campaign.sku_id,
        pledge_price=campaign.pledge_price,
        target_quantity=campaign.target_quantity,
        max_quantity=campaign.max_quantity,
        per_member_limit=campaign.per_member_limit,
        claimed_units=campaign.claimed_units,
        pledged_units=campaign.pledged_units,
        backers=campaign.backers,
        progress_percent=progress_percent(campaign.pledged_units, campaign.target_quantity),
        free_shipping=campaign.free_shipping,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        status=campaign.status,  # type: ignore[arg-type]
        state=campaign_state(campaign, now or utcnow()),
        stopped_reason=campaign.stopped_reason,  # type: ignore[arg-type]
        budget=campaign.budget,
        subsidy_spent=campaign.subsidy_spent + campaign.subsidy_over,
        settled_at=campaign.settled_at,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


async def _checked_values(session: AsyncSession, body: CrowdfundingWrite) -> dict[str, Any]:
    """The campaign's columns from ``body`` (400 ``social.invalid_crowdfunding`` naming the
    field)."""
    if body.ends_at <= body.starts_at:
        raise InvalidCrowdfunding("ends_at must be after starts_at", field="ends_at")
    snap = (await catalog.get_sku_snapshots(session, [body.sku_id])).get(body.sku_id)
    if snap is None:
        raise InvalidCrowdfunding(f"SKU {body.sku_id} does not exist", field="sku_id")
    if body.pledge_price > snap.price:
        raise InvalidCrowdfunding(
            f"the pledge price may not exceed the shelf price ({snap.price} fen)",
            field="pledge_price",
        )
    max_quantity = body.max_quantity or body.target_quantity * MAX_QUANTITY_FACTOR
    if max_quantity < body.target_quantity:
        raise InvalidCrowdfunding(
            "max_quantity must cover the target quantity", field="max_quantity"
        )
    if body.per_member_limit > max_quantity:
        raise InvalidCrowdfunding(
            "the limit per shopper exceeds the units offered", field="per_member_limit"
        )
    return {
        "title": body.title,
        "story": body.story,
        "product_id": snap.product_id,
        "sku_id": body.sku_id,
        "pledge_price": body.pledge_price,
        "target_quantity": body.target_quantity,
        "max_quantity": max_quantity,
        "per_member_limit": body.per_member_limit,
        "free_shipping": body.free_shipping,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
        "budget": body.budget,
    }


async def _campaign(session: AsyncSession, campaign_id: int) -> CrowdfundingCampaign:
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise CrowdfundingNotFound(campaign_id=campaign_id)
    return campaign


async def create_campaign(session: AsyncSession, body: CrowdfundingWrite) -> Crowdfunding:
    now = utcnow()
    values = await _checked_values(session, body)
    campaign_id = await repo.insert_campaign(
        session,
        {
            **values,
            "claimed_units": 0,
            "pledged_units": 0,
            "backers": 0,
            "status": "active",
            "stopped_reason": None,
            "subsidy_spent": 0,
            "subsidy_over": 0,
            "settled_at": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    return campaign_view(await _campaign(session, campaign_id), now)


async def update_campaign(
    session: AsyncSession, campaign_id: int, body: CrowdfundingWrite
) -> Crowdfunding:
    """Edit an active campaign before its deadline (409 ``social.crowdfunding_not_running``
    otherwise; 400 when ``max_quantity`` is below the units pledged already). Pledges made keep
    their price."""
    campaign = await _campaign(session, campaign_id)
    now = utcnow()
    if campaign.status != "active" or campaign.ends_at <= now:
        raise CrowdfundingNotRunning(
            "only an active campaign before its deadline can be edited",
            campaign_id=campaign_id,
            state=campaign_state(campaign, now),
        )
    values = await _checked_values(session, body)
    if values["max_quantity"] < campaign.claimed_units:
        raise InvalidCrowdfunding(
            f"{campaign.claimed_units} units are pledged already", field="max_quantity"
        )
    if not await repo.update_campaign(session, campaign_id, {**values, "updated_at": now}):
        raise CrowdfundingNotRunning("the campaign changed meanwhile", campaign_id=campaign_id)
    return campaign_view(await _campaign(session, campaign_id), now)


async def stop_campaign(session: AsyncSession, campaign_id: int) -> Crowdfunding:
    """No new pledges; the deadline still settles it with the pledges paid so far."""
    await _campaign(session, campaign_id)
    now = utcnow()
    await repo.stop_campaign(session, campaign_id, now)
    return campaign_view(await _campaign(session, campaign_id), now)


async def get_campaign(session: AsyncSession, campaign_id: int) -> Crowdfunding:
    return campaign_view(await _campaign(session, campaign_id))


async def list_campaigns(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[Crowdfunding], str | None]:
    rows = await repo.list_campaigns(session, before_id=decode_id_cursor(cursor), limit=limit + 1)
    page = list(rows[:limit])
    now = utcnow()
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [campaign_view(r, now) for r in page], next_cursor


async def campaign_costs_of(session: AsyncSession, campaign_id: int) -> CampaignCosts:
    """The campaign's cost panel (404 ``social.crowdfunding_not_found``)."""
    campaign = await _campaign(session, campaign_id)
    return campaign_costs(
        campaign_id=campaign.id,
        budget=campaign.budget,
        stopped_reason=campaign.stopped_reason,
        rows=await repo.pledge_cost_rows(session, campaign.id),
    )


# -- the shop --------------------------------------------------------------------------------


def _card(campaign: CrowdfundingCampaign, shelf_price: int, now: datetime) -> CrowdfundingCard:
    return CrowdfundingCard(
        id=campaign.id,
        title=campaign.title,
        story=campaign.story,
        product_id=campaign.product_id,
        sku_id=campaign.sku_id,
        pledge_price=campaign.pledge_price,
        shelf_price=shelf_price,
        target_quantity=campaign.target_quantity,
        pledged_units=campaign.pledged_units,
        backers=campaign.backers,
        progress_percent=progress_percent(campaign.pledged_units, campaign.target_quantity),
        units_left=max(campaign.max_quantity - campaign.claimed_units, 0),
        per_member_limit=campaign.per_member_limit,
        free_shipping=campaign.free_shipping,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        state=campaign_state(campaign, now),
    )


async def _shelf_price(session: AsyncSession, sku_id: int) -> int:
    snap = (await catalog.get_sku_snapshots(session, [sku_id])).get(sku_id)
    return snap.price if snap is not None else 0


async def get_card(session: AsyncSession, campaign_id: int) -> CrowdfundingCard:
    """The campaign page (anyone may look): progress, backers, deadline."""
    campaign = await _campaign(session, campaign_id)
    return _card(campaign, await _shelf_price(session, campaign.sku_id), utcnow())


async def product_campaigns(session: AsyncSession, product_id: int) -> list[CrowdfundingCard]:
    """Running and upcoming campaigns of a product (the product page's 众筹 entry)."""
    now = utcnow()
    rows = await repo.live_campaigns_of_product(session, product_id, now)
    snaps = await catalog.get_sku_snapshots(session, sorted({r.sku_id for r in rows}))
    cards = []
    for row in rows:
        snap = snaps.get(row.sku_id)
        if snap is not None and snap.is_purchasable:
            cards.append(_card(row, snap.price, now))
    return cards


async def pledge(
    session: AsyncSession,
    ctx: AppContext,
    *,
    member_id: int,
    campaign_id: int,
    address_id: int,
    quantity: int,
) -> PledgeView:
    """Pledge (支持) ``quantity`` units: the shopper's order at the pledge price, to pay next.
    Refusals (nothing written): 404 ``social.crowdfunding_not_found``, 409
    ``crowdfunding_not_running`` / ``pledge_limit_reached`` / ``crowdfunding_sold_out``,
    ``checkout.sku_unavailable``, ``inventory.insufficient``, 404 ``members.address_not_found``."""
    await members.hold_member(session, member_id)
    campaign = await _campaign(session, campaign_id)
    now = utcnow()
    state = campaign_state(campaign, now)
    if state != "running":
        raise CrowdfundingNotRunning(campaign_id=campaign_id, state=state)
    if not await plays.claim_quota(
        session,
        play=SOURCE,
        campaign_id=campaign.id,
        member_id=member_id,
        units=quantity,
        limit=campaign.per_member_limit,
    ):
        raise PledgeLimitReached(campaign_id=campaign_id, limit=campaign.per_member_limit)
    if not await repo.claim_units(session, campaign.id, quantity, now):
        raise CrowdfundingSoldOut(
            campaign_id=campaign_id,
            units_left=max(campaign.max_quantity - campaign.claimed_units, 0),
        )
    shelf_price = await _shelf_price(session, campaign.sku_id)
    key = f"{SOURCE}:{campaign.id}:{member_id}:{secrets.token_hex(8)}"
    deadline = now + timedelta(seconds=ctx.settings.order_payment_timeout_seconds)
    order = await checkout.place_special_price_order(
        session,
        ctx,
        member_id=member_id,
        address_id=address_id,
        spec=checkout.SpecialPriceOrder(
            sku_id=campaign.sku_id,
            unit_price=campaign.pledge_price,
            quantity=quantity,
            free_shipping=campaign.free_shipping,
            remark="众筹",
            idempotency_key=key,
            request_hash=hashlib.sha256(f"{key}|{campaign.pledge_price}".encode()).hexdigest(),
            expires_at=min(deadline, campaign.ends_at),
            source=SOURCE,
            ship_hold=hold_of(campaign.id),
        ),
    )
    await repo.insert_pledge(
        session,
        {
            "campaign_id": campaign.id,
            "member_id": member_id,
            "order_no": order.order_no,
            "quantity": quantity,
            "status": "pending",
            "subsidy": max(shelf_price - campaign.pledge_price, 0) * quantity,
            "subsidy_state": "none",
            "is_new_customer": False,
            "paid_at": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    return PledgeView(
        order_no=order.order_no,
        quantity=quantity,
        payable_total=order.payable_total,
        status="pending",
        campaign=_card(await _campaign(session, campaign.id), shelf_price, now),
    )


# -- orders' news ----------------------------------------------------------------------------


async def _release(session: AsyncSession, pledge_row: Pledge, now: datetime) -> None:
    """An unpaid (or never counted) pledge's units and limit go back."""
    await repo.release_units(session, pledge_row.campaign_id, pledge_row.quantity, now)
    await plays.release_quota(
        session,
        play=SOURCE,
        campaign_id=pledge_row.campaign_id,
        member_id=pledge_row.member_id,
        units=pledge_row.quantity,
    )


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """A pledge's order was paid: before the deadline its units count (and its subsidy is
    claimed against the budget); after it, the money goes back. Idempotent: the pledge's
    status change is conditional, under the campaign's row lock."""
    if payload.get("source") != SOURCE:
        return
    order_no = str(payload["order_no"])
    found = await repo.get_pledge_by_order(session, order_no)
    if found is None:
        log.error("crowdfunding_order_without_pledge", order_no=order_no)
        return
    campaign = await repo.lock_campaign(session, found.campaign_id)
    row = await repo.get_pledge_by_order(session, order_no)
    if campaign is None or row is None or row.status != "pending":
        return
    now = utcnow()
    if campaign.status not in repo.OPEN_STATUSES or campaign.ends_at <= now:
        if await repo.move_pledge(
            session, row.id, from_statuses=["pending"], to_status="refunded", now=now
        ):
            await plays.give_up_order(
                session, order_no, hold=hold_of(campaign.id), reason=LATE_REASON
            )
            await _release(session, row, now)
        return
    subsidy_state = await plays.claim_subsidy(
        session, CrowdfundingCampaign, campaign.id, row.subsidy, now
    )
    if not await repo.move_pledge(
        session,
        row.id,
        from_statuses=["pending"],
        to_status="paid",
        now=now,
        values={
            "paid_at": now,
            "subsidy_state": subsidy_state,
            "is_new_customer": await plays.is_first_paid_order(session, row.member_id),
        },
    ):
        raise RuntimeError(f"pledge {row.id} moved under its campaign's lock")
    await repo.count_paid_units(session, campaign.id, row.quantity, now)
    log.info("crowdfunding_pledge_paid", campaign_id=campaign.id, order_no=order_no)


async def handle_order_cancelled(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """An unpaid pledge's order was cancelled (timed out, or the shopper cancelled): its units
    and the shopper's limit go back."""
    if payload.get("source") != SOURCE:
        return
    row = await repo.get_pledge_by_order(session, str(payload["order_no"]))
    if row is None or row.status != "pending":
        return
    now = utcnow()
    if await repo.move_pledge(
        session, row.id, from_statuses=["pending"], to_status="cancelled", now=now
    ):
        await _release(session, row, now)


# -- the deadline (job) ----------------------------------------------------------------------


async def settle_campaigns(ctx: AppContext) -> int:
    """Settle every campaign past its deadline and finish its pledges, each batch in its own
    transaction. Safe on any number of workers at once: the outcome is one conditional
    UPDATE, every pledge moves once. Returns how many campaigns this run settled."""
    now = utcnow()
    async with read_session(ctx.sessionmaker) as session:
        ids = await repo.campaigns_to_settle(session, now, SETTLE_CAMPAIGNS)
    settled = 0
    for campaign_id in ids:
        try:
            async with unit_of_work(ctx.sessionmaker) as session:
                settled += await _decide(session, campaign_id)
            while True:
                async with unit_of_work(ctx.sessionmaker) as session:
                    if not await _finish_batch(session, campaign_id):
                        break
        except Exception:
            # One bad campaign must not hold up the others; the next run retries it.
            log.exception("crowdfunding_settle_failed", campaign_id=campaign_id)
    return settled


async def _decide(session: AsyncSession, campaign_id: int) -> int:
    campaign = await repo.lock_campaign(session, campaign_id)
    now = utcnow()
    if campaign is None or campaign.status not in repo.OPEN_STATUSES or campaign.ends_at > now:
        return 0
    reached = campaign.pledged_units >= campaign.target_quantity
    outcome = "succeeded" if reached else "failed"
    if not await repo.settle_campaign(session, campaign_id, outcome, now):
        return 0
    log.info(
        "crowdfunding_settled",
        campaign_id=campaign_id,
        outcome=outcome,
        pledged=campaign.pledged_units,
        target=campaign.target_quantity,
    )
    await publish(
        session,
        ev.CROWDFUNDING_SUCCEEDED if reached else ev.CROWDFUNDING_FAILED,
        {
            "campaign_id": campaign_id,
            "pledged_units": campaign.pledged_units,
            "target_quantity": campaign.target_quantity,
        },
        key=str(campaign_id),
    )
    return 1


async def _finish_batch(session: AsyncSession, campaign_id: int) -> bool:
    """Finish up to ``SETTLE_BATCH`` pledges of a settled campaign: whether any was left."""
    campaign = await repo.lock_campaign(session, campaign_id)
    if campaign is None or campaign.status not in ("succeeded", "failed"):
        return False
    rows = await repo.pledges_of(session, campaign_id, ("pending", "paid"), SETTLE_BATCH)
    if not rows:
        return False
    # Every pledge's order before any stock moves (as a failing group does): a payment racing
    # the settlement holds its order and then the stock row (orders.lock_held_orders).
    await orders.lock_held_orders(session, [row.order_no for row in rows])
    now = utcnow()
    hold = hold_of(campaign_id)
    shipping: list[str] = []
    for row in rows:
        if row.status == "pending":
            if await repo.move_pledge(
                session, row.id, from_statuses=["pending"], to_status="cancelled", now=now
            ):
                await plays.give_up_order(session, row.order_no, hold=hold, reason=CLOSED_REASON)
                await _release(session, row, now)
        elif campaign.status == "succeeded":
            if await repo.move_pledge(
                session, row.id, from_statuses=["paid"], to_status="succeeded", now=now
            ):
                shipping.append(row.order_no)
        elif await repo.move_pledge(
            session, row.id, from_statuses=["paid"], to_status="refunded", now=now
        ):
            await plays.give_up_order(session, row.order_no, hold=hold, reason=FAILED_REASON)
            if await repo.release_pledge_subsidy(session, row.id, row.subsidy_state, now):
                await plays.give_back_subsidy(
                    session,
                    CrowdfundingCampaign,
                    campaign_id=campaign_id,
                    amount=row.subsidy,
                    state=row.subsidy_state,
                    now=now,
                )
    if shipping:
        await orders.release_ship_hold(session, sorted(shipping), hold=hold)
    return True
