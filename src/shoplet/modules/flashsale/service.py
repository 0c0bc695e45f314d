"""Flash-sale business rules off the hot path: campaigns (console), warm-up, the order consumer,
hand-backs, settlement and reconciliation.

Stock accounting, per campaign SKU (``stock`` = units carved out at creation)::

    database:  hold(flash:<c>:<sku>) + units in live flash orders           == stock
    Redis:     remaining + units of accepted requests not handed back       == stock

A request accepted by the buy script is a stream entry; a consumer turns it into an order
(units move from the hold to the order, ticket row in the same transaction) or fails it (ticket
row ``failed``, units back on the counter, the shopper's allowance back). A cancelled or
timed-out order moves its units back to the hold (orders does that) and ``order.cancelled``
brings them back to the counter (``handle_order_cancelled``). Every hand-back to Redis is
guarded by the ticket (a set of returned tickets), so each happens once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import public as checkout
from shoplet.modules.flashsale import events as ev
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.errors import (
    CampaignLocked,
    CampaignNotFound,
    InvalidCampaign,
    SkuNotInCampaign,
    SkuUnavailable,
)
from shoplet.modules.flashsale.models import Campaign, CampaignItem, Ticket
from shoplet.modules.flashsale.runtime import FlashRuntime, runtime_for, runtime_of
from shoplet.modules.flashsale.schemas import (
    CampaignAdmin,
    CampaignCreate,
    CampaignInfo,
    CampaignStatus,
    CampaignUpdate,
    GiveBack,
    ItemAdmin,
    ItemInfo,
    ReconcileSnapshot,
    StreamEntry,
    TicketRecord,
)
from shoplet.modules.flashsale.store import entry_order
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders

log = structlog.get_logger("shoplet.flashsale")

MAX_DURATION = timedelta(days=7)
# The inventory holds outlive the campaign by far: the settle job releases them long before.
HOLD_GRACE = timedelta(days=30)
MAX_LIMIT = 100
RECONCILE_SAMPLE = 20
# Storefront pages cached by ctx.cache (dropped after console changes commit).
LIST_NAMESPACE = "flashsale_list"
CAMPAIGN_NAMESPACE = "flashsale_campaign"


def hold_ref(campaign_id: int, sku_id: int) -> str:
    """The inventory reservation holding a campaign SKU's units."""
    return f"flash:{campaign_id}:{sku_id}"


def parse_hold_ref(ref: str) -> tuple[int, int] | None:
    parts = ref.split(":")
    if len(parts) != 3 or parts[0] != "flash" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


def campaign_status(
    campaign: Campaign, now: datetime, remaining: Mapping[int, int] | None
) -> CampaignStatus:
    if campaign.status == "cancelled":
        return "cancelled"
    if now < campaign.starts_at:
        return "upcoming"
    if now >= campaign.ends_at:
        return "ended"
    if remaining and all(units <= 0 for units in remaining.values()):
        return "sold_out"
    return "live"


def campaign_info(campaign: Campaign, items: Sequence[CampaignItem]) -> CampaignInfo:
    return CampaignInfo(
        id=campaign.id,
        title=campaign.title,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        cancelled=campaign.status == "cancelled",
        payment_timeout_seconds=campaign.payment_timeout_seconds,
        free_shipping=campaign.free_shipping,
        items=[
            ItemInfo(
                sku_id=i.sku_id,
                product_id=i.product_id,
                title=i.title,
                spec_text=i.spec_text,
                image=i.image,
                original_price=i.original_price,
                flash_price=i.flash_price,
                stock=i.stock,
                per_shopper_limit=i.per_shopper_limit,
            )
            for i in items
        ],
    )


def _drop_pages(session: AsyncSession, campaign_id: int) -> None:
    invalidate_after_commit(session, LIST_NAMESPACE)
    invalidate_after_commit(session, CAMPAIGN_NAMESPACE, campaign_id)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


# -- console: campaigns ----------------------------------------------------------------------


