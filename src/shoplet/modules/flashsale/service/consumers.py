"""The consumers: a stream entry of a won ticket becomes an order, or the ticket fails and its unit
goes back.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.catalog import public as catalog
from shoplet.modules.checkout import public as checkout
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.errors import CampaignNotFound, SkuNotInCampaign, SkuUnavailable
from shoplet.modules.flashsale.models import Campaign, CampaignItem, Ticket
from shoplet.modules.flashsale.runtime import FlashRuntime, runtime_of
from shoplet.modules.flashsale.schemas import GiveBack, StreamEntry, TicketRecord
from shoplet.modules.members import public as members
from shoplet.modules.orders import public as orders

from ._common import hold_ref, log

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
    # Before any member-keyed write (the order, the ticket): an absorbed account's request
    # fails with 409 ``members.already_merged`` instead of leaving rows on its id.
    await members.hold_member(session, entry.member_id)
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
