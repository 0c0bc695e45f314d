"""加入购物车 from a live room, on both databases: the line remembers ``live:<session>`` and
the cart shows the 直播价 (with the catalogue price struck) while the session is live and the
shelf still sells the product; once 下播 or unpinned the cart shows the catalogue price with
直播已结束，已恢复原价, and a cart order takes each line at the price its source gives at that
moment (a line still live at 直播价, recorded ``live:<session>``; an ended one at the catalogue
price). Refusals (unknown session, not live, product not on the shelf, banned, a guest, an
unknown source) carry their codes and leave the cart unchanged."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.modules.cart.models import CartLine
from shoplet.modules.orders.models import OrderLine
from tests.conftest import snapshot
from tests.modules.live.factories import console_url, live, scheduled
from tests.modules.orders.factories import (
    CART_LINES,
    ORDERS,
    PREVIEW,
    Shopper,
    add_to_cart,
    level,
    new_key,
    order_row,
    product,
    shopper,
)

CART = "/api/v1/cart"
NOTE = "直播已结束，已恢复原价"


async def add_live(
    client: httpx.AsyncClient, who: Shopper | None, sku_id: int, sid: int, quantity: int = 1
) -> httpx.Response:
    return await client.post(
        CART_LINES,
        json={"sku_id": sku_id, "quantity": quantity, "source": {"kind": "live", "id": sid}},
        headers=who.headers if who is not None else {"X-Cart-Token": "guest-token-0123456789"},
    )


async def cart_lines(client: httpx.AsyncClient, who: Shopper) -> dict[int, dict[str, Any]]:
    response = await client.get(CART, headers=who.headers)
    assert response.status_code == 200, response.text
    return {line["sku_id"]: line for line in response.json()["lines"]}


async def order_cart(client: httpx.AsyncClient, who: Shopper) -> httpx.Response:
    return await client.post(
        ORDERS,
        json={"address_id": who.address_id},
        headers={**who.headers, "Idempotency-Key": new_key()},
    )


async def order_lines(ctx: AppContext, order_no: str) -> dict[int, tuple[int, str | None]]:
    order_id = (await order_row(ctx, order_no)).id
    async with ctx.sessionmaker() as s:
        rows = await s.scalars(select(OrderLine).where(OrderLine.order_id == order_id))
        return {r.sku_id: (r.unit_price, r.price_source) for r in rows}


async def test_a_cart_line_at_the_live_price_until_the_session_ends(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    product_id, [sku_id] = await product(ctx, (5900, 10))
    plain_id, [plain_sku] = await product(ctx, (2000, 10), title="帆布袋")
    sid = (await live(client, operator, [{"product_id": product_id, "live_price": 3900}]))["id"]

    added = await add_live(client, alice, sku_id, sid, quantity=2)
    assert added.status_code == 200, added.text
    line = added.json()["line"]
    assert (line["price"], line["list_price"], line["price_label"]) == (3900, 5900, "直播价")
    assert (line["price_source"], line["price_note"], line["line_total"]) == (
        f"live:{sid}",
        None,
        7800,
    )
    await add_to_cart(client, alice, plain_sku)
    # Added again from the product page: the line keeps the session that priced it.
    await add_to_cart(client, alice, sku_id)
    lines = await cart_lines(client, alice)
    assert (lines[sku_id]["quantity"], lines[sku_id]["price"]) == (3, 3900)
    assert lines[sku_id]["price_label"] == "直播价"
    assert (lines[plain_sku]["price_label"], lines[plain_sku]["price_source"]) == (None, None)

    preview = await client.post(
        PREVIEW, json={"address_id": alice.address_id}, headers=alice.headers
    )
    assert preview.status_code == 200, preview.text
    shown = {ln["sku_id"]: ln for ln in preview.json()["lines"]}
    assert (shown[sku_id]["unit_price"], shown[sku_id]["list_price"]) == (3900, 5900)
    assert shown[sku_id]["price_label"] == "直播价"
    assert preview.json()["items_total"] == 3 * 3900 + 2000

    ended = await client.post(console_url(sid, "end"), headers=operator)
    assert ended.status_code == 200, ended.text
    lines = await cart_lines(client, alice)
    assert (lines[sku_id]["price"], lines[sku_id]["list_price"]) == (5900, None)
    assert (lines[sku_id]["price_label"], lines[sku_id]["price_note"]) == (None, NOTE)
    assert lines[sku_id]["price_changed"] is True

    response = await order_cart(client, alice)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["items_total"] == 3 * 5900 + 2000
    assert await order_lines(ctx, order["order_no"]) == {
        sku_id: (5900, None),
        plain_sku: (2000, None),
    }
    assert plain_id != product_id


async def test_a_cart_order_takes_the_live_price_while_the_session_is_live(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    pinned_id, [pinned] = await product(ctx, (5900, 10))
    other_id, [other] = await product(ctx, (4500, 10), title="卫衣")
    shelf = [
        {"product_id": pinned_id, "live_price": 3900},
        {"product_id": other_id, "live_price": 3000},
    ]
    sid = (await live(client, operator, shelf))["id"]
    assert (await add_live(client, alice, pinned, sid)).status_code == 200
    assert (await add_live(client, alice, other, sid)).status_code == 200
    # The second product leaves the shelf: its line falls back, the first keeps 直播价.
    unpinned = await client.put(
        console_url(sid, "shelf"), json={"items": shelf[:1]}, headers=operator
    )
    assert unpinned.status_code == 200, unpinned.text
    lines = await cart_lines(client, alice)
    assert (lines[pinned]["price"], lines[pinned]["price_label"]) == (3900, "直播价")
    assert (lines[other]["price"], lines[other]["price_note"]) == (4500, NOTE)

    response = await order_cart(client, alice)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["items_total"] == 3900 + 4500
    assert await order_lines(ctx, order["order_no"]) == {
        pinned: (3900, f"live:{sid}"),
        other: (4500, None),
    }
    assert await cart_lines(client, alice) == {}


async def test_refused_live_adds_leave_the_cart_unchanged(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    pinned_id, [pinned] = await product(ctx, (5900, 10))
    _, [unpinned] = await product(ctx, (4500, 10), title="卫衣")
    catalogue_id, [catalogue_priced] = await product(ctx, (3000, 10), title="袜子")
    sid = (
        await live(
            client,
            operator,
            [
                {"product_id": pinned_id, "live_price": 3900},
                {"product_id": catalogue_id, "live_price": None},
            ],
        )
    )["id"]
    upcoming = (await scheduled(client, operator))["id"]
    await add_to_cart(client, alice, unpinned)
    before = await snapshot(ctx, "cart_line")

    cases: list[tuple[Shopper | None, int, int, int, str]] = [
        (alice, pinned, 999_999, 404, "live.session_not_found"),
        (alice, pinned, upcoming, 409, "live.not_live"),
        (alice, unpinned, sid, 409, "live.product_not_on_sale"),
        (alice, catalogue_priced, sid, 409, "live.product_not_on_sale"),
        (None, pinned, sid, 401, "cart.member_required"),
    ]
    for who, sku_id, session_id, status, code in cases:
        response = await add_live(client, who, sku_id, session_id)
        assert (response.status_code, response.json()["code"]) == (status, code), code
        assert await snapshot(ctx, "cart_line") == before

    unknown = await client.post(
        CART_LINES,
        json={"sku_id": pinned, "source": {"kind": "lottery", "id": sid}},
        headers=alice.headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "cart.source_unknown")
    malformed = await client.post(
        CART_LINES,
        json={"sku_id": pinned, "source": {"kind": "live", "id": 0}},
        headers=alice.headers,
    )
    assert malformed.status_code == 422
    assert await snapshot(ctx, "cart_line") == before

    banned = await client.post(
        console_url(sid, "restrictions"),
        json={"member_id": alice.member_id, "kind": "ban"},
        headers=operator,
    )
    assert banned.status_code in {200, 201}, banned.text
    response = await add_live(client, alice, pinned, sid)
    assert (response.status_code, response.json()["code"]) == (403, "live.banned")
    assert await snapshot(ctx, "cart_line") == before

    ended = await client.post(console_url(sid, "end"), headers=operator)
    assert ended.status_code == 200
    response = await add_live(client, alice, pinned, sid)
    assert (response.status_code, response.json()["code"]) == (409, "live.session_ended")
    assert await snapshot(ctx, "cart_line") == before
    assert await level(ctx, pinned) == (10, 0)


async def test_a_shopper_banned_after_adding_pays_the_catalogue_price(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    product_id, [sku_id] = await product(ctx, (5900, 10))
    sid = (await live(client, operator, [{"product_id": product_id, "live_price": 3900}]))["id"]
    assert (await add_live(client, alice, sku_id, sid)).status_code == 200
    await client.post(
        console_url(sid, "restrictions"),
        json={"member_id": alice.member_id, "kind": "ban"},
        headers=operator,
    )
    lines = await cart_lines(client, alice)
    assert (lines[sku_id]["price"], lines[sku_id]["price_label"]) == (5900, None)
    response = await order_cart(client, alice)
    assert response.status_code == 201, response.text
    assert await order_lines(ctx, response.json()["order_no"]) == {sku_id: (5900, None)}
    async with ctx.sessionmaker() as s:
        assert (await s.scalars(select(CartLine))).all() == []
