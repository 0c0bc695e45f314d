"""Campaigns in the console: creating, changing, cancelling and listing them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import public as catalog
from shoplet.modules.flashsale import events as ev
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.errors import (
    CampaignLocked,
    CampaignNotFound,
    InvalidCampaign,
    SkuNotInCampaign,
    SkuUnavailable,
)
from shoplet.modules.flashsale.models import Campaign, CampaignItem
from shoplet.modules.flashsale.runtime import FlashRuntime, runtime_of
from shoplet.modules.flashsale.schemas import (
    CampaignAdmin,
    CampaignCreate,
    CampaignUpdate,
    ItemAdmin,
)
from shoplet.modules.inventory import public as inventory
from shoplet.modules.promotions import public as promotions

from ._common import HOLD_GRACE, MAX_LIMIT, _drop_pages, campaign_status, hold_ref
from .lifecycle import _warm

MAX_DURATION = timedelta(days=7)


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


async def campaign_windows(
    session: AsyncSession, start: datetime, end: datetime
) -> list[promotions.CampaignWindow]:
    """The scheduled campaigns overlapping ``[start, end)``, as the windows promotions'
    overlay registry carries (registered at start-up, read by insights' charts)."""
    return [
        promotions.CampaignWindow(
            kind="flashsale", id=c.id, name=c.title, starts_at=c.starts_at, ends_at=c.ends_at
        )
        for c in await repo.campaigns_between(session, start=start, end=end)
    ]


async def live_product_ids(session: AsyncSession, *, now: datetime) -> set[int]:
    """Products in a flash sale running now (search's flash-sale filter and facet)."""
    return await repo.live_product_ids(session, now=now)