def _check_window(starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    if starts_at <= now:
        raise InvalidCampaign("starts_at must be in the future")
    if ends_at <= starts_at:
        raise InvalidCampaign("ends_at must be after starts_at")
    if ends_at - starts_at > MAX_DURATION:
        raise InvalidCampaign("a flash sale lasts at most 7 days")


async def create_campaign(
    session: AsyncSession, body: CampaignCreate, *, actor: str
) -> CampaignAdmin:
    """Create a campaign and carve its units out of free stock (one inventory hold per SKU):
    409 ``inventory.insufficient`` when a SKU has fewer units available."""
    now = utcnow()
    _check_window(body.starts_at, body.ends_at, now=now)
    sku_ids = [item.sku_id for item in body.items]
    if len(set(sku_ids)) != len(sku_ids):
        raise InvalidCampaign("a SKU appears twice")
    snapshots = await catalog.get_sku_snapshots(session, sku_ids)
    items: list[CampaignItem] = []
    for position, line in enumerate(body.items):
        snapshot = snapshots.get(line.sku_id)
        if snapshot is None or not snapshot.is_purchasable:
            raise SkuUnavailable(f"SKU {line.sku_id} is not on sale", sku_id=line.sku_id)
        if line.flash_price > snapshot.price:
            raise InvalidCampaign(
                f"SKU {line.sku_id}: the flash price must not exceed the price ({snapshot.price})",
                sku_id=line.sku_id,
            )
        if line.per_shopper_limit > line.stock:
            raise InvalidCampaign(
                f"SKU {line.sku_id}: the per-shopper limit exceeds the stock", sku_id=line.sku_id
            )
        items.append(
            CampaignItem(
                position=position,
                sku_id=line.sku_id,
                product_id=snapshot.product_id,
                title=snapshot.product_title[:200],
                spec_text=snapshot.spec_text[:200],
                image=snapshot.image,
                original_price=snapshot.price,
                flash_price=line.flash_price,
                stock=line.stock,
                per_shopper_limit=line.per_shopper_limit,
            )
        )
    campaign = Campaign(
        title=body.title,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        status="scheduled",
        payment_timeout_seconds=body.payment_timeout_seconds,
        free_shipping=body.free_shipping,
        hold_expires_at=body.ends_at + HOLD_GRACE,
        created_by=actor[:64],
        created_at=now,
        updated_at=now,
    )
    await repo.add_campaign(session, campaign, items)
    for item in sorted(items, key=lambda i: i.sku_id):
        await inventory.reserve(
            session,
            ref=hold_ref(campaign.id, item.sku_id),
            lines=[(item.sku_id, item.stock)],
            expires_at=campaign.hold_expires_at,
        )
    await publish(
        session,
        ev.CAMPAIGN_CREATED,
        {
            "campaign_id": campaign.id,
            "title": campaign.title,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
            "items": [
                {
                    "sku_id": i.sku_id,
                    "stock": i.stock,
                    "flash_price": i.flash_price,
                    "per_shopper_limit": i.per_shopper_limit,
                }
                for i in items
            ],
        },
        key=str(campaign.id),
    )
    _drop_pages(session, campaign.id)
    return _admin(campaign, items, remaining=None, units={}, now=now)


def _apply_item_changes(body: CampaignUpdate, by_sku: Mapping[int, CampaignItem]) -> None:
    """Check every change first, then apply them all (nothing half-applied on a refusal)."""
    for change in body.items:
        item = by_sku.get(change.sku_id)
        if item is None:
            raise SkuNotInCampaign(sku_id=change.sku_id)
        if change.flash_price is not None and change.flash_price > item.original_price:
            raise InvalidCampaign(
                f"SKU {item.sku_id}: the flash price must not exceed the price "
                f"({item.original_price})",
                sku_id=item.sku_id,
            )
        if change.per_shopper_limit is not None and change.per_shopper_limit > item.stock:
            raise InvalidCampaign(
                f"SKU {item.sku_id}: the per-shopper limit exceeds the stock", sku_id=item.sku_id
            )
    for change in body.items:
        item = by_sku[change.sku_id]
        if change.flash_price is not None:
            item.flash_price = change.flash_price
        if change.per_shopper_limit is not None:
            item.per_shopper_limit = change.per_shopper_limit


async def update_campaign(
    ctx: AppContext, session: AsyncSession, campaign_id: int, body: CampaignUpdate
) -> CampaignAdmin:
    """Change title, window, payment timeout, shipping, prices and limits — until buy tokens open
    (``token_lead_seconds`` before the start). Units are fixed once carved: cancel and create
    another campaign to change them."""
    runtime = runtime_of(ctx)
    campaign = await repo.lock_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    now = utcnow()
    lead = timedelta(seconds=runtime.settings.token_lead_seconds)
    if campaign.status != "scheduled" or now >= campaign.starts_at - lead:
        raise CampaignLocked("a flash sale can be changed only until buy tokens open")
    items = (await repo.items_of(session, [campaign_id]))[campaign_id]
    starts_at = body.starts_at or campaign.starts_at
    ends_at = body.ends_at or campaign.ends_at
    if body.starts_at is not None or body.ends_at is not None:
        _check_window(starts_at, ends_at, now=now)
        if ends_at > campaign.hold_expires_at - timedelta(days=1):
            raise InvalidCampaign("the end moves too far: create another flash sale")
    _apply_item_changes(body, {item.sku_id: item for item in items})
    if body.title is not None:
        campaign.title = body.title
    campaign.starts_at, campaign.ends_at = starts_at, ends_at
    if body.payment_timeout_seconds is not None:
        campaign.payment_timeout_seconds = body.payment_timeout_seconds
    if body.free_shipping is not None:
        campaign.free_shipping = body.free_shipping
    campaign.updated_at = now
    await session.flush()
    _drop_pages(session, campaign.id)
    if campaign.warmed_at is not None:
        # Before the commit: if it fails, the warm-up job puts the stored version back.
        await _warm(runtime, session, campaign, items)
    return await _admin_of(runtime, session, campaign, items, now=now)


async def cancel_campaign(
    ctx: AppContext, session: AsyncSession, campaign_id: int, *, actor: str
) -> CampaignAdmin:
    """Stop a campaign that has not ended: sales stop at once; requests already accepted still
    become orders; the settle job then gives the unsold units back to free stock."""
    runtime = runtime_of(ctx)
    campaign = await repo.lock_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    now = utcnow()
    if campaign.status == "cancelled" or campaign.settled_at is not None:
        raise CampaignLocked("this flash sale is already over")
    if now >= campaign.ends_at:
        raise CampaignLocked("this flash sale has ended")
    campaign.status = "cancelled"
    campaign.updated_at = now
    await session.flush()
    _drop_pages(session, campaign.id)
    await publish(
        session,
        ev.CAMPAIGN_CANCELLED,
        {"campaign_id": campaign.id, "actor": actor},
        key=str(campaign.id),
    )
    items = (await repo.items_of(session, [campaign_id]))[campaign_id]
    if campaign.warmed_at is not None:
        # Closing early is the safe direction: if the commit fails, the warm-up reopens it.
        await runtime.store.close(campaign.id)
        await runtime.signal(f"campaign:{campaign.id}")
    return await _admin_of(runtime, session, campaign, items, now=now)


async def get_campaign_admin(
    ctx: AppContext, session: AsyncSession, campaign_id: int
) -> CampaignAdmin:
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    items = (await repo.items_of(session, [campaign_id]))[campaign_id]
    return await _admin_of(runtime_of(ctx), session, campaign, items, now=utcnow())


async def list_campaigns_admin(
    ctx: AppContext,
    session: AsyncSession,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CampaignAdmin], str | None]:
    """Newest first, by keyset cursor; ``status`` upcoming / live (sold out included) / ended /
    cancelled."""
    limit = max(1, min(limit, MAX_LIMIT))
    before_id = decode_id_cursor(cursor)
    now = utcnow()
    rows = await repo.list_campaigns(
        session, status=status, now=now, before_id=before_id, limit=limit + 1
    )
    page = rows[:limit]
    runtime = runtime_of(ctx)
    items = await repo.items_of(session, [c.id for c in page])
    units = await repo.units_by_status(session, [c.id for c in page])
    out = []
    for campaign in page:
        remaining = await _remaining_if_warm(runtime, campaign)
        out.append(_admin(campaign, items[campaign.id], remaining=remaining, units=units, now=now))
    return out, encode_id_cursor(page[-1].id) if len(rows) > limit else None


