"""Races on PostgreSQL: twenty store clerks verify one pickup code at the same moment; exactly
one hands the goods over. SQLite serialises writers, so this runs on PostgreSQL only."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.orders.factories import get_order, one_sku, order_row, pay, shopper
from tests.modules.stores.factories import (
    CONSOLE,
    console,
    make_store,
    pickup,
    place_with,
    set_stock,
    store_order,
)
from tests.modules.stores.test_pickup_order_status import received_events

CLERKS = 20


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the races run on PostgreSQL")


async def test_twenty_concurrent_verifies_hand_over_once(
    backend_db: BackendDb, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    boss = await console(client, ctx, "boss")
    sku = await one_sku(ctx, stock=5)
    store_id = await make_store(client, boss)
    await set_stock(client, boss, store_id, sku, 1)
    alice = await shopper(client)
    placed = await place_with(client, alice, [(sku, 1)], pickup(store_id))
    order_no = placed.json()["order_no"]
    await pay(client, ctx, alice, order_no)
    code = (await store_order(ctx, order_no)).code
    start = asyncio.Event()

    async with app_with_pool(backend_db, ctx, CLERKS) as app:
        transport = httpx.ASGITransport(app=app)

        async def verify() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                await start.wait()
                return await c.post(
                    f"{CONSOLE}/stores/{store_id}/pickups/verify",
                    json={"code": code},
                    headers=boss.headers,
                )

        tasks = [asyncio.create_task(verify()) for _ in range(CLERKS)]
        start.set()
        responses = await asyncio.gather(*tasks)

    outcomes = Counter(
        (r.status_code, None if r.status_code == 200 else r.json()["code"]) for r in responses
    )
    assert outcomes[(200, None)] == 1, outcomes
    # The losers read the code before or after the winner's commit: already picked up, or no
    # longer awaited. Nothing else.
    assert set(outcomes) <= {
        (200, None),
        (409, "stores.already_picked_up"),
        (404, "stores.code_invalid"),
    }
    row = await store_order(ctx, order_no)
    assert (row.status, row.picked_up_by) == ("picked_up", boss.staff_id)
    # The order was received exactly once: one timeline row, one order.received.
    assert (await order_row(ctx, order_no)).status == "received"
    detail = await get_order(client, alice, order_no)
    assert [t["to_status"] for t in detail["timeline"]].count("received") == 1
    assert await received_events(ctx, order_no) == 1
