"""Reconciliation: Redis counters, stream entries and database orders compared; in-flight
differences repaired, the rest reported."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.config import FlashSaleSettings
from shoplet.modules.flashsale.models import Campaign
from shoplet.modules.flashsale.runtime import runtime_of
from shoplet.modules.flashsale.schemas import GiveBack, TicketRecord
from shoplet.modules.flashsale.service import _ticket_values, reconcile_campaign
from shoplet.modules.orders.models import Order
from tests.conftest import clear_redis_namespace
from tests.modules.flashsale.conftest import (
    Sku,
    buy,
    buy_token,
    consume,
    flash_orders,
    go_live,
    held,
    make_campaign,
    make_sku,
    remaining,
    shopper,
    tickets,
)


async def sale_with_one_request(client: httpx.AsyncClient, ctx: AppContext) -> tuple[Sku, int, str]:
    sku = await make_sku(ctx, price=19900, stock=50)
    campaign_id = await make_campaign(ctx, [sku], stock=4, limit=1)
    await go_live(ctx, campaign_id)
    alice = await shopper(client, "alice")
    response = await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    assert response.status_code == 202
    return sku, campaign_id, response.json()["ticket"]


async def test_a_clean_sale_reconciles(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, _ticket = await sale_with_one_request(client, ctx)
    await consume(ctx)
    await run_job(ctx, "flashsale.reconcile")
    async with ctx.sessionmaker() as s:
        campaign = await s.get(Campaign, campaign_id)
    assert campaign is not None
    report = campaign.reconciliation
    assert report is not None
    assert (report["ok"], report["repaired"], report["unexplained"], report["samples"]) == (
        True,
        0,
        {},
        [],
    )
    assert report["items"] == [
        {
            "sku_id": sku.sku_id,
            "stock": 4,
            "remaining": 3,
            "expected_remaining": 3,
            "queued": 0,
            "ordered": 1,
            "held": 3,
            "awaiting_cancellations": 0,
        }
    ]


async def test_a_hand_back_lost_in_a_crash_is_repaired_once(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, ticket = await sale_with_one_request(client, ctx)
    store = runtime_of(ctx).store
    # A consumer read the entry, recorded the failure in the database, and died before Redis.
    [entry] = await store.read_entries([campaign_id], "crashed", count=10, block_ms=0)
    async with unit_of_work(ctx.sessionmaker) as s:
        values = _ticket_values(entry, "failed", None, "members.address_not_found", utcnow())
        assert await repo.insert_ticket(s, values)
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 3}
    report = await reconcile_campaign(ctx, campaign_id)
    assert (report["ok"], report["repaired"]) == (True, 1)
    assert report["repairs"] == [{"ticket": ticket, "action": "handed_back"}]
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 4}
    # The dead consumer's entry is claimed later: it finds the ticket and only acknowledges.
    await asyncio.sleep(0.35)
    await consume(ctx)
    assert await store.backlog(campaign_id) == 0
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 4}
    again = await reconcile_campaign(ctx, campaign_id)
    assert (again["ok"], again["repaired"]) == (True, 0)
    assert await flash_orders(ctx) == []


async def test_a_dropped_request_is_queued_again(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, ticket = await sale_with_one_request(client, ctx)
    store = runtime_of(ctx).store
    [entry] = await store.read_entries([campaign_id], "buggy", count=10, block_ms=0)
    # Acknowledged with no ticket row and no order: the request would be lost.
    await store.mark_created(
        campaign_id, ticket, TicketRecord("queued", 1, sku.sku_id, 1), entry.entry_id
    )
    assert await store.backlog(campaign_id) == 0
    report = await reconcile_campaign(ctx, campaign_id)
    assert report["repairs"] == [{"ticket": ticket, "action": "requeued"}]
    assert report["ok"] is True
    await consume(ctx)
    [order] = await flash_orders(ctx)
    assert order.idempotency_key == ticket
    # The ticket appears twice in the stream now; it counts once.
    after = await reconcile_campaign(ctx, campaign_id)
    assert (after["ok"], after["repaired"]) == (True, 0)
    assert after["items"][0]["remaining"] == after["items"][0]["expected_remaining"] == 3


async def test_unexplained_differences_are_reported(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, _ticket = await sale_with_one_request(client, ctx)
    await consume(ctx)
    # Someone put a unit back on the counter for a ticket that never existed.
    bogus = GiveBack(
        campaign_id, f"{campaign_id}-{'f' * 24}", sku.sku_id, 999, 1,
        TicketRecord("failed", 999, sku.sku_id, 1), restore_limit=True,
    )  # fmt: skip
    await runtime_of(ctx).store.give_back(bogus)
    report = await reconcile_campaign(ctx, campaign_id)
    assert report["ok"] is False
    assert report["unexplained"] == {"handed_back_while_ordered": 1, "counter_mismatch": 1}
    assert {"sku_id": sku.sku_id, "problem": "counter_mismatch", "diff": 1} in report["samples"]
    assert report["repaired"] == 0


async def test_cancellations_in_flight_are_explained(
    client: httpx.AsyncClient, ctx: AppContext, flash: FlashSaleSettings
) -> None:
    sku, campaign_id, _ticket = await sale_with_one_request(client, ctx)
    await consume(ctx)
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Order).values(expires_at=utcnow() - timedelta(seconds=1)))
    await run_job(ctx, "orders.cancel_expired")
    report = await reconcile_campaign(ctx, campaign_id)
    assert report["ok"] is True
    assert report["items"][0]["awaiting_cancellations"] == 1
    await drain_outbox(ctx)
    report = await reconcile_campaign(ctx, campaign_id)
    assert (report["ok"], report["items"][0]["awaiting_cancellations"]) == (True, 0)
    assert report["items"][0]["remaining"] == 4
    assert await held(ctx, campaign_id, sku) == 4


async def test_redis_lost_is_rebuilt_from_the_database_and_reported(
    client: httpx.AsyncClient, ctx: AppContext, backend: str, flash: FlashSaleSettings
) -> None:
    if backend != "postgres":
        pytest.skip("needs Redis to lose")
    sku, campaign_id, _ticket = await sale_with_one_request(client, ctx)
    await consume(ctx)
    bob = await shopper(client, "bob")
    queued = await buy(client, bob, campaign_id, sku, buy_token(ctx, campaign_id, bob.id))
    assert queued.status_code == 202
    assert ctx.redis is not None
    await clear_redis_namespace(ctx.redis, ctx.settings.redis_prefix)
    await run_job(ctx, "flashsale.warm_up")
    # Counters and buyers come back from the orders; Bob's request was lost with the stream.
    assert await remaining(ctx, campaign_id) == {sku.sku_id: 3}
    [alice_again] = await tickets(ctx)
    runtime = runtime_of(ctx)
    retry = await runtime.store.buy(
        campaign_id=campaign_id, sku_id=sku.sku_id, member_id=alice_again.member_id,
        quantity=1, ticket=f"{campaign_id}-{'a' * 24}", ip="203.0.113.1",
        per_member=10, per_ip=10, window_ms=1000,
    )  # fmt: skip
    assert retry.outcome == "limit_reached"
    report = await reconcile_campaign(ctx, campaign_id)
    assert report["ok"] is False
    assert report["unexplained"] == {"ticket_without_request": 1}
