"""After login the guest cart joins the member's: summed, capped, emptied, idempotent."""

from __future__ import annotations

from datetime import timedelta

import httpx

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.cart.models import CartLine
from shoplet.modules.cart.service import hash_guest_token
from tests.conftest import snapshot
from tests.modules.cart.conftest import (
    GUEST_TOKEN,
    MERGE,
    OTHER_GUEST_TOKEN,
    add,
    cart_rows,
    get_cart,
    guest,
    member,
    product,
)


async def test_merge_sums_overlaps_adds_new_lines_and_empties_the_guest_cart(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    shirt = await product(ctx, (5900, 200), (6900, 200), (7900, 200))
    both, only_guest, only_member = (s.id for s in shirt.skus)
    member_id, headers = await member(client)
    await add(client, headers, both, 2)
    await add(client, headers, only_member, 1)
    await client.patch(f"/api/v1/cart/lines/{both}", json={"selected": False}, headers=headers)
    await add(client, guest(), both, 3)
    await add(client, guest(), only_guest, 4)
    await add(client, guest(OTHER_GUEST_TOKEN), only_guest, 1)

    response = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["merged"], body["dropped"]) == (2, 0)
    lines = {line["sku_id"]: (line["quantity"], line["selected"]) for line in body["cart"]["lines"]}
    # Selected when either side was: the guest just chose it.
    assert lines == {both: (5, True), only_guest: (4, True), only_member: (1, True)}
    assert (await get_cart(client, guest()))["lines"] == []
    rows = await cart_rows(ctx)
    got = [(r.member_id, r.guest_token_hash, r.sku_id, r.quantity) for r in rows]
    assert sorted(got, key=repr) == sorted(
        [
            (member_id, None, both, 5),
            (member_id, None, only_member, 1),
            (member_id, None, only_guest, 4),
            # Another guest's cart is untouched.
            (None, hash_guest_token(OTHER_GUEST_TOKEN), only_guest, 1),
        ],
        key=repr,
    )


async def test_merge_is_idempotent(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 200))
    sku_id = shirt.skus[0].id
    _, headers = await member(client)
    await add(client, guest(), sku_id, 3)

    first = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=headers)
    after_first = await snapshot(ctx)
    second = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=headers)

    assert (first.json()["merged"], second.json()["merged"]) == (1, 0)
    assert second.status_code == 200
    assert second.json()["cart"] == first.json()["cart"]
    assert await snapshot(ctx) == after_first


async def test_merge_caps_quantities_at_99(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 500))
    sku_id = shirt.skus[0].id
    _, headers = await member(client)
    await add(client, headers, sku_id, 70)
    await add(client, guest(), sku_id, 50)

    response = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=headers)

    assert [line["quantity"] for line in response.json()["cart"]["lines"]] == [99]


async def test_merge_keeps_the_member_price_at_add_on_overlaps(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    shirt = await product(ctx, (5900, 50))
    sku_id = shirt.skus[0].id
    member_id, headers = await member(client)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        s.add(
            CartLine(
                member_id=member_id,
                sku_id=sku_id,
                quantity=1,
                selected=True,
                price_at_add=4900,
                added_at=now - timedelta(days=3),
                updated_at=now - timedelta(days=3),
            )
        )
    await add(client, guest(), sku_id, 1)

    response = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=headers)

    (line,) = response.json()["cart"]["lines"]
    assert (line["quantity"], line["price_at_add"], line["price_change"]) == (2, 4900, 1000)


async def test_merge_into_a_nearly_full_cart_keeps_the_newest_guest_lines(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    member_id, headers = await member(client)
    now = utcnow()
    guest_hash = hash_guest_token(GUEST_TOKEN)
    async with unit_of_work(ctx.sessionmaker) as s:
        s.add_all(
            CartLine(
                member_id=member_id,
                sku_id=1000 + i,
                quantity=1,
                selected=True,
                price_at_add=100,
                added_at=now,
                updated_at=now,
            )
            for i in range(98)
        )
        # Guest: one line the member also has, and three new ones touched at different times.
        s.add_all(
            CartLine(
                guest_token_hash=guest_hash,
                sku_id=sku_id,
                quantity=2,
                selected=True,
                price_at_add=100,
                added_at=now - timedelta(hours=age),
                updated_at=now - timedelta(hours=age),
            )
            for sku_id, age in ((1000, 9), (2001, 3), (2002, 1), (2003, 2))
        )

    response = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=headers)

    body = response.json()
    assert (body["merged"], body["dropped"]) == (3, 1)
    skus = {line["sku_id"]: line["quantity"] for line in body["cart"]["lines"]}
    assert len(skus) == 100
    assert (skus[1000], skus[2002], skus[2003]) == (3, 2, 2)
    assert 2001 not in skus
    assert [r for r in await cart_rows(ctx) if r.guest_token_hash is not None] == []


async def test_merge_requires_a_member_and_a_well_formed_token(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    shirt = await product(ctx, (5900, 50))
    await add(client, guest(), shirt.skus[0].id, 1)
    _, headers = await member(client)
    before = await snapshot(ctx)

    as_guest = await client.post(MERGE, json={"guest_token": GUEST_TOKEN}, headers=guest())
    assert as_guest.status_code == 401
    assert as_guest.json()["code"] == "auth.unauthorized"
    for body in ({}, {"guest_token": "short"}, {"guest_token": 1234567890123456789}):
        response = await client.post(MERGE, json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before
