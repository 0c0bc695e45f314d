"""Bargains (砍价): campaigns per SKU, bargains started by shoppers, friends' cuts, the
initiator's order at the current price, the cost report.

A shopper starts a bargain on a running campaign (``bargains_started`` claimed against
``max_bargains`` in one conditional UPDATE) and shares its link; each friend cuts once: the cut
is drawn for the bargain's state (``split.py``) and applied with one conditional UPDATE that
requires the state it was drawn for and never passes the floor, plus a cut row unique per
(bargain, helper). A friend who lost a race redraws for the new state. Per-IP and per-device
daily caps are counted in ``social_bargain_quota`` in the same transaction, so a refused cut
counts nothing. The initiator buys at the current price any time before the deadline: the
bargain closes to cuts (conditional UPDATE), the subsidy (start − current price) is claimed
against the campaign's budget (the claim that reaches it stops the campaign), then
``checkout.place_special_price_order`` places the order (``source="bargain"``), paid as any
order. ``order.paid`` marks the bargain paid; ``order.cancelled`` (never paid) gives the
subsidy back. The ``social.bargain_expire`` job closes open bargains past their deadline.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.params import SHOP_TZ
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import public as checkout
from shoplet.modules.members import public as members
from shoplet.modules.social import plays
from shoplet.modules.social.bargain import events as ev
from shoplet.modules.social.bargain import repository as repo
from shoplet.modules.social.bargain import split
from shoplet.modules.social.bargain.errors import (
    AlreadyCut,
    BargainAtFloor,
    BargainBusy,
    BargainCampaignNotFound,
    BargainCampaignNotRunning,
    BargainLimitReached,
    BargainNotFound,
    BargainNotOpen,
    BargainsExhausted,
    BudgetExhausted,
    CutQuotaReached,
    InvalidBargainCampaign,
    NotYourBargain,
    OwnBargain,
)
from shoplet.modules.social.bargain.models import Bargain
from shoplet.modules.social.bargain.models import BargainCampaign as CampaignRow
from shoplet.modules.social.bargain.schemas import (
    BargainCampaign,
    BargainCampaignWrite,
    BargainCard,
    BargainCutResult,
    BargainHelper,
    BargainOrder,
    BargainView,
    MyBargain,
)
from shoplet.modules.social.campaigns import campaign_state, mask_name

log = structlog.get_logger("shoplet.social.bargain")

SOURCE = "bargain"
EXPIRE_BATCH = 200
# Anti-abuse: cuts a day from one IP address and from one device id (shop calendar days).
CUTS_PER_IP_PER_DAY = 20
CUTS_PER_DEVICE_PER_DAY = 5
# A helper whose account is younger than this at the cut counts as a new customer.
NEW_MEMBER_AGE = timedelta(days=1)
# A friend who keeps losing the race for the row redraws this often before giving up (409).
CUT_ATTEMPTS = 50

Viewer = Literal["initiator", "helped", "visitor", "guest"]


# -- campaigns (console) ---------------------------------------------------------------------


def campaign_view(campaign: CampaignRow, now: datetime | None = None) -> BargainCampaign:
    return BargainCampaign(
        id=campaign.id,
        title=campaign.title,
        product_id=campaign.product_id,
        sku_id=campaign.sku_id,
        start_price=campaign.start_price,
        floor_price=campaign.floor_price,
        helpers_needed=campaign.helpers_needed,
        time_limit_seconds=campaign.time_limit_seconds,
        new_user_bonus_pct=campaign.new_user_bonus_pct,
        per_member_limit=campaign.per_member_limit,
        max_bargains=campaign.max_bargains,
        bargains_started=campaign.bargains_started,
        budget=campaign.budget,
        subsidy_spent=campaign.subsidy_spent,
        free_shipping=campaign.free_shipping,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        status=campaign.status,  # type: ignore[arg-type]
        state=campaign_state(campaign, now or utcnow()),
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


async def _checked_values(session: AsyncSession, body: BargainCampaignWrite) -> dict[str, Any]:
    """The campaign's columns from ``body`` (400 ``social.invalid_bargain_campaign`` naming the
    field). The start price is the SKU's shelf price now."""
    if body.ends_at <= body.starts_at:
        raise InvalidBargainCampaign("ends_at must be after starts_at", field="ends_at")
    snap = (await catalog.get_sku_snapshots(session, [body.sku_id])).get(body.sku_id)
    if snap is None:
        raise InvalidBargainCampaign(f"SKU {body.sku_id} does not exist", field="sku_id")
    if body.floor_price >= snap.price:
        raise InvalidBargainCampaign(
            f"the floor price must be below the shelf price ({snap.price} fen)",
            field="floor_price",
        )
    if snap.price - body.floor_price < body.helpers_needed:
        raise InvalidBargainCampaign(
            f"{body.helpers_needed} helpers need at least 1 fen each to cut "
            f"(only {snap.price - body.floor_price} fen between shelf and floor price)",
            field="helpers_needed",
        )
    return {
        "title": body.title,
        "product_id": snap.product_id,
        "sku_id": body.sku_id,
        "start_price": snap.price,
        "floor_price": body.floor_price,
        "helpers_needed": body.helpers_needed,
        "time_limit_seconds": body.time_limit_seconds,
        "new_user_bonus_pct": body.new_user_bonus_pct,
        "per_member_limit": body.per_member_limit,
        "max_bargains": body.max_bargains,
        "budget": body.budget,
        "free_shipping": body.free_shipping,
        "starts_at": body.starts_at,
        "ends_at": body.ends_at,
    }


