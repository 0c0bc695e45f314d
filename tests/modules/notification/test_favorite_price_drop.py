"""收藏's 降价提醒 on both databases: a favourite keeps the price it was saved at and shows how
much cheaper it is now; the toggle's state is the shopper's unspent price-drop credit for the
product (taken with the mini program's accept), turning it off leaves the credit unused (no
message when the price drops), and nothing of another shopper's changes."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.catalog.models import Product, Sku
from shoplet.modules.notification import tasks
from tests.conftest import snapshot
from tests.modules.notification.test_senders import accept, repriced, sends, set_up
from tests.modules.orders.factories import product, shopper

FAVORITES = "/api/v1/me/favorites"
REMINDERS = "/api/v1/me/price-drop-reminders"


async def reprice(ctx: AppContext, product_id: int, sku_id: int, price: int) -> None:
    """A SKU's new price, with the product's denormalised lowest price as catalog keeps it."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Sku).where(Sku.id == sku_id).values(price=price, original_price=max(price, 9900))
        )
        lowest = select(func.min(Sku.price)).where(Sku.product_id == product_id)
        await s.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(min_price=lowest.scalar_subquery())
        )
    async with unit_of_work(ctx.sessionmaker) as s:
        await tasks.on_product_changed(repriced(product_id), s)


async def test_a_favourite_shows_the_drop_since_it_was_saved(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client)
    product_id, [sku] = await product(ctx, (5900, 5), title="珐琅铸铁锅")
    assert (await client.put(f"{FAVORITES}/{product_id}", headers=alice.headers)).status_code == 200
    # Favouriting again keeps the first price.
    await reprice(ctx, product_id, sku, 6900)
    assert (await client.put(f"{FAVORITES}/{product_id}", headers=alice.headers)).status_code == 200
    await reprice(ctx, product_id, sku, 4900)
    (item,) = (await client.get(FAVORITES, headers=alice.headers)).json()["items"]
    assert (item["price_at_favorite"], item["price"], item["price_drop"]) == (5900, 4900, 1000)
    await reprice(ctx, product_id, sku, 6500)
    (item,) = (await client.get(FAVORITES, headers=alice.headers)).json()["items"]
    assert (item["price"], item["price_drop"]) == (6500, 0)


async def test_the_toggle_is_the_price_drop_credit_and_turning_it_off_spends_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice, bob = [await shopper(client, n) for n in ("alice", "bob")]
    product_id, [sku] = await product(ctx, (5900, 5), title="珐琅铸铁锅")
    other_id, _ = await product(ctx, (3900, 5), title="木质砧板")

    # No template: not offered.
    assert (await client.get(REMINDERS, headers=alice.headers)).json() == {
        "offered": False,
        "items": [],
    }
    [template_id] = await set_up(app, client, ctx, "price_drop")
    empty = (await client.get(REMINDERS, headers=alice.headers)).json()
    assert empty == {"offered": True, "items": []}

    # On: the mini program's accept with the product (a credit at its price now).
    await accept(app, client, ctx, alice, "alice", template_id=template_id, product_id=product_id)
    await accept(app, client, ctx, alice, "alice", template_id=template_id, product_id=other_id)
    await accept(app, client, ctx, bob, "bob", template_id=template_id, product_id=product_id)
    on = (await client.get(REMINDERS, headers=alice.headers)).json()
    assert on["items"] == [
        {"product_id": product_id, "price": 5900},
        {"product_id": other_id, "price": 3900},
    ]

    # Off: alice's credit for this product only.
    before_bob = await snapshot(ctx, "notification_send")
    off = await client.delete(f"{REMINDERS}/{product_id}", headers=alice.headers)
    assert off.status_code == 200, off.text
    assert off.json() == {"offered": True, "items": [{"product_id": other_id, "price": 3900}]}
    again = await client.delete(f"{REMINDERS}/{product_id}", headers=alice.headers)
    assert again.json() == off.json()  # idempotent
    assert await snapshot(ctx, "notification_send") == before_bob

    await reprice(ctx, product_id, sku, 4900)
    rows = await sends(ctx, "price_drop")
    assert [r.member_id for r in rows] == [bob.member_id]  # alice turned it off
    last = await client.delete(f"{REMINDERS}/{other_id}", headers=alice.headers)
    assert last.json() == {"offered": True, "items": []}
    unknown = await client.delete(f"{REMINDERS}/999999", headers=alice.headers)
    assert unknown.status_code == 200
    assert (await client.get(REMINDERS)).status_code == 401