async def _remaining_if_warm(runtime: FlashRuntime, campaign: Campaign) -> dict[int, int] | None:
    if campaign.warmed_at is None or campaign.settled_at is not None:
        return None
    return await runtime.store.remaining(campaign.id) or None


async def _admin_of(
    runtime: FlashRuntime,
    session: AsyncSession,
    campaign: Campaign,
    items: Sequence[CampaignItem],
    *,
    now: datetime,
) -> CampaignAdmin:
    units = await repo.units_by_status(session, [campaign.id])
    remaining = await _remaining_if_warm(runtime, campaign)
    return _admin(campaign, items, remaining=remaining, units=units, now=now)


def _admin(
    campaign: Campaign,
    items: Sequence[CampaignItem],
    *,
    remaining: Mapping[int, int] | None,
    units: Mapping[tuple[int, int, str], int],
    now: datetime,
) -> CampaignAdmin:
    c = campaign.id
    return CampaignAdmin(
        id=c,
        title=campaign.title,
        status=campaign_status(campaign, now, remaining),
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        payment_timeout_seconds=campaign.payment_timeout_seconds,
        free_shipping=campaign.free_shipping,
        warmed_at=campaign.warmed_at,
        settled_at=campaign.settled_at,
        reconciled_at=campaign.reconciled_at,
        reconciliation=campaign.reconciliation,
        created_by=campaign.created_by,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        items=[
            ItemAdmin(
                sku_id=i.sku_id,
                product_id=i.product_id,
                title=i.title,
                spec_text=i.spec_text,
                image=i.image,
                original_price=i.original_price,
                flash_price=i.flash_price,
                stock=i.stock,
                per_shopper_limit=i.per_shopper_limit,
                remaining=None if remaining is None else remaining.get(i.sku_id),
                ordered=units.get((c, i.sku_id, "created"), 0),
                returned=units.get((c, i.sku_id, "returned"), 0),
                released=units.get((c, i.sku_id, "released"), 0),
                failed=units.get((c, i.sku_id, "failed"), 0),
            )
            for i in items
        ],
    )


# -- warm-up and settlement (jobs) -----------------------------------------------------------