async def _campaign(session: AsyncSession, campaign_id: int) -> CampaignRow:
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise BargainCampaignNotFound(campaign_id=campaign_id)
    return campaign


async def create_campaign(session: AsyncSession, body: BargainCampaignWrite) -> BargainCampaign:
    now = utcnow()
    values = await _checked_values(session, body)
    campaign_id = await repo.insert_campaign(
        session,
        {
            **values,
            "bargains_started": 0,
            "subsidy_spent": 0,
            "status": "active",
            "created_at": now,
            "updated_at": now,
        },
    )
    return campaign_view(await _campaign(session, campaign_id), now)


async def update_campaign(
    session: AsyncSession, campaign_id: int, body: BargainCampaignWrite
) -> BargainCampaign:
    """Edit an active campaign; bargains already started keep their terms (409 when stopped,
    400 when ``max_bargains`` or ``budget`` is below what was used)."""
    campaign = await _campaign(session, campaign_id)
    if campaign.status != "active":
        raise BargainCampaignNotRunning(
            "a stopped campaign cannot be edited", campaign_id=campaign_id
        )
    values = await _checked_values(session, body)
    if body.max_bargains < campaign.bargains_started:
        raise InvalidBargainCampaign(
            f"{campaign.bargains_started} bargains were started already", field="max_bargains"
        )
    if body.budget < campaign.subsidy_spent:
        raise InvalidBargainCampaign(
            f"{campaign.subsidy_spent} fen of subsidy are spent already", field="budget"
        )
    now = utcnow()
    if not await repo.update_campaign(session, campaign_id, {**values, "updated_at": now}):
        raise BargainCampaignNotRunning("the campaign changed meanwhile", campaign_id=campaign_id)
    return campaign_view(await _campaign(session, campaign_id), now)


async def stop_campaign(session: AsyncSession, campaign_id: int) -> BargainCampaign:
    """No new bargains; open ones may still be cut and bought until their deadline."""
    await _campaign(session, campaign_id)
    now = utcnow()
    await repo.update_campaign(session, campaign_id, {"status": "stopped", "updated_at": now})
    return campaign_view(await _campaign(session, campaign_id), now)


async def list_campaigns(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[BargainCampaign], str | None]:
    rows = await repo.list_campaigns(session, before_id=decode_id_cursor(cursor), limit=limit + 1)
    page = list(rows[:limit])
    now = utcnow()
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return [campaign_view(r, now) for r in page], next_cursor


async def get_campaign(session: AsyncSession, campaign_id: int) -> BargainCampaign:
    return campaign_view(await _campaign(session, campaign_id))


# -- the shop --------------------------------------------------------------------------------


async def product_campaigns(session: AsyncSession, product_id: int) -> list[BargainCard]:
    """Running and upcoming bargain campaigns of a product (the product page's 砍价 entry)."""
    now = utcnow()
    rows = await repo.live_campaigns_of_product(session, product_id, now)
    snaps = await catalog.get_sku_snapshots(session, sorted({r.sku_id for r in rows}))
    cards = []
    for row in rows:
        snap = snaps.get(row.sku_id)
        if snap is None or not snap.is_purchasable:
            continue
        cards.append(
            BargainCard(
                id=row.id,
                title=row.title,
                product_id=row.product_id,
                sku_id=row.sku_id,
                start_price=row.start_price,
                floor_price=row.floor_price,
                helpers_needed=row.helpers_needed,
                time_limit_seconds=row.time_limit_seconds,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                state=campaign_state(row, now),
            )
        )
    return cards


