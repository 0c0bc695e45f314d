"""The points mall through its API: the console's items (validation, status tabs, audit), and
exchanges of coupons and goods (points only, points + cash through the WeChat Pay simulator,
zero cash paid at once), limits, stock, insufficient points, off-sale items, idempotent
retries, cancellation giving back stock, limit and points; every refusal is a 4xx with its
code and leaves every table (the points ledger included) as it was."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import drain_outbox
from tests.conftest import snapshot
from tests.modules.loyalty.factories import assert_books_balance, balance, grant, kinds
from tests.modules.orders.factories import ORDERS, get_order, level, one_sku, pay, shopper
from tests.modules.pointsmall.factories import (
    ITEMS,
    MALL_TABLES,
    MY_EXCHANGES,
    SHOP_ITEMS,
    exchange,
    exchange_rows,
    item_row,
    make_item,
    new_request_id,
)
from tests.modules.promotions.factories import MY_COUPONS, make_template
from tests.modules.staff.conftest import audit_rows

LEDGER = ("loyalty_points_account", "loyalty_points_entry", "loyalty_points_consumption")
WATCHED = (*MALL_TABLES, *LEDGER, "promotions_coupon", "orders_order", "inventory_stock")


async def coupon_item(
    client: httpx.AsyncClient, staff: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    template = await make_template(client, staff, per_shopper_limit=10, is_claimable=False)
    return await make_item(client, staff, template_id=template["id"], **overrides)


async def my_coupons(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(MY_COUPONS, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# -- console ---------------------------------------------------------------------------------


async def test_the_console_creates_edits_lists_by_status_and_audits(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    draft = await coupon_item(client, staff, on_sale=False, sort=5)
    assert draft["status"] == "draft"
    assert draft["state"] == "off_sale"
    assert (draft["left"], draft["sold"]) == (10, 0)
    sku_id = await one_sku(ctx, price=5900, stock=5)
    goods = await make_item(
        client, staff, title="纯棉T恤", kind="product", sku_id=sku_id, cash_price=990
    )
    assert (goods["status"], goods["state"]) == ("on_sale", "on_sale")

    listed = await client.get(ITEMS, params={"status": "on_sale"}, headers=staff)
    assert [i["id"] for i in listed.json()["items"]] == [goods["id"]]
    everything = await client.get(ITEMS, headers=staff)
    assert [i["id"] for i in everything.json()["items"]] == [draft["id"], goods["id"]]  # sort

    edited = await client.put(
        f"{ITEMS}/{goods['id']}",
        json={
            "title": "纯棉T恤(积分)",
            "kind": "product",
            "sku_id": sku_id,
            "points_price": 800,
            "cash_price": 0,
            "stock": 3,
            "per_member_limit": 1,
            "limit_period": "month",
        },
        headers=staff,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["points_price"], edited.json()["limit_period"]) == (800, "month")
    assert [a.action for a in await audit_rows(ctx) if a.action.startswith("pointsmall.")] == [
        "pointsmall.item_create",
        "pointsmall.item_create",
        "pointsmall.item_status",
        "pointsmall.item_update",
    ]


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"cash_price": 100}, 400, "pointsmall.invalid_item"),  # coupons: points only
        ({"template_id": None}, 400, "pointsmall.invalid_item"),
        ({"template_id": 999999}, 404, "promotions.template_not_found"),
        (
            {"kind": "product", "template_id": None, "sku_id": 999999},
            400,
            "pointsmall.invalid_item",
        ),
        ({"points_price": 0}, 422, "request.invalid"),
        ({"stock": -1}, 422, "request.invalid"),
        ({"per_member_limit": 0}, 422, "request.invalid"),
        ({"points_price": "500"}, 422, "request.invalid"),
        ({"limit_period": "year"}, 422, "request.invalid"),
    ],
)
async def test_bad_items_are_refused_and_change_nothing(
    *,
    client: httpx.AsyncClient,
    ctx: AppContext,
    staff: dict[str, str],
    overrides: dict[str, Any],
    status: int,
    code: str,
) -> None:
    template = await make_template(client, staff)
    body = {
        "title": "券",
        "kind": "coupon",
        "template_id": template["id"],
        "points_price": 500,
        "stock": 10,
        **overrides,
    }
    before = await snapshot(ctx, *MALL_TABLES, "staff_audit_log")
    response = await client.post(ITEMS, json=body, headers=staff)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx, *MALL_TABLES, "staff_audit_log") == before


async def test_stock_cannot_go_below_what_was_exchanged(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    item = await coupon_item(client, staff)
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 5000)
    assert (await exchange(client, alice, item["id"], quantity=3)).status_code == 201
    body = {k: item[k] for k in ("title", "kind", "template_id", "points_price", "stock")}
    response = await client.put(f"{ITEMS}/{item['id']}", json={**body, "stock": 2}, headers=staff)
    assert response.status_code == 400
    assert response.json()["code"] == "pointsmall.invalid_item"
    assert (await item_row(ctx, item["id"])).stock == 10


# -- coupons ---------------------------------------------------------------------------------


async def test_a_coupon_exchange_spends_points_takes_stock_and_issues_the_coupon(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    item = await coupon_item(client, staff)
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 1200)

    shop = await client.get(SHOP_ITEMS)
    assert [(i["id"], i["points_price"], i["state"]) for i in shop.json()["items"]] == [
        (item["id"], 500, "on_sale")
    ]
    key = new_request_id()
    response = await exchange(client, alice, item["id"], quantity=2, request_id=key)
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["kind"], made["quantity"], made["points"], made["cash"], made["status"]) == (
        "coupon",
        2,
        1000,
        0,
        "issued",
    )
    assert await balance(ctx, alice.member_id) == 200
    assert (await kinds(ctx, alice.member_id))[-1] == ("spend", "mall", -1000)
    assert len(await my_coupons(client, alice.headers)) == 2
    assert (await item_row(ctx, item["id"])).sold == 2

    # A retry with the same request id: the first exchange, nothing more.
    before = await snapshot(ctx, *WATCHED)
    again = await exchange(client, alice, item["id"], quantity=2, request_id=key)
    assert again.status_code == 200
    assert again.json() == made
    assert await snapshot(ctx, *WATCHED) == before
    other = await exchange(client, alice, item["id"], quantity=1, request_id=key)
    assert (other.status_code, other.json()["code"]) == (409, "pointsmall.request_conflict")

    records = await client.get(MY_EXCHANGES, headers=alice.headers)
    assert [r["exchange_no"] for r in records.json()["items"]] == [made["exchange_no"]]
    await assert_books_balance(ctx)


async def rejected(
    client: httpx.AsyncClient,
    ctx: AppContext,
    response_of: Any,
    status: int,
    code: str,
) -> None:
    before = await snapshot(ctx, *WATCHED)
    response = await response_of()
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx, *WATCHED) == before


async def test_refusals_change_nothing_not_even_the_ledger(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    item = await coupon_item(client, staff, stock=3, per_member_limit=2)
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    await grant(ctx, alice.member_id, 10_000)
    await grant(ctx, bob.member_id, 700)

    # Insufficient points: 2 × 500 > 700.
    await rejected(
        client,
        ctx,
        lambda: exchange(client, bob, item["id"], quantity=2),
        409,
        "loyalty.insufficient_points",
    )
    # Over the per-shopper limit (2).
    assert (await exchange(client, alice, item["id"], quantity=2)).status_code == 201
    await rejected(
        client, ctx, lambda: exchange(client, alice, item["id"]), 409, "pointsmall.limit_reached"
    )
    # Out of stock: 1 left, 2 wanted.
    await rejected(
        client,
        ctx,
        lambda: exchange(client, bob, item["id"], quantity=2),
        409,
        "pointsmall.sold_out",
    )
    # Bad input.
    for body in (
        {"request_id": "short", "quantity": 1},
        {"request_id": new_request_id(), "quantity": 0},
        {"request_id": new_request_id(), "quantity": "1"},
        {"request_id": new_request_id(), "quantity": 1, "extra": True},
    ):
        await rejected(
            client,
            ctx,
            lambda body=body: client.post(
                f"{SHOP_ITEMS}/{item['id']}/exchange", json=body, headers=bob.headers
            ),
            422,
            "request.invalid",
        )
    await rejected(
        client, ctx, lambda: exchange(client, bob, 999999), 404, "pointsmall.item_not_found"
    )
    # Off sale, and not yet / no longer in its window.
    response = await client.post(
        f"{ITEMS}/{item['id']}/status", json={"status": "off_sale"}, headers=staff
    )
    assert response.status_code == 200
    await rejected(
        client, ctx, lambda: exchange(client, bob, item["id"]), 409, "pointsmall.not_on_sale"
    )
    later = await coupon_item(client, staff, starts_at=(utcnow() + timedelta(days=1)).isoformat())
    assert later["state"] == "upcoming"
    await rejected(
        client, ctx, lambda: exchange(client, bob, later["id"]), 409, "pointsmall.not_on_sale"
    )
    unauth = await client.post(
        f"{SHOP_ITEMS}/{later['id']}/exchange", json={"request_id": new_request_id()}
    )
    assert unauth.status_code == 401
    assert await balance(ctx, bob.member_id) == 700
    await assert_books_balance(ctx)


async def test_a_switched_off_programme_exchanges_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    item = await coupon_item(client, staff)
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 1000)
    settings = (await client.get("/api/v1/console/loyalty/settings", headers=staff)).json()
    body = {k: v for k, v in settings.items() if k not in {"updated_by", "updated_at"}}
    response = await client.put(
        "/api/v1/console/loyalty/settings", json={**body, "enabled": False}, headers=staff
    )
    assert response.status_code == 200, response.text
    await rejected(
        client, ctx, lambda: exchange(client, alice, item["id"]), 409, "loyalty.disabled"
    )


async def test_a_daily_limit_starts_again_the_next_day(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    item = await coupon_item(client, staff, per_member_limit=1, limit_period="day")
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 5000)
    assert (await exchange(client, alice, item["id"])).status_code == 201
    second = await exchange(client, alice, item["id"])
    assert (second.status_code, second.json()["code"]) == (409, "pointsmall.limit_reached")
    async with ctx.sessionmaker() as s:  # yesterday's usage
        from sqlalchemy import update

        from shoplet.modules.pointsmall.models import MallUsage

        await s.execute(update(MallUsage).values(period="2000-01-01"))
        await s.commit()
    assert (await exchange(client, alice, item["id"])).status_code == 201


# -- goods -----------------------------------------------------------------------------------


async def test_goods_for_points_and_cash_are_an_order_paid_through_wechat_pay(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=5)
    item = await make_item(
        client, staff, title="纯棉T恤", kind="product", sku_id=sku_id, cash_price=990, stock=3
    )
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 2000)

    no_address = await exchange(client, alice, item["id"])
    assert (no_address.status_code, no_address.json()["code"]) == (
        400,
        "pointsmall.address_required",
    )
    response = await exchange(client, alice, item["id"], address=True)
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["status"], made["points"], made["cash"]) == ("pending_payment", 500, 990)
    order = await get_order(client, alice, made["order_no"])
    assert (order["status"], order["payable_total"], order["shipping_fee"]) == (
        "pending_payment",
        990,
        0,
    )
    assert await balance(ctx, alice.member_id) == 1500
    assert await level(ctx, sku_id) == (5, 1)  # held for the order

    await pay(client, ctx, alice, made["order_no"])
    await drain_outbox(ctx)
    assert (await get_order(client, alice, made["order_no"]))["status"] == "paid"
    assert [r.status for r in await exchange_rows(ctx, alice.member_id)] == ["paid"]
    await assert_books_balance(ctx)


async def test_goods_for_points_only_are_paid_at_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=5)
    item = await make_item(client, staff, title="T恤", kind="product", sku_id=sku_id)
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 600)
    response = await exchange(client, alice, item["id"], address=True)
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["status"], made["cash"]) == ("paid", 0)
    order = await get_order(client, alice, made["order_no"])
    assert (order["status"], order["payable_total"]) == ("paid", 0)
    assert await level(ctx, sku_id) == (4, 0)  # sold
    assert await balance(ctx, alice.member_id) == 100


async def test_shipping_follows_the_shop_rules_when_the_item_is_not_free_shipping(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=2000, stock=5)  # under the free-shipping threshold
    item = await make_item(
        client, staff, title="T恤", kind="product", sku_id=sku_id, free_shipping=False
    )
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 600)
    made = (await exchange(client, alice, item["id"], address=True)).json()
    order = await get_order(client, alice, made["order_no"])
    assert order["shipping_fee"] > 0
    assert order["payable_total"] == order["shipping_fee"]
    assert made["status"] == "pending_payment"


async def test_a_cancelled_mall_order_gives_back_points_stock_and_limit_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=5)
    item = await make_item(
        client,
        staff,
        title="T恤",
        kind="product",
        sku_id=sku_id,
        cash_price=990,
        stock=1,
        per_member_limit=1,
    )
    alice = await shopper(client, "alice")
    await grant(ctx, alice.member_id, 500)
    made = (await exchange(client, alice, item["id"], address=True)).json()
    assert await balance(ctx, alice.member_id) == 0
    assert (await item_row(ctx, item["id"])).sold == 1

    cancelled = await client.post(f"{ORDERS}/{made['order_no']}/cancel", headers=alice.headers)
    assert cancelled.status_code == 200, cancelled.text
    await drain_outbox(ctx)
    assert await balance(ctx, alice.member_id) == 500
    assert (await item_row(ctx, item["id"])).sold == 0
    assert [r.status for r in await exchange_rows(ctx, alice.member_id)] == ["cancelled"]
    assert await level(ctx, sku_id) == (5, 0)
    # The limit came back too: she may exchange it again.
    again = await exchange(client, alice, item["id"], address=True)
    assert again.status_code == 201, again.text
    await assert_books_balance(ctx)
