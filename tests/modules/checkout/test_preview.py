"""POST /checkout/preview: what an order would cost, with warnings; it never writes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.modules.catalog import public as catalog
from tests.conftest import snapshot
from tests.modules.orders.factories import (
    ADDRESS_SHOWN,
    PREVIEW,
    Shopper,
    add_to_cart,
    product,
    shopper,
)


async def preview(client: httpx.AsyncClient, who: Shopper, **body: Any) -> dict[str, Any]:
    response = await client.post(PREVIEW, json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-store"
    result: dict[str, Any] = response.json()
    return result


async def test_the_cart_selection_is_priced_with_warnings(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product_id, [small, medium, large] = await product(ctx, (5900, 10), (6900, 1), (7900, 5))
    alice = await shopper(client)
    await add_to_cart(client, alice, small, 2)
    await add_to_cart(client, alice, medium, 1)
    await add_to_cart(client, alice, large, 1)
    async with unit_of_work(ctx.sessionmaker) as s:
        await catalog.update_product(
            s,
            product_id,
            catalog.ProductUpdate(
                skus=[
                    catalog.SkuUpdate(
                        id=k.id,
                        specs=[catalog.SpecValue(name=p.name, value=p.value) for p in k.specs],
                        price=k.price,
                        original_price=k.original_price,
                        barcode=k.barcode,
                        weight_grams=k.weight_grams,
                        image=k.image,
                        is_active=k.id != large,
                    )
                    for k in (await catalog.get_product_admin(s, product_id)).skus
                ]
            ),
            actor="test",
        )
    # Someone else holds the only M.
    bob = await shopper(client, "bob")
    response = await client.post(
        "/api/v1/orders",
        json={"address_id": bob.address_id, "items": [{"sku_id": medium, "quantity": 1}]},
        headers={**bob.headers, "Idempotency-Key": "bob-order-0001"},
    )
    assert response.status_code == 201
    before = await snapshot(ctx)

    body = await preview(client, alice, address_id=alice.address_id)

    assert await snapshot(ctx) == before
    assert [
        (ln["sku_id"], ln["quantity"], ln["status"], ln["available"]) for ln in body["lines"]
    ] == [
        (small, 2, "ok", 10),
        (medium, 1, "insufficient", 0),
        (large, 1, "unavailable", 5),
    ]
    assert body["lines"][0] == {
        "sku_id": small,
        "product_id": product_id,
        "title": "纯棉圆领短袖T恤",
        "spec_text": "尺码:S",
        "image": "/media/products/0123456789abcdef0123.jpg",
        "unit_price": 5900,
        "list_price": None,
        "price_label": None,
        "quantity": 2,
        "line_total": 11800,
        "discount": 0,
        "payable": 11800,
        "available": 10,
        "status": "ok",
    }
    assert body["lines"][1]["line_total"] == 0
    assert (body["items_total"], body["shipping_fee"], body["payable_total"]) == (11800, 0, 11800)
    assert body["address"] == ADDRESS_SHOWN
    assert body["warnings"] == [
        {"sku_id": medium, "code": "inventory.insufficient", "message": "0 in stock, 1 wanted"},
        {
            "sku_id": large,
            "code": "checkout.sku_unavailable",
            "message": "This item is not on sale",
        },
    ]
    assert body["can_place_order"] is False


async def test_buy_now_items_without_an_address(client: httpx.AsyncClient, ctx: AppContext) -> None:
    _, [sku_id] = await product(ctx, (3900, 10))
    alice = await shopper(client)

    body = await preview(client, alice, items=[{"sku_id": sku_id, "quantity": 1}])

    assert (body["items_total"], body["shipping_fee"], body["payable_total"]) == (3900, 800, 4700)
    assert body["address"] is None
    assert body["warnings"] == []
    assert body["can_place_order"] is False  # no address yet


async def test_an_empty_cart_previews_empty(client: httpx.AsyncClient, ctx: AppContext) -> None:
    alice = await shopper(client)

    body = await preview(client, alice, address_id=alice.address_id)

    assert (body["lines"], body["payable_total"], body["can_place_order"]) == ([], 0, False)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"address_id": 999999}, 404, "members.address_not_found"),
        ({"items": [{"sku_id": 1, "quantity": 0}]}, 422, "request.invalid"),
        ({"items": [], "address_id": 1}, 422, "request.invalid"),
        ({"unknown": 1}, 422, "request.invalid"),
    ],
    ids=["foreign-address", "zero", "empty-items", "extra-field"],
)
async def test_bad_previews(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any], status: int, code: str
) -> None:
    alice = await shopper(client)
    before = await snapshot(ctx)

    response = await client.post(PREVIEW, json=body, headers=alice.headers)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert await snapshot(ctx) == before