async def _warm(
    runtime: FlashRuntime,
    session: AsyncSession,
    campaign: Campaign,
    items: Sequence[CampaignItem],
) -> bool:
    """Load or refresh the campaign in the store; True when it was not there (first warm-up,
    or Redis lost it: the counters and buyers are then rebuilt from the database). Edges are
    told when anything they keep changed."""
    store = runtime.store
    fresh = not await store.is_warm(campaign.id)
    bought: dict[str, int] = {}
    in_orders: dict[int, int] = defaultdict(int)
    if fresh:
        bought = await repo.bought_units(session, campaign.id)
        units = await repo.units_by_status(session, [campaign.id])
        for (_c, sku, status), n in units.items():
            if status in ("created", "released"):  # units that left the campaign
                in_orders[sku] += n
    info = campaign_info(campaign, items).model_dump_json().encode()
    changed = fresh or await store.info(campaign.id) != info
    await store.warm(
        campaign.id,
        starts_ms=_ms(campaign.starts_at),
        ends_ms=_ms(campaign.ends_at),
        is_open=campaign.status == "scheduled",
        info=info,
        items=[
            (i.sku_id, i.stock - in_orders.get(i.sku_id, 0), i.per_shopper_limit) for i in items
        ],
        bought=bought,
    )
    if changed:
        # Edges drop their copy of the campaign (window, prices, limits) at once.
        await runtime.signal(f"campaign:{campaign.id}")
    return fresh


async def warm_up(ctx: AppContext) -> list[int]:
    """Load campaigns starting within ``warm_lead_seconds`` into the store; refresh the ones
    already there (idempotent; rebuilds a campaign Redis lost). Returns the ids warmed now."""
    runtime = runtime_of(ctx)
    now = utcnow()
    until = now + timedelta(seconds=runtime.settings.warm_lead_seconds)
    warmed: list[int] = []
    async with unit_of_work(ctx.sessionmaker) as session:
        campaigns = await repo.campaigns_to_warm(session, now=now, until=until)
        items = await repo.items_of(session, [c.id for c in campaigns])
        for campaign in campaigns:
            if await _warm(runtime, session, campaign, items[campaign.id]):
                warmed.append(campaign.id)
            if campaign.warmed_at is None:
                campaign.warmed_at = now
    for campaign_id in warmed:
        log.info("flashsale.warmed", campaign_id=campaign_id)
    return warmed


async def settle(ctx: AppContext) -> list[int]:
    """Campaigns that ended (or were cancelled) and whose stream is drained: the unsold units go
    back to free stock, the live keys expire after ``retention_seconds``. Idempotent."""
    runtime = runtime_of(ctx)
    settings = runtime.settings
    now = utcnow()
    grace = timedelta(seconds=settings.settle_grace_seconds)
    async with read_session(ctx.sessionmaker) as session:
        due = await repo.campaigns_to_settle(session, now=now)
    settled: list[int] = []
    for candidate in due:
        if candidate.status == "scheduled" and now < candidate.ends_at + grace:
            continue
        if candidate.warmed_at is not None:
            backlog = await runtime.store.backlog(candidate.id)
            if backlog:
                log.info("flashsale.settle_waits", campaign_id=candidate.id, backlog=backlog)
                continue
        async with unit_of_work(ctx.sessionmaker) as session:
            campaign = await repo.lock_campaign(session, candidate.id)
            if campaign is None or campaign.settled_at is not None:
                continue
            items = (await repo.items_of(session, [campaign.id]))[campaign.id]
            units = await repo.units_by_status(session, [campaign.id])
            report = []
            for item in sorted(items, key=lambda i: i.sku_id):
                released = await inventory.release(
                    session, ref=hold_ref(campaign.id, item.sku_id), reason="flash sale over"
                )
                report.append(
                    {
                        "sku_id": item.sku_id,
                        "stock": item.stock,
                        "sold": units.get((campaign.id, item.sku_id, "created"), 0),
                        "released": released,
                    }
                )
            campaign.settled_at = now
            campaign.updated_at = now
            await publish(
                session,
                ev.CAMPAIGN_SETTLED,
                {"campaign_id": campaign.id, "items": report},
                key=str(campaign.id),
            )
        if candidate.warmed_at is not None:
            await runtime.store.close(candidate.id, expire_seconds=settings.retention_seconds)
            await runtime.signal(f"campaign:{candidate.id}")
        settled.append(candidate.id)
        log.info("flashsale.settled", campaign_id=candidate.id)
    return settled


# -- consumers: stream entries -> orders -----------------------------------------------------


