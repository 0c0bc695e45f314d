"""直播价 at checkout on both databases: a buy from the room (``activity: live``) is previewed
and ordered at the session's live price, its line records ``live:<session>`` and the paid
order counts for that session (without the shopper having joined the room); the refusals
(session ended, not started, product unpinned or without a live price, a banned shopper, an
unknown activity) carry their codes and write nothing, no order and no stock held."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.orders.models import OrderLine
from tests.conftest import snapshot
from tests.modules.live.factories import console_url, live, scheduled
from tests.modules.orders.factories import (
    ORDERS,
    PREVIEW,
    Shopper,
    level,
    new_key,
    order_row,
    pay,
    product,
    shopper,
)

WATCHED = (
    "orders_order",
    "orders_line",
    "orders_event",
    "inventory_stock",
    "inventory_reservation",
    "live_session",
    "live_shelf_item",
    "live_sale",
)


def _body(who: Shopper, sku_id: int, sid: int, quantity: int = 1, **kw: Any) -> dict[str, Any]:
    return {
        "address_id": who.address_id,
        "items": [{"sku_id": sku_id, "quantity": quantity}],
        "activity": {"kind": "live", "id": sid},
        **kw,
    }


async def _order(client: httpx.AsyncClient, who: Shopper, body: dict[str, Any]) -> httpx.Response:
    return await client.post(
        ORDERS, json=body, headers={**who.headers, "Idempotency-Key": new_key()}
    )


async def test_a_buy_from_the_room_is_charged_the_live_price(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    product_id, [sku_id] = await product(ctx, (5900, 10))
    made = await live(client, operator, [{"product_id": product_id, "live_price": 3900}])
    sid = made["id"]

    preview = await client.post(
        PREVIEW, json=_body(alice, sku_id, sid, quantity=2), headers=alice.headers
    )
    assert preview.status_code == 200, preview.text
    [line] = preview.json()["lines"]
    assert (line["unit_price"], line["list_price"], line["price_label"]) == (3900, 5900, "直播价")
    assert (line["line_total"], preview.json()["items_total"]) == (7800, 7800)
    plain = await client.post(
        PREVIEW,
        json={"address_id": alice.address_id, "items": [{"sku_id": sku_id, "quantity": 2}]},
        headers=alice.headers,
    )
    assert plain.json()["lines"][0]["unit_price"] == 5900
    assert plain.json()["lines"][0]["list_price"] is None

    response = await _order(client, alice, _body(alice, sku_id, sid, quantity=2))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["items_total"] == 7800
    assert [(ln["unit_price"], ln["quantity"]) for ln in order["lines"]] == [(3900, 2)]
    assert (await order_row(ctx, order["order_no"])).source == "live"
    async with ctx.sessionmaker() as s:
        sources = list(await s.scalars(select(OrderLine.price_source)))
    assert sources == [f"live:{sid}"]
    assert await level(ctx, sku_id) == (10, 2)

    # Paid: the session counts it, though alice never opened the room's socket.
    await pay(client, ctx, alice, order["order_no"])
    await drain_outbox(ctx)
    metrics = (await client.get(console_url(sid, "metrics"), headers=operator)).json()
    assert (metrics["sales_count"], metrics["sales_amount"]) == (1, order["payable_total"])


async def test_the_live_price_is_refused_once_the_session_ends(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    product_id, [sku_id] = await product(ctx, (5900, 10))
    sid = (await live(client, operator, [{"product_id": product_id, "live_price": 3900}]))["id"]
    ended = await client.post(console_url(sid, "end"), headers=operator)
    assert ended.status_code == 200, ended.text

    before = await snapshot(ctx, *WATCHED)
    for url in (PREVIEW, ORDERS):
        response = await client.post(
            url,
            json=_body(alice, sku_id, sid),
            headers={**alice.headers, "Idempotency-Key": new_key()},
        )
        assert response.status_code == 409, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "live.session_ended"
    assert await snapshot(ctx, *WATCHED) == before
    assert await level(ctx, sku_id) == (10, 0)


async def test_refusals_write_nothing(
    client: httpx.AsyncClient, ctx: AppContext, operator: dict[str, str]
) -> None:
    alice = await shopper(client, "alice")
    pinned_id, [pinned] = await product(ctx, (5900, 10))
    plain_id, [plain] = await product(ctx, (1900, 10), title="羊毛围巾")
    _, [stranger] = await product(ctx, (990, 10), title="帆布袋")
    shelf = [{"product_id": pinned_id, "live_price": 3900}, {"product_id": plain_id}]
    sid = (await live(client, operator, shelf))["id"]
    upcoming = await scheduled(client, operator)
    await client.put(
        console_url(upcoming["id"], "shelf"),
        json={"items": [{"product_id": pinned_id, "live_price": 3900}]},
        headers=operator,
    )

    before = await snapshot(ctx, *WATCHED)
    cases: list[tuple[dict[str, Any], int, str]] = [
        (_body(alice, plain, sid), 409, "live.product_not_on_sale"),  # no live price
        (_body(alice, stranger, sid), 409, "live.product_not_on_sale"),  # not on the shelf
        (_body(alice, pinned, upcoming["id"]), 409, "live.not_live"),
        (_body(alice, pinned, 10**12), 404, "live.session_not_found"),
        (
            {**_body(alice, pinned, sid), "activity": {"kind": "nope", "id": sid}},
            400,
            "checkout.activity_unknown",
        ),
    ]
    for body, status, code in cases:
        response = await _order(client, alice, body)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    cart_order = {"address_id": alice.address_id, "activity": {"kind": "live", "id": sid}}
    assert (await _order(client, alice, cart_order)).status_code == 422
    assert await snapshot(ctx, *WATCHED) == before

    # Unpinned after the preview: the order is refused.
    await client.put(console_url(sid, "shelf"), json={"items": []}, headers=operator)
    before = await snapshot(ctx, *WATCHED)
    response = await _order(client, alice, _body(alice, pinned, sid))
    assert (response.status_code, response.json()["code"]) == (409, "live.product_not_on_sale")
    assert await snapshot(ctx, *WATCHED) == before

    banned = await client.post(
        console_url(sid, "restrictions"),
        json={"member_id": alice.member_id, "kind": "ban"},
        headers=operator,
    )
    assert banned.status_code in {200, 201}, banned.text
    await client.put(
        console_url(sid, "shelf"),
        json={"items": [{"product_id": pinned_id, "live_price": 3900}]},
        headers=operator,
    )
    before = await snapshot(ctx, *WATCHED)
    response = await _order(client, alice, _body(alice, pinned, sid))
    assert (response.status_code, response.json()["code"]) == (403, "live.banned")
    assert await snapshot(ctx, *WATCHED) == before
    assert await level(ctx, pinned) == (10, 0)