async def _view(session: AsyncSession, bargain: Bargain, viewer_id: int | None) -> BargainView:
    campaign = await _campaign(session, bargain.campaign_id)
    helpers: list[BargainHelper] = []
    helped = False
    for cut in await repo.cuts_of(session, bargain.id):
        helped = helped or cut.helper_member_id == viewer_id
        nickname, avatar = await members.get_public_profile(session, cut.helper_member_id)
        helpers.append(
            BargainHelper(
                name=mask_name(nickname),
                avatar_url=avatar,
                amount=cut.amount,
                cut_at=cut.created_at,
            )
        )
    viewer: Viewer = "guest"
    if viewer_id is not None:
        viewer = (
            "initiator" if viewer_id == bargain.member_id else "helped" if helped else "visitor"
        )
    return BargainView(
        share_id=bargain.share_id,
        campaign_id=campaign.id,
        title=campaign.title,
        product_id=campaign.product_id,
        sku_id=bargain.sku_id,
        start_price=bargain.start_price,
        floor_price=bargain.floor_price,
        current_price=bargain.current_price,
        cut_total=bargain.start_price - bargain.current_price,
        left_to_cut=bargain.current_price - bargain.floor_price,
        helpers=bargain.helpers,
        status=bargain.status,  # type: ignore[arg-type]
        at_floor=bargain.current_price == bargain.floor_price,
        expires_at=bargain.expires_at,
        order_no=bargain.order_no,
        helper_list=helpers,
        viewer=viewer,
    )


async def _bargain(session: AsyncSession, share_id: str) -> Bargain:
    bargain = await repo.get_bargain_by_share(session, share_id)
    if bargain is None:
        raise BargainNotFound(share_id=share_id)
    return bargain


async def get_bargain(session: AsyncSession, share_id: str, viewer_id: int | None) -> BargainView:
    return await _view(session, await _bargain(session, share_id), viewer_id)