@dataclass
class _Lookups:
    """What one consumer batch reads once: campaigns, their SKUs, catalog data, shipping."""

    campaigns: dict[int, tuple[Campaign, dict[int, CampaignItem]]] = field(default_factory=dict)
    skus: dict[int, catalog.SkuSnapshot | None] = field(default_factory=dict)
    rules: checkout.ShippingRules | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def item(
        self, session: AsyncSession, campaign_id: int, sku_id: int
    ) -> tuple[Campaign, CampaignItem]:
        async with self.lock:
            if campaign_id not in self.campaigns:
                campaign = await repo.get_campaign(session, campaign_id)
                if campaign is None:
                    raise CampaignNotFound()
                items = (await repo.items_of(session, [campaign_id]))[campaign_id]
                self.campaigns[campaign_id] = (campaign, {i.sku_id: i for i in items})
        campaign, by_sku = self.campaigns[campaign_id]
        item = by_sku.get(sku_id)
        if item is None:
            raise SkuNotInCampaign(sku_id=sku_id)
        return campaign, item

    async def sku(self, session: AsyncSession, sku_id: int) -> catalog.SkuSnapshot | None:
        async with self.lock:
            if sku_id not in self.skus:
                found = await catalog.get_sku_snapshots(session, [sku_id])
                self.skus[sku_id] = found.get(sku_id)
        return self.skus[sku_id]

    async def shipping(self, session: AsyncSession) -> checkout.ShippingRules:
        async with self.lock:
            if self.rules is None:
                self.rules = await checkout.get_shipping_rules(session)
        return self.rules


def request_hash(entry: StreamEntry, item: CampaignItem) -> str:
    """What a retry of this ticket must match (orders' idempotency check)."""
    text = f"flash|{entry.campaign_id}|{entry.sku_id}|{entry.member_id}|{entry.quantity}"
    return hashlib.sha256(f"{text}|{item.flash_price}".encode()).hexdigest()


async def _place_order(
    ctx: AppContext, session: AsyncSession, lookups: _Lookups, entry: StreamEntry
) -> str:
    campaign, item = await lookups.item(session, entry.campaign_id, entry.sku_id)
    snapshot = await lookups.sku(session, entry.sku_id)
    if snapshot is None or not snapshot.is_purchasable:
        raise SkuUnavailable(f"SKU {entry.sku_id} is no longer on sale")
    address = await members.get_default_address_snapshot(session, ctx.pii, entry.member_id)
    items_total = item.flash_price * entry.quantity
    shipping_fee = 0
    if not campaign.free_shipping:
        priced = checkout.price(
            [
                checkout.PricingLine(
                    entry.sku_id, item.flash_price, entry.quantity, snapshot.weight_grams
                )
            ],
            region_code=address.region_code,
            shipping=await lookups.shipping(session),
        )
        shipping_fee = priced.shipping_fee
    now = utcnow()
    order, _created = await orders.create_order(
        session,
        ctx.pii,
        member_id=entry.member_id,
        lines=[
            orders.OrderLineInput(
                sku_id=entry.sku_id,
                product_id=item.product_id,
                title=item.title,
                spec_text=item.spec_text,
                image=item.image,
                unit_price=item.flash_price,
                quantity=entry.quantity,
                discount=0,
            )
        ],
        items_total=items_total,
        shipping_fee=shipping_fee,
        discount_total=0,
        payable_total=items_total + shipping_fee,
        address=address,
        remark=None,
        idempotency_key=entry.ticket,
        request_hash=request_hash(entry, item),
        expires_at=now + timedelta(seconds=campaign.payment_timeout_seconds),
        source="flashsale",
        stock_source_ref=hold_ref(entry.campaign_id, entry.sku_id),
    )
    await repo.insert_ticket(session, _ticket_values(entry, "created", order.order_no, None, now))
    return order.order_no


