"""The cart over HTTP: adding, reading against the live catalog, editing, limits, rejections."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.cart.models import CartLine
from shoplet.modules.cart.service import hash_guest_token
from tests.conftest import StatementCounter, snapshot
from tests.modules.cart.conftest import (
    CART,
    COUNT,
    GUEST_TOKEN,
    LINES,
    SELECTION,
    add,
    adjust_stock,
    cart_rows,
    get_cart,
    guest,
    member,
    one_sku,
    product,
    set_price,
    set_status,
)


def _line(body: dict[str, Any], sku_id: int) -> dict[str, Any]:
    found = [line for line in body["lines"] if line["sku_id"] == sku_id]
    assert len(found) == 1
    return found[0]


async def test_add_and_read_a_member_cart(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 3))
    small, medium = (s.id for s in shirt.skus)
    member_id, headers = await member(client)

    added = await add(client, headers, small, 2)
    await add(client, headers, medium, 1)
    body = await get_cart(client, headers)

    assert added["line_count"] == 1
    assert added["quantity_capped"] is False
    assert added["line"]["quantity"] == 2
    assert added["line"]["line_total"] == 11800
    # Newest line first.
    assert [line["sku_id"] for line in body["lines"]] == [medium, small]
    line = _line(body, small)
    assert line == {
        "sku_id": small,
        "product_id": shirt.id,
        "title": "纯棉圆领短袖T恤 男女同款",
        "spec_text": "尺码:S",
        "image": shirt.images[0],
        "quantity": 2,
        "selected": True,
        "price": 5900,
        "original_price": 5900,
        "list_price": None,
        "price_label": None,
        "price_source": None,
        "price_note": None,
        "price_at_add": 5900,
        "price_changed": False,
        "price_change": 0,
        "line_total": 11800,
        "available": 10,
        "is_purchasable": True,
        "warnings": [],
        "added_at": line["added_at"],
    }
    assert body["summary"] == {
        "line_count": 2,
        "max_lines": 100,
        "selected_count": 2,
        "selected_quantity": 3,
        "items_total": 11800 + 6900,
        "has_issues": False,
    }
    rows = await cart_rows(ctx)
    assert [(r.member_id, r.guest_token_hash, r.sku_id, r.quantity) for r in rows] == [
        (member_id, None, small, 2),
        (member_id, None, medium, 1),
    ]


async def test_adding_again_sums_quantities_and_caps_at_99(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=500)
    _, headers = await member(client)

    await add(client, headers, sku_id, 60)
    second = await add(client, headers, sku_id, 30)
    third = await add(client, headers, sku_id, 30)

    assert (second["line"]["quantity"], second["quantity_capped"]) == (90, False)
    assert (third["line"]["quantity"], third["quantity_capped"]) == (99, True)
    assert third["line_count"] == 1
    assert [r.quantity for r in await cart_rows(ctx)] == [99]


async def test_guest_cart_is_keyed_by_the_hashed_token(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)

    await add(client, guest(), sku_id, 3)
    mine = await get_cart(client, guest())
    others = await get_cart(client, guest("someone-else-entirely-0001"))

    assert [(line["sku_id"], line["quantity"]) for line in mine["lines"]] == [(sku_id, 3)]
    assert others["lines"] == []
    rows = await cart_rows(ctx)
    assert [(r.member_id, r.guest_token_hash) for r in rows] == [
        (None, hash_guest_token(GUEST_TOKEN))
    ]
    assert GUEST_TOKEN not in repr([r.__dict__ for r in rows])


async def test_a_member_token_wins_over_a_guest_token(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    member_id, headers = await member(client)

    await add(client, {**headers, **guest()}, sku_id)

    assert [(r.member_id, r.guest_token_hash) for r in await cart_rows(ctx)] == [(member_id, None)]
    assert (await get_cart(client, guest()))["lines"] == []


async def test_no_identity_is_401(client: httpx.AsyncClient, ctx: AppContext) -> None:
    sku_id = await one_sku(ctx)
    before = await snapshot(ctx)

    responses = [
        await client.get(CART),
        await client.get(COUNT),
        await client.post(LINES, json={"sku_id": sku_id, "quantity": 1}),
        await client.patch(f"{LINES}/{sku_id}", json={"quantity": 2}),
        await client.delete(f"{LINES}/{sku_id}"),
        await client.post(SELECTION, json={"selected": False}),
    ]

    for response in responses:
        assert response.status_code == 401
        assert response.json()["code"] == "cart.identity_required"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "token",
    [
        "short-token",
        "x" * 65,
        "has spaces in it 0123",
        "bad/char+0123456789ab",
        "中文令牌中文令牌中文令牌中文令牌".encode(),
    ],
)
async def test_malformed_guest_token_is_422(
    client: httpx.AsyncClient, ctx: AppContext, token: str | bytes
) -> None:
    sku_id = await one_sku(ctx)
    before = await snapshot(ctx)

    response = await client.post(
        LINES, json={"sku_id": sku_id, "quantity": 1}, headers={"X-Cart-Token": token}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_expired_member_token_is_401_not_a_guest(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    expired = ctx.tokens.issue(subject="1", audience="storefront", ttl=timedelta(seconds=-5))
    before = await snapshot(ctx)

    response = await client.post(
        LINES,
        json={"sku_id": sku_id, "quantity": 1},
        headers={"Authorization": f"Bearer {expired}", **guest()},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "auth.unauthorized"
    assert await snapshot(ctx) == before


async def test_price_change_is_shown_against_the_price_at_add(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10))
    small, medium = (s.id for s in shirt.skus)
    _, headers = await member(client)
    await add(client, headers, small, 2)
    await add(client, headers, medium, 1)

    await set_price(ctx, shirt.id, {small: 4900, medium: 7900})
    body = await get_cart(client, headers)

    cheaper, dearer = _line(body, small), _line(body, medium)
    assert (cheaper["price"], cheaper["price_at_add"]) == (4900, 5900)
    assert (cheaper["price_changed"], cheaper["price_change"]) == (True, -1000)
    assert cheaper["line_total"] == 9800
    assert (dearer["price"], dearer["price_at_add"]) == (7900, 6900)
    assert (dearer["price_changed"], dearer["price_change"]) == (True, 1000)
    assert body["summary"]["items_total"] == 9800 + 7900

    # Adding again is a decision at today's price: the notice goes.
    readded = await add(client, headers, small, 1)
    assert readded["line"]["quantity"] == 3
    assert (readded["line"]["price_at_add"], readded["line"]["price_changed"]) == (4900, False)


async def test_stock_and_availability_warnings(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10), (7900, 10))
    short, sold_out, fine = (s.id for s in shirt.skus)
    socks = await product(ctx, (1900, 10), title="中筒袜 5双装")
    withdrawn = socks.skus[0].id
    _, headers = await member(client)
    for sku_id in (short, sold_out, fine, withdrawn):
        await add(client, headers, sku_id, 4)

    await adjust_stock(ctx, short, -8)
    await adjust_stock(ctx, sold_out, -10)
    await set_status(ctx, socks.id, "off_sale")
    body = await get_cart(client, headers)

    got = {
        line["sku_id"]: (line["available"], line["is_purchasable"], line["warnings"])
        for line in body["lines"]
    }
    assert got == {
        short: (2, True, ["库存不足"]),
        sold_out: (0, True, ["已售罄"]),
        # The cart reserves nothing: stock is what the inventory holds.
        fine: (10, True, []),
        withdrawn: (10, False, ["商品已下架"]),
    }
    # Withdrawn lines do not count towards the total; the others do at current prices.
    assert body["summary"]["items_total"] == 4 * (5900 + 6900 + 7900)
    assert body["summary"]["has_issues"] is True
    # Deselecting the problem lines clears the flag.
    response = await client.post(
        SELECTION,
        json={"selected": False, "sku_ids": [short, sold_out, withdrawn]},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["summary"] == {
        "line_count": 4,
        "max_lines": 100,
        "selected_count": 1,
        "selected_quantity": 4,
        "items_total": 4 * 7900,
        "has_issues": False,
    }


async def test_get_cart_takes_three_statements(
    client: httpx.AsyncClient, ctx: AppContext, sql_counter: StatementCounter
) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10), (7900, 10))
    _, headers = await member(client)
    for s in shirt.skus:
        await add(client, headers, s.id)

    sql_counter.reset()
    body = await get_cart(client, headers)
    with_lines = sql_counter.count
    sql_counter.reset()
    await get_cart(client, guest())
    empty = sql_counter.count

    assert len(body["lines"]) == 3
    # Lines, SKU snapshots (one query for all lines), stock levels; the member token costs none.
    assert with_lines == 3
    assert empty == 1


async def test_count(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10))
    _, headers = await member(client)
    await add(client, headers, shirt.skus[0].id, 2)
    await add(client, headers, shirt.skus[1].id, 5)

    response = await client.get(COUNT, headers=headers)

    assert response.status_code == 200
    assert response.json() == {"line_count": 2, "quantity": 7}


async def test_unknown_sku_is_404_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    await one_sku(ctx)
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.post(LINES, json={"sku_id": 987654, "quantity": 1}, headers=headers)

    assert response.status_code == 404
    assert response.json()["code"] == "cart.sku_not_found"
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("status", ["off_sale", "draft"])
async def test_unpurchasable_sku_is_409_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, status: str
) -> None:
    made = await product(ctx, (5900, 10), status=status)
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.post(
        LINES, json={"sku_id": made.skus[0].id, "quantity": 1}, headers=headers
    )

    assert response.status_code == 409
    assert response.json()["code"] == "cart.sku_unavailable"
    assert await snapshot(ctx) == before


async def test_deactivated_sku_is_409(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10))
    small = shirt.skus[0]
    # The console drops the S size: it stays in the database, inactive.
    from shoplet.modules.catalog import public as catalog

    async with unit_of_work(ctx.sessionmaker) as s:
        kept = shirt.skus[1]
        await catalog.update_product(
            s,
            shirt.id,
            catalog.ProductUpdate(
                skus=[
                    catalog.SkuUpdate(
                        id=kept.id,
                        specs=[catalog.SpecValue(name="尺码", value="M")],
                        price=kept.price,
                    )
                ]
            ),
            actor="test",
        )
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.post(LINES, json={"sku_id": small.id, "quantity": 1}, headers=headers)

    assert response.status_code == 409
    assert response.json()["code"] == "cart.sku_unavailable"
    assert await snapshot(ctx) == before


async def test_more_than_available_is_409_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=5)
    _, headers = await member(client)
    before = await snapshot(ctx)

    alone = await client.post(LINES, json={"sku_id": sku_id, "quantity": 6}, headers=headers)
    assert await snapshot(ctx) == before
    await add(client, headers, sku_id, 4)
    middle = await snapshot(ctx)
    summed = await client.post(LINES, json={"sku_id": sku_id, "quantity": 2}, headers=headers)

    for response in (alone, summed):
        assert response.status_code == 409
        assert response.json()["code"] == "cart.quantity_exceeds_stock"
        assert response.json()["available"] == 5
    assert await snapshot(ctx) == middle
    # Exactly up to the stock is fine.
    assert (await add(client, headers, sku_id, 1))["line"]["quantity"] == 5


async def test_sku_without_stock_row_is_out_of_stock(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx, stock=0)
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.post(LINES, json={"sku_id": sku_id, "quantity": 1}, headers=headers)

    assert response.status_code == 409
    assert response.json()["code"] == "cart.quantity_exceeds_stock"
    assert response.json()["available"] == 0
    assert await snapshot(ctx) == before


@pytest.mark.parametrize(
    "body",
    [
        {"sku_id": 1, "quantity": 0},
        {"sku_id": 1, "quantity": 100},
        {"sku_id": 1, "quantity": -1},
        {"sku_id": 1, "quantity": "2"},
        {"sku_id": 1, "quantity": 1.5},
        {"sku_id": 1, "quantity": True},
        {"sku_id": 0, "quantity": 1},
        {"sku_id": 2**63, "quantity": 1},
        {"sku_id": "1", "quantity": 1},
        {"quantity": 1},
        {"sku_id": 1, "quantity": 1, "price": 1},
    ],
)
async def test_malformed_add_is_422(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any]
) -> None:
    await one_sku(ctx)
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.post(LINES, json=body, headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before


async def test_cart_holds_at_most_100_lines(client: httpx.AsyncClient, ctx: AppContext) -> None:
    made = await product(ctx, (100, 5))
    member_id, headers = await member(client)
    now = utcnow()
    async with unit_of_work(ctx.sessionmaker) as s:
        s.add_all(
            CartLine(
                member_id=member_id,
                sku_id=10_000 + i,
                quantity=1,
                selected=True,
                price_at_add=100,
                added_at=now,
                updated_at=now,
            )
            for i in range(100)
        )
    before = await snapshot(ctx)

    response = await client.post(
        LINES, json={"sku_id": made.skus[0].id, "quantity": 1}, headers=headers
    )

    assert response.status_code == 409
    assert response.json()["code"] == "cart.full"
    assert await snapshot(ctx) == before
    # After removing a line a new one fits, and a line already in the cart can still grow.
    removed = await client.delete(f"{LINES}/10000", headers=headers)
    assert removed.json()["summary"]["line_count"] == 99
    added = await add(client, headers, made.skus[0].id, 1)
    grown = await add(client, headers, made.skus[0].id, 2)
    assert (added["line"]["quantity"], added["line_count"]) == (1, 100)
    assert (grown["line"]["quantity"], grown["line_count"]) == (3, 100)


async def test_patch_quantity_and_selection(client: httpx.AsyncClient, ctx: AppContext) -> None:
    sku_id = await one_sku(ctx, stock=10)
    _, headers = await member(client)
    await add(client, headers, sku_id, 2)

    raised = await client.patch(f"{LINES}/{sku_id}", json={"quantity": 10}, headers=headers)
    deselected = await client.patch(f"{LINES}/{sku_id}", json={"selected": False}, headers=headers)
    both = await client.patch(
        f"{LINES}/{sku_id}", json={"quantity": 1, "selected": True}, headers=headers
    )

    assert raised.status_code == 200
    assert _line(raised.json(), sku_id)["quantity"] == 10
    assert deselected.json()["summary"]["selected_count"] == 0
    assert deselected.json()["summary"]["items_total"] == 0
    assert (_line(both.json(), sku_id)["quantity"], _line(both.json(), sku_id)["selected"]) == (
        1,
        True,
    )
    assert [(r.quantity, r.selected) for r in await cart_rows(ctx)] == [(1, True)]


async def test_patch_rejections_change_nothing(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 5), (6900, 5))
    in_cart, not_in_cart = (s.id for s in shirt.skus)
    _, headers = await member(client)
    await add(client, headers, in_cart, 2)
    before = await snapshot(ctx)

    cases = [
        (f"{LINES}/{not_in_cart}", {"quantity": 1}, 404, "cart.line_not_found"),
        (f"{LINES}/{in_cart}", {"quantity": 6}, 409, "cart.quantity_exceeds_stock"),
        (f"{LINES}/{in_cart}", {}, 422, "request.invalid"),
        (f"{LINES}/{in_cart}", {"quantity": None, "selected": None}, 422, "request.invalid"),
        (f"{LINES}/{in_cart}", {"quantity": 100}, 422, "request.invalid"),
        (f"{LINES}/{in_cart}", {"selected": "yes"}, 422, "request.invalid"),
        (f"{LINES}/{in_cart}", {"selected": 1}, 422, "request.invalid"),
        (f"{LINES}/0", {"quantity": 1}, 422, "request.invalid"),
        (f"{LINES}/abc", {"quantity": 1}, 422, "request.invalid"),
    ]
    for url, body, status, code in cases:
        response = await client.patch(url, json=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), (url, body)
    assert await snapshot(ctx) == before


async def test_patch_can_lower_a_short_line_but_not_raise_a_withdrawn_one(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    made = await product(ctx, (5900, 10))
    sku_id = made.skus[0].id
    _, headers = await member(client)
    await add(client, headers, sku_id, 8)
    await adjust_stock(ctx, sku_id, -7)

    lowered = await client.patch(f"{LINES}/{sku_id}", json={"quantity": 5}, headers=headers)
    assert lowered.status_code == 200
    assert _line(lowered.json(), sku_id)["warnings"] == ["库存不足"]

    await set_status(ctx, made.id, "off_sale")
    before = await snapshot(ctx)
    raised = await client.patch(f"{LINES}/{sku_id}", json={"quantity": 6}, headers=headers)
    assert raised.status_code == 409
    assert raised.json()["code"] == "cart.sku_unavailable"
    assert await snapshot(ctx) == before
    # Lowering or deselecting a withdrawn line is still allowed.
    response = await client.patch(
        f"{LINES}/{sku_id}", json={"quantity": 1, "selected": False}, headers=headers
    )
    assert response.status_code == 200


async def test_delete_is_idempotent_and_only_touches_the_owner(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    sku_id = await one_sku(ctx)
    _, alice = await member(client, "alice")
    _, bob = await member(client, "bob")
    await add(client, alice, sku_id)
    await add(client, bob, sku_id)

    first = await client.delete(f"{LINES}/{sku_id}", headers=alice)
    again = await client.delete(f"{LINES}/{sku_id}", headers=alice)

    assert first.status_code == again.status_code == 200
    assert first.json()["lines"] == again.json()["lines"] == []
    assert len((await get_cart(client, bob))["lines"]) == 1


async def test_selection_of_all_lines(client: httpx.AsyncClient, ctx: AppContext) -> None:
    shirt = await product(ctx, (5900, 10), (6900, 10))
    _, headers = await member(client)
    for s in shirt.skus:
        await add(client, headers, s.id)

    off = await client.post(SELECTION, json={"selected": False}, headers=headers)
    on = await client.post(SELECTION, json={"selected": True}, headers=headers)

    assert [line["selected"] for line in off.json()["lines"]] == [False, False]
    assert [line["selected"] for line in on.json()["lines"]] == [True, True]
    assert on.json()["summary"]["items_total"] == 5900 + 6900


@pytest.mark.parametrize(
    "body",
    [{}, {"selected": "true"}, {"selected": True, "sku_ids": []}, {"selected": True, "x": 1}],
)
async def test_malformed_selection_is_422(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any]
) -> None:
    _, headers = await member(client)
    before = await snapshot(ctx)

    response = await client.post(SELECTION, json=body, headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before