async def my_bargains(
    session: AsyncSession, member_id: int, *, cursor: str | None, limit: int
) -> tuple[list[MyBargain], str | None]:
    rows = await repo.bargains_of_member(
        session, member_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = list(rows[:limit])
    titles: dict[int, tuple[str, int]] = {}
    items = []
    for row in page:
        if row.campaign_id not in titles:
            campaign = await _campaign(session, row.campaign_id)
            titles[row.campaign_id] = (campaign.title, campaign.product_id)
        title, product_id = titles[row.campaign_id]
        items.append(
            MyBargain(
                share_id=row.share_id,
                title=title,
                product_id=product_id,
                start_price=row.start_price,
                floor_price=row.floor_price,
                current_price=row.current_price,
                helpers=row.helpers,
                status=row.status,  # type: ignore[arg-type]
                expires_at=row.expires_at,
                order_no=row.order_no,
            )
        )
    next_cursor = encode_id_cursor(page[-1].id) if len(rows) > limit else None
    return items, next_cursor


async def start_bargain(session: AsyncSession, *, member_id: int, campaign_id: int) -> BargainView:
    """Start a bargain at the campaign's start price. Refusals (nothing written): 404
    ``social.bargain_campaign_not_found``, 409 ``bargain_campaign_not_running`` /
    ``bargain_limit_reached`` / ``bargains_exhausted``, 409 ``checkout.sku_unavailable``."""
    await members.hold_member(session, member_id)
    campaign = await _campaign(session, campaign_id)
    now = utcnow()
    state = campaign_state(campaign, now)
    if state != "running":
        raise BargainCampaignNotRunning(campaign_id=campaign_id, state=state)
    snap = (await catalog.get_sku_snapshots(session, [campaign.sku_id])).get(campaign.sku_id)
    if snap is None or not snap.is_purchasable:
        raise checkout.SkuUnavailable(
            f"SKU {campaign.sku_id} is not on sale", sku_id=campaign.sku_id
        )
    if not await plays.claim_quota(
        session,
        play=SOURCE,
        campaign_id=campaign.id,
        member_id=member_id,
        units=1,
        limit=campaign.per_member_limit,
    ):
        raise BargainLimitReached(campaign_id=campaign.id, limit=campaign.per_member_limit)
    if not await repo.take_bargain_quota(session, campaign.id, now):
        raise BargainsExhausted(campaign_id=campaign_id, max_bargains=campaign.max_bargains)
    bargain_id = await repo.insert_bargain(
        session,
        {
            "share_id": secrets.token_urlsafe(12),
            "campaign_id": campaign.id,
            "member_id": member_id,
            "sku_id": campaign.sku_id,
            "start_price": campaign.start_price,
            "floor_price": campaign.floor_price,
            "current_price": campaign.start_price,
            "helpers_needed": campaign.helpers_needed,
            "new_user_bonus_pct": campaign.new_user_bonus_pct,
            "helpers": 0,
            "seed": secrets.randbits(62),
            "status": "open",
            "order_no": None,
            "expires_at": min(
                now + timedelta(seconds=campaign.time_limit_seconds), campaign.ends_at
            ),
            "ordered_at": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    bargain = await repo.get_bargain(session, bargain_id)
    if bargain is None:
        raise RuntimeError(f"bargain {bargain_id} vanished in its own transaction")
    log.info("bargain_started", bargain_id=bargain_id, campaign_id=campaign.id)
    return await _view(session, bargain, member_id)


def _check_open(bargain: Bargain, now: datetime) -> None:
    if bargain.status != "open" or bargain.expires_at <= now:
        raise BargainNotOpen(share_id=bargain.share_id, bargain_status=bargain.status)
    if bargain.current_price <= bargain.floor_price:
        raise BargainAtFloor(share_id=bargain.share_id)


async def cut_bargain(
    session: AsyncSession,
    *,
    member_id: int,
    share_id: str,
    ip: str,
    device_id: str | None,
) -> BargainCutResult:
    """A friend's cut (帮砍一刀). Refusals (nothing written): 404 ``social.bargain_not_found``,
    409 ``bargain_own`` / ``bargain_already_cut`` / ``bargain_not_open`` / ``bargain_at_floor``
    / ``bargain_cut_quota`` / ``bargain_busy``. The risk engine (``bargain_cut``, asked by the
    route before this) refuses rings and bursts of helpers with 403 ``risk.*``."""
    bargain = await _bargain(session, share_id)
    if bargain.member_id == member_id:
        raise OwnBargain(share_id=share_id)
    if await repo.has_cut(session, bargain.id, member_id):
        raise AlreadyCut(share_id=share_id)
    now = utcnow()
    _check_open(bargain, now)
    day = now.astimezone(SHOP_TZ).date().isoformat()
    since = await members.get_member_since(session, member_id)
    if not await repo.take_quota(session, f"ip:{ip}", day, CUTS_PER_IP_PER_DAY):
        raise CutQuotaReached(scope="ip", limit=CUTS_PER_IP_PER_DAY)
    if device_id is not None and not await repo.take_quota(
        session, f"device:{device_id}", day, CUTS_PER_DEVICE_PER_DAY
    ):
        raise CutQuotaReached(scope="device", limit=CUTS_PER_DEVICE_PER_DAY)
    is_new = since is not None and now - since <= NEW_MEMBER_AGE
    amount = 0
    for _ in range(CUT_ATTEMPTS):
        seen = await repo.get_bargain(session, bargain.id)
        if seen is None:
            raise BargainNotFound(share_id=share_id)
        _check_open(seen, now)
        amount = split.cut_amount(
            seen.seed,
            helpers_needed=seen.helpers_needed,
            span=seen.start_price - seen.floor_price,
            cuts_so_far=seen.helpers,
            left=seen.current_price - seen.floor_price,
            bonus_pct=seen.new_user_bonus_pct if is_new else 100,
        )
        if (
            await repo.apply_cut(
                session, bargain.id, seen_helpers=seen.helpers, cut=amount, now=now
            )
            is not None
        ):
            break
    else:
        raise BargainBusy(share_id=share_id)
    cut_id = await repo.insert_cut(
        session,
        {
            "bargain_id": bargain.id,
            "campaign_id": bargain.campaign_id,
            "helper_member_id": member_id,
            "amount": amount,
            "is_new_member": is_new,
            "ip": ip[:64],
            "device_id": device_id,
            "created_at": now,
        },
    )
    if cut_id is None:  # a twin request of the same friend landed first: undo ours (rollback)
        raise AlreadyCut(share_id=share_id)
    fresh = await repo.get_bargain(session, bargain.id)
    if fresh is None:
        raise RuntimeError(f"bargain {bargain.id} vanished in its own transaction")
    if fresh.current_price == fresh.floor_price:
        await publish(
            session,
            ev.BARGAIN_FLOOR_REACHED,
            {"share_id": share_id, "campaign_id": fresh.campaign_id, "helpers": fresh.helpers},
            key=share_id,
        )
    return BargainCutResult(
        amount=amount, is_new_member=is_new, bargain=await _view(session, fresh, member_id)
    )


async def buy_bargain(
    session: AsyncSession, ctx: AppContext, *, member_id: int, share_id: str, address_id: int
) -> BargainOrder:
    """The initiator's order at the current price (立即购买): no more cuts after it. Refusals
    (nothing written): 404 ``social.bargain_not_found``, 403 ``bargain_not_yours``, 409
    ``bargain_not_open`` / ``bargain_budget_exhausted``, ``checkout.sku_unavailable``,
    ``inventory.insufficient``, 404 ``members.address_not_found``."""
    # Before the bargain row's lock: the order's own hold after it would invert the merge's order.
    await members.hold_member(session, member_id)
    bargain = await _bargain(session, share_id)
    if bargain.member_id != member_id:
        raise NotYourBargain(share_id=share_id)
    now = utcnow()
    final_price = await repo.close_for_order(session, bargain.id, now)
    if final_price is None:
        raise BargainNotOpen(share_id=share_id, bargain_status=bargain.status)
    subsidy = bargain.start_price - final_price
    if not await repo.claim_subsidy(session, bargain.campaign_id, subsidy, now):
        raise BudgetExhausted(campaign_id=bargain.campaign_id)
    campaign = await _campaign(session, bargain.campaign_id)
    key = f"{SOURCE}:{bargain.id}"
    order = await checkout.place_special_price_order(
        session,
        ctx,
        member_id=member_id,
        address_id=address_id,
        spec=checkout.SpecialPriceOrder(
            sku_id=bargain.sku_id,
            unit_price=final_price,
            quantity=1,
            free_shipping=campaign.free_shipping,
            remark="砍价",
            idempotency_key=key,
            request_hash=hashlib.sha256(f"{key}|{final_price}".encode()).hexdigest(),
            expires_at=now + timedelta(seconds=ctx.settings.order_payment_timeout_seconds),
            source=SOURCE,
        ),
    )
    await repo.set_order_no(session, bargain.id, order.order_no)
    await publish(
        session,
        ev.BARGAIN_ORDERED,
        {
            "share_id": share_id,
            "campaign_id": bargain.campaign_id,
            "order_no": order.order_no,
            "price": final_price,
            "subsidy": subsidy,
        },
        key=share_id,
    )
    fresh = await repo.get_bargain(session, bargain.id)
    if fresh is None:
        raise RuntimeError(f"bargain {bargain.id} vanished in its own transaction")
    return BargainOrder(
        order_no=order.order_no,
        payable_total=order.payable_total,
        bargain=await _view(session, fresh, member_id),
    )


# -- orders' news and the deadline -----------------------------------------------------------


async def handle_order_paid(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """A bargain's order was paid: the bargain is paid (idempotent, conditional)."""
    if payload.get("source") != SOURCE:
        return
    bargain = await repo.get_bargain_by_order(session, str(payload["order_no"]))
    if bargain is not None:
        await repo.move_bargain(
            session, bargain.id, from_status="ordered", to_status="paid", now=utcnow()
        )


async def handle_order_cancelled(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """A bargain's order was never paid: the bargain is cancelled and its subsidy goes back to
    the campaign's budget (once: the status change is conditional)."""
    if payload.get("source") != SOURCE:
        return
    bargain = await repo.get_bargain_by_order(session, str(payload["order_no"]))
    if bargain is None:
        return
    now = utcnow()
    if await repo.move_bargain(
        session, bargain.id, from_status="ordered", to_status="cancelled", now=now
    ):
        await repo.release_subsidy(
            session, bargain.campaign_id, bargain.start_price - bargain.current_price, now
        )
        await plays.release_quota(
            session,
            play=SOURCE,
            campaign_id=bargain.campaign_id,
            member_id=bargain.member_id,
            units=1,
        )


async def expire_bargains(ctx: AppContext) -> int:
    """Close open bargains past their deadline (conditional, so idempotent across replicas):
    how many closed in this run."""
    async with unit_of_work(ctx.sessionmaker) as session:
        expired = await repo.expire_bargains(session, utcnow(), EXPIRE_BATCH)
        for bargain_id, campaign_id, member_id in expired:
            await plays.release_quota(
                session, play=SOURCE, campaign_id=campaign_id, member_id=member_id, units=1
            )
            await publish(session, ev.BARGAIN_EXPIRED, {"bargain_id": bargain_id})
    if expired:
        log.info("bargains_expired", count=len(expired))
    return len(expired)
