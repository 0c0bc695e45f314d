"""The contract checkout codes against: selected items and removing ordered lines."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.cart import public as cart
from shoplet.modules.cart.models import CartLine
from shoplet.modules.cart.tasks import PURGE_GUEST_CARTS
from tests.modules.cart.conftest import OTHER_GUEST_TOKEN, add, cart_rows, guest, member, product


async def test_selected_items_and_remove_items(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10), (7900, 10))
    a, b, c = (s.id for s in shirt.skus)
    alice, alice_headers = await member(client, "alice")
    bob, bob_headers = await member(client, "bob")
    for sku_id, quantity in ((a, 1), (b, 2), (c, 3)):
        await add(client, alice_headers, sku_id, quantity)
    await add(client, bob_headers, a, 5)
    await client.patch(f"/api/v1/cart/lines/{b}", json={"selected": False}, headers=alice_headers)

    async with ctx.sessionmaker() as s:
        selected = await cart.selected_items(s, member_id=alice)
        nobody = await cart.selected_items(s, member_id=999_999)

    assert selected == [cart.CartItem(sku_id=c, quantity=3), cart.CartItem(sku_id=a, quantity=1)]
    assert nobody == []

    async with unit_of_work(ctx.sessionmaker) as s:
        await cart.remove_items(s, member_id=alice, sku_ids=[a, c, 424242])
        await cart.remove_items(s, member_id=alice, sku_ids=[])
    rows = await cart_rows(ctx)
    assert sorted((r.member_id, r.sku_id) for r in rows) == sorted([(alice, b), (bob, a)])


async def test_purge_removes_only_abandoned_guest_lines(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10))
    old, fresh = (s.id for s in shirt.skus)
    member_id, headers = await member(client)
    await add(client, guest(), old)
    await add(client, guest(OTHER_GUEST_TOKEN), fresh)
    await add(client, headers, old)
    long_ago = utcnow() - timedelta(days=31)
    async with unit_of_work(ctx.sessionmaker) as s:
        # The stale guest line and the member's line were both last touched a month ago.
        await s.execute(update(CartLine).where(CartLine.sku_id == old).values(updated_at=long_ago))

    await run_job(ctx, PURGE_GUEST_CARTS)
    await run_job(ctx, PURGE_GUEST_CARTS)

    rows = await cart_rows(ctx)
    assert sorted((r.member_id is not None, r.sku_id) for r in rows) == sorted(
        [(False, fresh), (True, old)]
    )
    assert member_id in {r.member_id for r in rows}