def _ticket_values(
    entry: StreamEntry, status: str, order_no: str | None, reason: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "ticket": entry.ticket,
        "campaign_id": entry.campaign_id,
        "sku_id": entry.sku_id,
        "member_id": entry.member_id,
        "quantity": entry.quantity,
        "status": status,
        "order_no": order_no,
        "reason": reason,
        "entry_id": entry.entry_id,
        "queued_at": datetime.fromtimestamp(entry.queued_at_ms / 1000, tz=now.tzinfo),
        "synced_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _give_back_of(ticket: Ticket, entry_id: str | None) -> GiveBack:
    """A failed request gives the shopper's allowance back; a lapsed order does not (one
    account could otherwise keep units out of the sale by never paying)."""
    failed = ticket.status == "failed"
    return GiveBack(
        campaign_id=ticket.campaign_id,
        ticket=ticket.ticket,
        sku_id=ticket.sku_id,
        member_id=ticket.member_id,
        quantity=ticket.quantity,
        record=TicketRecord(
            "failed" if failed else "created",
            ticket.member_id,
            ticket.sku_id,
            ticket.quantity,
            order_no=ticket.order_no,
            reason=ticket.reason,
        ),
        restore_limit=failed,
        entry_id=entry_id,
    )


async def _hand_back(runtime: FlashRuntime, give: GiveBack) -> None:
    after = await runtime.store.give_back(give)
    if after is not None and after == give.quantity:
        # The SKU had run out: edges may sell again.
        await runtime.signal(f"restock:{give.campaign_id}:{give.sku_id}")


async def _finish_known(
    ctx: AppContext, runtime: FlashRuntime, ticket: Ticket, entry_id: str | None
) -> str:
    """The entry's ticket was handled before (a redelivery): make Redis agree, acknowledge."""
    if ticket.status == "failed" or (ticket.status == "returned" and ticket.synced_at is None):
        await _hand_back(runtime, _give_back_of(ticket, entry_id))
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.mark_synced(session, [ticket.ticket], now=utcnow())
        if ticket.status == "failed":
            return "failed"
    record = TicketRecord(
        "created", ticket.member_id, ticket.sku_id, ticket.quantity, order_no=ticket.order_no
    )
    await runtime.store.mark_created(ticket.campaign_id, ticket.ticket, record, entry_id)
    return "duplicate"


async def process_entry(
    ctx: AppContext, runtime: FlashRuntime, entry: StreamEntry, lookups: _Lookups
) -> str:
    """Turn one accepted request into an order (idempotent on the ticket): ``created``,
    ``failed`` (no order possible: units and allowance handed back) or ``duplicate`` (handled
    before). Unexpected errors propagate and leave the entry pending for a retry."""
    async with read_session(ctx.sessionmaker) as session:
        known = await repo.get_ticket(session, entry.ticket)
    if known is not None:
        return await _finish_known(ctx, runtime, known, entry.entry_id)
    try:
        async with unit_of_work(ctx.sessionmaker) as session:
            order_no = await _place_order(ctx, session, lookups, entry)
    except ShopletError as exc:
        return await _fail(ctx, runtime, entry, exc)
    record = TicketRecord(
        "created", entry.member_id, entry.sku_id, entry.quantity, order_no=order_no
    )
    await runtime.store.mark_created(entry.campaign_id, entry.ticket, record, entry.entry_id)
    return "created"


async def _fail(
    ctx: AppContext, runtime: FlashRuntime, entry: StreamEntry, error: ShopletError
) -> str:
    log.info(
        "flashsale.order_failed",
        ticket=entry.ticket,
        campaign_id=entry.campaign_id,
        member_id=entry.member_id,
        code=error.code,
    )
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as session:
        inserted = await repo.insert_ticket(
            session, _ticket_values(entry, "failed", None, error.code[:100], now)
        )
        ticket = await repo.get_ticket(session, entry.ticket)
    if ticket is None:
        raise RuntimeError(f"ticket {entry.ticket} vanished")
    if not inserted:
        return await _finish_known(ctx, runtime, ticket, entry.entry_id)
    await _hand_back(runtime, _give_back_of(ticket, entry.entry_id))
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.mark_synced(session, [ticket.ticket], now=utcnow())
    return "failed"


async def consume(ctx: AppContext, *, budget_seconds: float | None = None) -> Counter[str]:
    """One consumer run: own unacknowledged entries, entries dead consumers left pending,
    then new ones until the streams stay empty for ``consume_block_ms`` (or the budget is
    spent). Entries are handled concurrently (one at a time on SQLite)."""
    runtime = runtime_of(ctx)
    settings = runtime.settings
    store = runtime.store
    outcomes: Counter[str] = Counter()
    async with read_session(ctx.sessionmaker) as session:
        campaign_ids = await repo.live_campaign_ids(session)
    if not campaign_ids:
        return outcomes
    budget = settings.consume_budget_seconds if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    lookups = _Lookups()
    parallel = 1 if ctx.engine.dialect.name == "sqlite" else max(1, settings.consume_concurrency)
    gate = asyncio.Semaphore(parallel)

    async def handle(entry: StreamEntry) -> None:
        async with gate:
            try:
                outcomes[await process_entry(ctx, runtime, entry, lookups)] += 1
            except Exception:
                outcomes["error"] += 1
                log.exception("flashsale.entry_failed", ticket=entry.ticket)

    batch = await store.own_pending(campaign_ids, runtime.consumer, count=settings.consume_batch)
    batch += await store.claim_stale(
        campaign_ids, runtime.consumer, idle_ms=settings.claim_idle_ms, count=settings.consume_batch
    )
    # An own entry idle long enough comes back from both calls: handle it once.
    batch = list({entry.entry_id: entry for entry in batch}.values())
    while True:
        if batch:
            await asyncio.gather(*(handle(entry) for entry in batch))
        if time.monotonic() >= deadline:
            break
        batch = await store.read_entries(
            campaign_ids,
            runtime.consumer,
            count=settings.consume_batch,
            block_ms=settings.consume_block_ms,
        )
        if not batch:
            break
    if outcomes:
        log.info("flashsale.consumed", **outcomes)
    return outcomes


# -- hand-backs ------------------------------------------------------------------------------


async def handle_order_cancelled(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``order.cancelled`` of a flash order: orders already moved its units back to the hold;
    put them back on the live counter (once), and to free stock if the campaign is over."""
    ref = payload.get("stock_source_ref")
    order_no = payload.get("order_no")
    if payload.get("source") != "flashsale" or not isinstance(ref, str) or not order_no:
        return
    if parse_hold_ref(ref) is None:
        return
    ticket = await repo.get_ticket_by_order(session, str(order_no))
    if ticket is None:
        log.warning("flashsale.cancelled_order_unknown", order_no=order_no)
        return
    now = utcnow()
    # What orders actually moved back into the hold (nothing when the order's own hold had
    # expired into free stock first): only that may go back on the counter.
    back = payload.get("returned_to_source")
    units = (
        sum(
            int(r.get("quantity", 0))
            for r in back
            if isinstance(r, Mapping) and r.get("sku_id") == ticket.sku_id
        )
        if isinstance(back, list)
        else ticket.quantity
    )
    status = "returned" if units > 0 else "released"
    won = await repo.mark_cancelled(session, ticket.ticket, status=status, now=now)
    campaign = await repo.get_campaign(session, ticket.campaign_id)
    if campaign is not None and campaign.settled_at is not None:
        await inventory.release(session, ref=ref, reason="flash sale over")
    runtime = runtime_for(session)
    if won and status == "returned" and runtime is not None:
        # Redis first, then the synced mark in this same transaction: if the commit fails, the
        # retry finds the hand-back done (the returned-ticket guard) and only marks it.
        await _hand_back(runtime, _give_back_of(ticket, None))
        await repo.mark_synced(session, [ticket.ticket], now=now)


async def sync_hand_backs(ctx: AppContext, *, batch: int = 200) -> int:
    """Hand-backs the counter has not seen (a crash between the database and Redis): apply them
    (each once, by the returned-ticket guard). Returns how many were applied."""
    runtime = runtime_of(ctx)
    applied = 0
    while True:
        async with read_session(ctx.sessionmaker) as session:
            tickets = await repo.unsynced_tickets(session, limit=batch)
        for ticket in tickets:
            await _hand_back(runtime, _give_back_of(ticket, None))
        async with unit_of_work(ctx.sessionmaker) as session:
            await repo.mark_synced(session, [t.ticket for t in tickets], now=utcnow())
        applied += len(tickets)
        if len(tickets) < batch:
            return applied


# -- reconciliation --------------------------------------------------------------------------


@dataclass
class _Findings:
    repaired: list[dict[str, Any]] = field(default_factory=list)
    unexplained: list[dict[str, Any]] = field(default_factory=list)
    queued: Counter[int] = field(default_factory=Counter)


async def _check_tickets(
    ctx: AppContext,
    runtime: FlashRuntime,
    *,
    snapshot: ReconcileSnapshot,
    copies: Mapping[str, list[StreamEntry]],
    by_ticket: Mapping[str, Ticket],
    found: _Findings,
) -> None:
    """Every accepted request has a ticket row or is in flight; every hand-back the database
    knows of reached the counter; the counter handed back nothing for a live order."""
    delivered = entry_order(snapshot.last_delivered_id)
    for ticket_code, entries in copies.items():
        entry = entries[0]
        ticket = by_ticket.get(ticket_code)
        if ticket is None:
            found.queued[entry.sku_id] += entry.quantity
            if any(
                e.entry_id in snapshot.pending or entry_order(e.entry_id) > delivered
                for e in entries
            ):
                continue  # in flight: a consumer has it or will
            # Acknowledged, yet no ticket row: the request was dropped. Queue it again (the
            # consumer handles it once, by its ticket).
            await runtime.store.requeue(entry)
            found.repaired.append({"ticket": ticket_code, "action": "requeued"})
        elif ticket.status in ("failed", "returned") and ticket_code not in snapshot.returned:
            if ticket.synced_at is not None:
                found.unexplained.append({"ticket": ticket_code, "problem": "hand_back_lost"})
                continue
            await _hand_back(runtime, _give_back_of(ticket, None))
            async with unit_of_work(ctx.sessionmaker) as session:
                await repo.mark_synced(session, [ticket_code], now=utcnow())
            found.repaired.append({"ticket": ticket_code, "action": "handed_back"})
    for returned in sorted(snapshot.returned):
        row = by_ticket.get(returned)
        if row is None or row.status == "created":
            found.unexplained.append({"ticket": returned, "problem": "handed_back_while_ordered"})
    for code in by_ticket:
        if code not in copies:
            found.unexplained.append({"ticket": code, "problem": "ticket_without_request"})


def _check_counters(
    items: Sequence[CampaignItem],
    snapshot: ReconcileSnapshot,
    copies: Mapping[str, list[StreamEntry]],
    tickets: Sequence[Ticket],
    holds: Mapping[int, int],
    *,
    settled: bool,
    found: _Findings,
) -> list[dict[str, Any]]:
    """Per SKU: counter == stock - accepted + handed back (Redis, one atomic snapshot; the
    returned-ticket set, not the database, says what was handed back, so a hand-back racing
    this check is never miscounted), and hold == stock - units in live orders (database)."""
    rows = []
    for item in items:
        sku = item.sku_id
        entries = [e[0] for e in copies.values() if e[0].sku_id == sku]
        accepted = sum(e.quantity for e in entries)
        given_back = sum(e.quantity for e in entries if e.ticket in snapshot.returned)
        # Orders whose request is not in the stream (Redis lost it, and the warm-up rebuilt the
        # counter from the database): out of the counter while their order lives.
        only_in_db = sum(
            t.quantity
            for t in tickets
            if t.sku_id == sku and t.status in ("created", "released") and t.ticket not in copies
        )
        remaining = snapshot.remaining.get(sku)
        expected = item.stock - accepted + given_back - only_in_db
        in_orders = sum(t.quantity for t in tickets if t.sku_id == sku and t.status == "created")
        # Cancelled after their order's hold had expired into free stock: gone from the hold.
        released = sum(t.quantity for t in tickets if t.sku_id == sku and t.status == "released")
        row: dict[str, Any] = {
            "sku_id": sku,
            "stock": item.stock,
            "remaining": remaining,
            "expected_remaining": expected,
            "queued": found.queued[sku],
            "ordered": in_orders,
            "held": holds[sku],
        }
        if remaining is not None and remaining != expected:
            found.unexplained.append(
                {"sku_id": sku, "problem": "counter_mismatch", "diff": remaining - expected}
            )
        if not settled:
            drift = holds[sku] - (item.stock - in_orders - released)
            # Positive: orders cancelled whose event is not handled yet (it will be).
            row["awaiting_cancellations"] = max(drift, 0)
            if drift < 0:
                found.unexplained.append({"sku_id": sku, "problem": "hold_short", "diff": drift})
        rows.append(row)
    return rows


async def reconcile_campaign(ctx: AppContext, campaign_id: int) -> dict[str, Any]:
    """Compare the live counter, the stream and the database for one campaign; repair what is
    in flight (hand-backs Redis has not seen, requests acknowledged without a ticket row) and
    report what cannot be explained. The report is stored on the campaign."""
    runtime = runtime_of(ctx)
    # Redis first, then the database: a request acknowledged before the snapshot has its
    # ticket row committed before, so the database read below sees it.
    snapshot = await runtime.store.reconcile_snapshot(campaign_id)
    async with read_session(ctx.sessionmaker) as session:
        if session.get_bind().dialect.name == "postgresql":
            # One view of the database for all the reads below.
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        campaign = await repo.get_campaign(session, campaign_id)
        if campaign is None:
            raise CampaignNotFound()
        items = (await repo.items_of(session, [campaign_id]))[campaign_id]
        tickets = await repo.tickets_of(session, campaign_id)
        holds = {
            i.sku_id: await inventory.held_quantity(
                session, ref=hold_ref(campaign_id, i.sku_id), sku_id=i.sku_id
            )
            for i in items
        }
        settled = campaign.settled_at is not None
    copies: dict[str, list[StreamEntry]] = defaultdict(list)
    for entry in snapshot.entries:
        copies[entry.ticket].append(entry)
    found = _Findings()
    by_ticket = {t.ticket: t for t in tickets}
    await _check_tickets(
        ctx, runtime, snapshot=snapshot, copies=copies, by_ticket=by_ticket, found=found
    )
    rows = _check_counters(items, snapshot, copies, tickets, holds, settled=settled, found=found)
    now = utcnow()
    kinds = Counter(str(u["problem"]) for u in found.unexplained)
    report: dict[str, Any] = {
        "ran_at": now.isoformat(),
        "ok": not found.unexplained,
        "items": rows,
        "repaired": len(found.repaired),
        "repairs": found.repaired[:RECONCILE_SAMPLE],
        "unexplained": dict(kinds),
        "samples": found.unexplained[:RECONCILE_SAMPLE],
    }
    async with unit_of_work(ctx.sessionmaker) as session:
        stored = await repo.get_campaign(session, campaign_id)
        if stored is not None:
            stored.reconciliation = report
            stored.reconciled_at = now
    if found.unexplained:
        log.error("flashsale.unexplained", campaign_id=campaign_id, **kinds)
    elif found.repaired:
        log.info("flashsale.repaired", campaign_id=campaign_id, repaired=len(found.repaired))
    return report


async def reconcile(ctx: AppContext) -> dict[int, dict[str, Any]]:
    """Reconcile every warmed campaign not settled, or settled within the last hour."""
    async with read_session(ctx.sessionmaker) as session:
        ids = await repo.campaigns_to_reconcile(
            session, settled_after=utcnow() - timedelta(hours=1)
        )
    return {campaign_id: await reconcile_campaign(ctx, campaign_id) for campaign_id in ids}
