"""Favourites: idempotent PUT/DELETE, state, keyset pages with the product as it is now."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.conftest import snapshot
from tests.modules.cart.conftest import (
    FAVORITES,
    favorite_rows,
    guest,
    member,
    product,
    set_price,
    set_status,
)


async def test_put_is_idempotent_and_get_reports_state(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    made = await product(ctx, (5900, 10))
    member_id, headers = await member(client)

    before = await client.get(f"{FAVORITES}/{made.id}", headers=headers)
    first = await client.put(f"{FAVORITES}/{made.id}", headers=headers)
    second = await client.put(f"{FAVORITES}/{made.id}", headers=headers)
    after = await client.get(f"{FAVORITES}/{made.id}", headers=headers)

    assert before.json() == {"product_id": made.id, "favorited": False}
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"product_id": made.id, "favorited": True}
    assert after.json() == {"product_id": made.id, "favorited": True}
    assert [(f.member_id, f.product_id) for f in await favorite_rows(ctx)] == [(member_id, made.id)]


async def test_delete_is_idempotent(client: httpx.AsyncClient, ctx: AppContext) -> None:
    made = await product(ctx, (5900, 10))
    _, headers = await member(client)
    await client.put(f"{FAVORITES}/{made.id}", headers=headers)

    first = await client.delete(f"{FAVORITES}/{made.id}", headers=headers)
    second = await client.delete(f"{FAVORITES}/{made.id}", headers=headers)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"product_id": made.id, "favorited": False}
    assert await favorite_rows(ctx) == []


@pytest.mark.parametrize("status", ["draft", "off_sale"])
async def test_unknown_or_hidden_product_is_404(
    client: httpx.AsyncClient, ctx: AppContext, status: str
) -> None:
    hidden = await product(ctx, (5900, 10), status=status)
    _, headers = await member(client)
    before = await snapshot(ctx)

    for product_id in (hidden.id, 424242):
        response = await client.put(f"{FAVORITES}/{product_id}", headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "cart.product_not_found"
    assert await snapshot(ctx) == before


async def test_a_favourite_outlives_its_product_going_off_sale(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    made = await product(ctx, (5900, 10))
    _, headers = await member(client)
    await client.put(f"{FAVORITES}/{made.id}", headers=headers)
    await set_status(ctx, made.id, "off_sale")

    again = await client.put(f"{FAVORITES}/{made.id}", headers=headers)
    listed = await client.get(FAVORITES, headers=headers)

    assert again.status_code == 200
    assert again.json() == {"product_id": made.id, "favorited": True}
    assert [(i["product_id"], i["is_available"]) for i in listed.json()["items"]] == [
        (made.id, False)
    ]
    assert len(await favorite_rows(ctx)) == 1


async def test_favorites_need_a_member(client: httpx.AsyncClient, ctx: AppContext) -> None:
    made = await product(ctx, (5900, 10))
    before = await snapshot(ctx)

    responses = [
        await client.get(FAVORITES, headers=guest()),
        await client.get(f"{FAVORITES}/{made.id}"),
        await client.put(f"{FAVORITES}/{made.id}", headers=guest()),
        await client.delete(f"{FAVORITES}/{made.id}"),
    ]

    for response in responses:
        assert response.status_code == 401
        assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    ("url", "code"),
    [
        (f"{FAVORITES}/0", "request.invalid"),
        (f"{FAVORITES}/{2**63}", "request.invalid"),
        (f"{FAVORITES}/abc", "request.invalid"),
    ],
)
async def test_bad_product_ids_are_422(
    client: httpx.AsyncClient, ctx: AppContext, url: str, code: str
) -> None:
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.put(url, headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert await snapshot(ctx) == before


async def _walk(client: httpx.AsyncClient, headers: dict[str, str], limit: int) -> list[Any]:
    pages: list[Any] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(FAVORITES, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["product_id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_list_is_newest_first_in_keyset_pages_with_live_products(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    made = [await product(ctx, (1000 * (i + 1), 5), title=f"商品{i}") for i in range(5)]
    _, alice = await member(client, "alice")
    _, bob = await member(client, "bob")
    for p in made:
        await client.put(f"{FAVORITES}/{p.id}", headers=alice)
    await client.put(f"{FAVORITES}/{made[0].id}", headers=bob)
    await set_price(ctx, made[4].id, {made[4].skus[0].id: 4500})
    await set_status(ctx, made[3].id, "off_sale")

    pages = await _walk(client, alice, limit=2)
    first = (await client.get(FAVORITES, params={"limit": 2}, headers=alice)).json()

    ids = [p.id for p in reversed(made)]
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    newest, withdrawn = first["items"]
    assert newest == {
        "product_id": made[4].id,
        "favorited_at": newest["favorited_at"],
        "title": "商品4",
        "image": made[4].images[0],
        "price": 4500,
        "original_price": 5000,
        "is_available": True,
        "price_at_favorite": 5000,  # 收藏 shows 降 ¥5.00
        "price_drop": 500,
    }
    assert (withdrawn["product_id"], withdrawn["is_available"]) == (made[3].id, False)
    assert await _walk(client, bob, limit=10) == [[made[0].id]]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"cursor": "not-a-cursor"}, 400, "pagination.invalid_cursor"),
        ({"cursor": "WyJ4Il0"}, 400, "pagination.invalid_cursor"),  # ["x"]
        ({"cursor": "WzBd"}, 400, "pagination.invalid_cursor"),  # [0]
        ({"limit": 0}, 422, "request.invalid"),
        ({"limit": 21}, 422, "request.invalid"),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, ctx: AppContext, params: dict[str, Any], status: int, code: str
) -> None:
    _, headers = await member(client)

    response = await client.get(FAVORITES, params=params, headers=headers)

    assert response.status_code == status
    assert response.json()["code"] == code
