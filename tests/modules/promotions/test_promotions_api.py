"""Store-wide promotions through the API: the console (drafts, edits, activation, stop, lists,
the policy, the sample-cart preview) and its refusals, product tags, the checkout preview and
placing an order (snapshot rows, the per-line allocation, a partial refund of one line to the
fen), coupons that do or do not stack, and per-shopper limits given back on cancellation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import drain_outbox
from shoplet.modules.catalog.models import Sku
from shoplet.modules.orders.models import OrderLine
from shoplet.modules.promotions import public as promotions
from tests.conftest import snapshot
from tests.modules.orders.factories import ORDERS, pay, product, shopper
from tests.modules.orders.test_aftersales import ask, ship
from tests.modules.promotions.factories import (
    ACTIVE,
    POLICY,
    PROMOTIONS,
    claimed,
    later,
    make_promotion,
    make_template,
    order_rules,
    promotion_body,
    usage,
)
from tests.modules.promotions.test_checkout_coupons import place, preview
from tests.modules.staff.conftest import audit_rows, bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "promotion-operator"))


async def catalog(ctx: AppContext) -> tuple[int, int, int, int, int]:
    """Product A (SKUs 100.00 and 120.00), product B (one SKU at 50.00):
    (product A, a1, a2, product B, b)."""
    product_a, [a1, a2] = await product(ctx, (10000, 50), (12000, 50))
    product_b, [b] = await product(ctx, (5000, 50), title="棒球帽")
    return product_a, a1, a2, product_b, b


def rows(body: dict[str, Any]) -> list[tuple[str, int, dict[str, int]]]:
    return [(p["kind"], p["saving"], p["lines"]) for p in body["promotions"]]


# -- console -----------------------------------------------------------------------------------


async def test_a_promotion_goes_from_draft_to_active_to_stopped(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    created = await make_promotion(client, staff, activate=False)
    assert (created["status"], created["label"]) == ("draft", "满300减30，满500减60")

    edited = await client.put(
        f"{PROMOTIONS}/{created['id']}",
        json=promotion_body(
            name="每满100减10", tiers=[{"threshold": 10000, "amount": 1000}], repeat=True,
            max_repeats=5,
        ),
        headers=staff,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert (edited.json()["label"], edited.json()["max_repeats"]) == ("每满100减10", 5)

    activated = await client.post(f"{PROMOTIONS}/{created['id']}/activate", headers=staff)
    assert activated.json()["status"] == "active"
    listed = await client.get(PROMOTIONS, params={"status": "active"}, headers=staff)
    assert [p["id"] for p in listed.json()["items"]] == [created["id"]]
    drafts = await client.get(PROMOTIONS, params={"status": "draft"}, headers=staff)
    assert drafts.json()["items"] == []
    stopped = await client.post(f"{PROMOTIONS}/{created['id']}/stop", headers=staff)
    assert stopped.json()["status"] == "stopped"
    detail = await client.get(f"{PROMOTIONS}/{created['id']}", headers=staff)
    assert detail.json()["status"] == "stopped"
    actions = [r.action for r in await audit_rows(ctx)]
    assert actions.count("promotions.promotion_create") == 1
    assert "promotions.promotion_stop" in actions


async def test_the_policy_has_defaults_and_can_be_changed(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await client.get(POLICY, headers=staff)
    assert response.status_code == 200
    assert (
        response.json()["sku_discount_stacks"],
        response.json()["combine_order_level"],
        response.json()["max_discount_permille"],
        response.json()["updated_at"],
    ) == (True, False, None, None)
    response = await client.put(
        POLICY, json={"combine_order_level": True, "max_discount_permille": 500}, headers=staff
    )
    assert response.status_code == 200, response.text
    again = (await client.get(POLICY, headers=staff)).json()
    assert (again["combine_order_level"], again["max_discount_permille"]) == (True, 500)
    assert again["updated_by"].startswith("staff:")


def _bad_promotions(a1: int) -> list[dict[str, Any]]:
    return [
        promotion_body(ends_at=later(hours=-2)),  # ends before it starts
        promotion_body(starts_at=later(days=-3), ends_at=later(days=-2)),  # over
        promotion_body(tiers=[]),
        promotion_body(tiers=[{"threshold": 10000, "amount": 20000}]),
        promotion_body(tiers=[{"threshold": 100, "amount": 10}, {"threshold": 100, "amount": 20}]),
        promotion_body(tiers=[{"threshold": 100, "amount": 50}, {"threshold": 200, "amount": 40}]),
        promotion_body(repeat=True),  # two tiers
        promotion_body(max_repeats=3),  # without repeat
        promotion_body(scope="products"),  # no ids
        promotion_body(scope_ids=[1]),  # ids for scope all
        promotion_body(buy_n=3),  # not a field of 满减
        promotion_body(kind="sku_discount", tiers=[], sku_prices=[]),
        promotion_body(kind="sku_discount", tiers=[], sku_prices=[{"sku_id": 999999,
                                                                   "rate_permille": 800}]),
        promotion_body(kind="sku_discount", tiers=[], sku_prices=[{"sku_id": a1}]),
        promotion_body(kind="sku_discount", tiers=[], sku_prices=[{"sku_id": a1,
                                                                   "rate_permille": 1000}]),
        promotion_body(kind="sku_discount", tiers=[], sku_prices=[{"sku_id": a1,
                                                                   "price": 10000}]),
        promotion_body(kind="sku_discount", tiers=[], per_shopper_limit=0,
                       sku_prices=[{"sku_id": a1, "price": 5000}]),
        promotion_body(kind="buy_n_get_m", tiers=[], buy_n=1, get_m=1),
        promotion_body(kind="buy_n_get_m", tiers=[], buy_n=3, get_m=3),
        promotion_body(kind="buy_n_get_m", tiers=[], buy_n=2, get_m=1, rate_permille=500),
        promotion_body(kind="bundle", tiers=[], product_ids=[1], bundle_price=100),
        promotion_body(kind="bundle", tiers=[], product_ids=[1, 2]),
        promotion_body(kind="bundle", tiers=[], product_ids=[1, 2], bundle_price=0),
    ]  # fmt: skip


async def test_bad_input_on_every_console_route_is_a_4xx_and_changes_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, _, _, _ = await catalog(ctx)
    draft = await make_promotion(client, staff, activate=False)
    active = await make_promotion(client, staff)
    support = bearer(await token_for(client, ctx, "helpdesk", role="support"))
    before = await snapshot(ctx)

    for body in _bad_promotions(a1):
        response = await client.post(PROMOTIONS, json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (
            400,
            "promotions.invalid_promotion",
        ), body
        response = await client.put(f"{PROMOTIONS}/{draft['id']}", json=body, headers=staff)
        assert response.status_code == 400, body
    cases: list[tuple[str, str, Any, int, str]] = [
        ("PUT", f"/{active['id']}", promotion_body(), 409, "promotions.promotion_not_editable"),
        ("POST", f"/{active['id']}/activate", None, 409, "promotions.promotion_not_editable"),
        ("POST", f"/{draft['id']}/stop", None, 409, "promotions.promotion_not_editable"),
        ("GET", "/999999", None, 404, "promotions.promotion_not_found"),
        ("PUT", "/999999", promotion_body(), 404, "promotions.promotion_not_found"),
        ("POST", "/999999/activate", None, 404, "promotions.promotion_not_found"),
        ("POST", "", {**promotion_body(), "kind": "mystery"}, 422, "request.invalid"),
        ("PUT", "/policy", {"max_discount_permille": 0}, 400, "promotions.invalid_policy"),
        ("PUT", "/policy", {"max_discount_permille": 1001}, 400, "promotions.invalid_policy"),
        ("POST", "/preview", {"items": []}, 422, "request.invalid"),
        ("POST", "/preview", {"items": [{"sku_id": 999999, "quantity": 1}]}, 400,
         "promotions.invalid_promotion"),
        ("POST", "/preview", {"items": [{"sku_id": a1, "quantity": 1}],
                              "promotion": promotion_body(tiers=[])}, 400,
         "promotions.invalid_promotion"),
    ]  # fmt: skip
    for method, path, body, status, code in cases:
        response = await client.request(method, f"{PROMOTIONS}{path}", json=body, headers=staff)
        assert (response.status_code, response.json().get("code")) == (status, code), path
    response = await client.post(PROMOTIONS, json=promotion_body(), headers=support)
    assert (response.status_code, response.json()["code"]) == (403, "console.permission_denied")
    assert await snapshot(ctx) == before


async def test_the_editor_previews_a_sample_cart_with_the_draft(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, a2, _, b = await catalog(ctx)
    await make_promotion(client, staff)  # 满300减30 / 满500减60, running
    draft = promotion_body(
        kind="sku_discount", tiers=[], sku_prices=[{"sku_id": a1, "rate_permille": 800}]
    )
    response = await client.post(
        f"{PROMOTIONS}/preview",
        json={
            "items": [{"sku_id": a1, "quantity": 2}, {"sku_id": a2, "quantity": 1},
                      {"sku_id": b, "quantity": 1}],
            "promotion": draft,
        },
        headers=staff,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["items_total"], body["discount_total"]) == (37000, 7000)
    assert [(p["kind"], p["saving"]) for p in body["promotions"]] == [
        ("sku_discount", 4000),
        ("full_reduction", 3000),
    ]
    assert body["hints"] == ["再买¥170可享满500减60"]


# -- storefront --------------------------------------------------------------------------------


async def test_a_product_page_shows_the_promotions_that_cover_it(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    product_a, a1, _, product_b, _ = await catalog(ctx)
    full = await make_promotion(client, staff)
    sku = await make_promotion(
        client, staff, kind="sku_discount", tiers=[],
        sku_prices=[{"sku_id": a1, "rate_permille": 800}],
    )  # fmt: skip
    await make_promotion(client, staff, activate=False, name="草稿")
    await make_promotion(client, staff, name="未开始", starts_at=later(days=1))

    tags = (await client.get(ACTIVE, params={"product_id": product_a})).json()
    assert [(t["id"], t["label"]) for t in tags] == [
        (full["id"], "满300减30，满500减60"),
        (sku["id"], "限时8折"),
    ]
    tags = (await client.get(ACTIVE, params={"product_id": product_b})).json()
    assert [t["id"] for t in tags] == [full["id"]]
    response = await client.get(ACTIVE, params={"product_id": 999999})
    assert response.status_code == 404


# -- checkout ----------------------------------------------------------------------------------


async def test_preview_and_order_apply_the_promotions_and_snapshot_each_rule(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, a2, _, b = await catalog(ctx)
    sku = await make_promotion(
        client, staff, kind="sku_discount", tiers=[],
        sku_prices=[{"sku_id": a1, "rate_permille": 800}],
    )  # fmt: skip
    full = await make_promotion(client, staff)
    alice = await shopper(client)
    items = [(a1, 2), (a2, 1), (b, 1)]

    response = await preview(client, alice, items)
    assert response.status_code == 200, response.text
    body = response.json()
    # 8折 on a1 (4000), then 满300减30 on the 33000 left, split 16000 : 12000 : 5000.
    assert rows(body) == [
        ("sku_discount", 4000, {str(a1): 4000}),
        ("full_reduction", 3000, {str(a1): 1455, str(a2): 1091, str(b): 454}),
    ]
    assert [p["label"] for p in body["promotions"]] == ["限时8折", "满300减30，满500减60"]
    assert body["hints"] == ["再买¥170可享满500减60"]
    assert (body["items_total"], body["discount_total"], body["payable_total"]) == (
        37000,
        7000,
        30000,
    )
    assert {ln["sku_id"]: ln["discount"] for ln in body["lines"]} == {a1: 5455, a2: 1091, b: 454}

    placed = await place(client, alice, items, None)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["discount_total"], order["payable_total"]) == (7000, 30000)
    snap = await order_rules(ctx, order["order_no"])
    assert [(r.promotion_id, r.seq, r.saving, r.line_discounts, r.label) for r in snap] == [
        (sku["id"], 1, 4000, {str(a1): 4000}, "限时8折"),
        (full["id"], 2, 3000, {str(a1): 1455, str(a2): 1091, str(b): 454},
         "满300减30，满500减60"),
    ]  # fmt: skip
    assert snap[1].rule["tiers"] == [[30000, 3000], [50000, 6000]]
    async with ctx.sessionmaker() as s:
        allocation = await promotions.order_allocation(s, order["order_no"])
    assert [(a.id, a.kind, a.lines) for a in allocation] == [
        (sku["id"], "sku_discount", {a1: 4000}),
        (full["id"], "full_reduction", {a1: 1455, a2: 1091, b: 454}),
    ]

    # A partial refund of one line refunds what it was paid, to the fen: 5000 - 454.
    await pay(client, ctx, alice, order["order_no"])
    await ship(ctx, order["order_no"])
    too_much = await ask(
        client, alice, order["order_no"], kind="return_refund", reason="不合适",
        amount=4547, items=[{"sku_id": b, "quantity": 1}],
    )  # fmt: skip
    assert (too_much.status_code, too_much.json()["code"]) == (
        409,
        "orders.aftersale_amount_exceeded",
    )
    assert too_much.json()["available"] == 4546
    exact = await ask(
        client, alice, order["order_no"], kind="return_refund", reason="不合适",
        amount=4546, items=[{"sku_id": b, "quantity": 1}],
    )  # fmt: skip
    assert (exact.status_code, exact.json()["amount"]) == (201, 4546), exact.text
    # One of a1's two units: half of its 14545 paid (rounded down); the second takes the rest.
    for amount in (7272, 7273):
        over = await ask(
            client, alice, order["order_no"], kind="return_refund", reason="不合适",
            amount=amount + 1, items=[{"sku_id": a1, "quantity": 1}],
        )  # fmt: skip
        assert over.json()["available"] == amount
        ok = await ask(
            client, alice, order["order_no"], kind="return_refund", reason="不合适",
            amount=amount, items=[{"sku_id": a1, "quantity": 1}],
        )  # fmt: skip
        assert ok.status_code == 201, ok.text
    async with ctx.sessionmaker() as s:
        lines = {ln.sku_id: ln.payable for ln in await s.scalars(select(OrderLine))}
    assert lines == {a1: 14545, a2: 10909, b: 4546}


async def test_the_order_pages_get_the_promotions_the_order_was_placed_with(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, a2, _, b = await catalog(ctx)
    sku = await make_promotion(
        client, staff, kind="sku_discount", tiers=[], name="限时8折",
        sku_prices=[{"sku_id": a1, "rate_permille": 800}],
    )  # fmt: skip
    full = await make_promotion(client, staff)
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    promoted = (await place(client, alice, [(a1, 2), (a2, 1), (b, 1)], None)).json()["order_no"]
    plain = (await place(client, alice, [(b, 1)], None)).json()["order_no"]
    bobs = (await place(client, bob, [(b, 1)], None)).json()["order_no"]

    mine = await client.get(f"{ORDERS}/{promoted}/promotions", headers=alice.headers)

    assert mine.status_code == 200, mine.text
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert mine.json() == [
        {
            "promotion_id": sku["id"],
            "name": "限时8折",
            "kind": "sku_discount",
            "label": "限时8折",
            "saving": 4000,
            "trimmed": 0,
            "lines": {str(a1): 4000},
            "returned": False,
        },
        {
            "promotion_id": full["id"],
            "name": full["name"],
            "kind": "full_reduction",
            "label": "满300减30，满500减60",
            "saving": 3000,
            "trimmed": 0,
            "lines": {str(a1): 1455, str(a2): 1091, str(b): 454},
            "returned": False,
        },
    ]
    none = await client.get(f"{ORDERS}/{plain}/promotions", headers=alice.headers)
    assert (none.status_code, none.json()) == (200, [])
    console = await client.get(f"/api/v1/console/orders/{promoted}/promotions", headers=staff)
    assert (console.status_code, console.json()) == (200, mine.json())

    # Another shopper's order and an unknown one get the same 404; nothing changes.
    before = await snapshot(ctx)
    foreign = await client.get(f"{ORDERS}/{bobs}/promotions", headers=alice.headers)
    unknown = await client.get(f"{ORDERS}/9{promoted}/promotions", headers=alice.headers)
    for response in (foreign, unknown):
        assert (response.status_code, response.json()["code"]) == (404, "orders.not_found")
        assert response.headers["content-type"] == "application/problem+json"
    assert {k: v for k, v in foreign.json().items() if k not in ("order_no", "instance")} == {
        k: v for k, v in unknown.json().items() if k not in ("order_no", "instance")
    }
    unknown_console = await client.get(
        f"/api/v1/console/orders/9{promoted}/promotions", headers=staff
    )
    assert (unknown_console.status_code, unknown_console.json()["code"]) == (
        404,
        "orders.not_found",
    )
    malformed = await client.get(f"{ORDERS}/abc/promotions", headers=alice.headers)
    assert (malformed.status_code, malformed.json()["code"]) == (422, "request.invalid")
    signed_out = await client.get(f"{ORDERS}/{promoted}/promotions")
    assert signed_out.status_code == 401
    assert await snapshot(ctx) == before

    # Cancelled: the rules are given back and say so.
    cancelled = await client.post(f"{ORDERS}/{promoted}/cancel", headers=alice.headers)
    assert cancelled.status_code == 200, cancelled.text
    await drain_outbox(ctx)
    again = await client.get(f"{ORDERS}/{promoted}/promotions", headers=alice.headers)
    assert [(p["promotion_id"], p["returned"]) for p in again.json()] == [
        (sku["id"], True),
        (full["id"], True),
    ]


async def test_a_coupon_stacks_or_the_better_of_the_two_applies(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, a2, _, b = await catalog(ctx)
    await make_promotion(client, staff)  # 满300减30 on 37000
    alice = await shopper(client)
    items = [(a1, 2), (a2, 1), (b, 1)]
    stacking = await make_template(
        client, staff, name="无门槛10", kind="no_threshold", threshold=0, amount=1000
    )
    alone = await make_template(
        client, staff, name="无门槛50", kind="no_threshold", threshold=0, amount=5000,
        stackable_with_promotions=False,
    )  # fmt: skip
    assert alone["stackable_with_promotions"] is False
    small = int((await claimed(client, alice, stacking["id"]))["id"])
    big = int((await claimed(client, alice, alone["id"]))["id"])

    # Best: the 50 coupon alone (5000) beats 满减 + the 10 coupon (4000).
    body = (await preview(client, alice, items)).json()
    assert (body["coupon"]["coupon_id"], body["coupon"]["discount"], body["promotions"]) == (
        big,
        5000,
        [],
    )
    body = (await preview(client, alice, items, coupon_id=small)).json()
    assert rows(body)[0][:2] == ("full_reduction", 3000)
    assert (body["coupon"]["coupon_id"], body["coupon"]["discount"]) == (small, 1000)
    assert body["discount_total"] == 4000

    placed = await place(client, alice, items, small)
    assert placed.status_code == 201, placed.text
    order_no = placed.json()["order_no"]
    async with ctx.sessionmaker() as s:
        allocation = await promotions.order_allocation(s, order_no)
    assert [(a.kind, a.saving, sum(a.lines.values())) for a in allocation] == [
        ("full_reduction", 3000, 3000),
        ("coupon", 1000, 1000),
    ]


async def test_a_per_shopper_limit_counts_units_and_cancellation_gives_them_back(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, _, _, _ = await catalog(ctx)
    limited = await make_promotion(
        client, staff, kind="sku_discount", tiers=[], per_shopper_limit=1,
        sku_prices=[{"sku_id": a1, "price": 5000}],
    )  # fmt: skip
    alice = await shopper(client)

    body = (await preview(client, alice, [(a1, 2)])).json()
    assert rows(body) == [("sku_discount", 5000, {str(a1): 5000})]  # one unit of two
    first = await place(client, alice, [(a1, 2)], None)
    assert first.json()["discount_total"] == 5000
    assert await usage(ctx, limited["id"], alice.member_id) == 1
    assert (await preview(client, alice, [(a1, 1)])).json()["promotions"] == []
    second = await place(client, alice, [(a1, 1)], None)
    assert second.json()["discount_total"] == 0

    order_no = first.json()["order_no"]
    response = await client.post(f"{ORDERS}/{order_no}/cancel", headers=alice.headers)
    assert response.status_code == 200, response.text
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # a redelivery changes nothing
    assert await usage(ctx, limited["id"], alice.member_id) == 0
    assert all(r.returned_at is not None for r in await order_rules(ctx, order_no))
    assert rows((await preview(client, alice, [(a1, 1)])).json()) == [
        ("sku_discount", 5000, {str(a1): 5000})
    ]


async def test_the_subsidy_cap_trims_the_last_rule_and_says_so(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, a1, a2, _, b = await catalog(ctx)
    await make_promotion(
        client, staff, kind="sku_discount", tiers=[],
        sku_prices=[{"sku_id": a1, "rate_permille": 800}],
    )  # fmt: skip
    await make_promotion(client, staff)
    response = await client.put(POLICY, json={"max_discount_permille": 150}, headers=staff)
    assert response.status_code == 200
    alice = await shopper(client)

    body = (await preview(client, alice, [(a1, 2), (a2, 1), (b, 1)])).json()
    # 15% of 37000 = 5550: 8折 keeps its 4000, 满减 keeps 1550 of 3000.
    assert [(p["kind"], p["saving"], p["trimmed"]) for p in body["promotions"]] == [
        ("sku_discount", 4000, 0),
        ("full_reduction", 1550, 1450),
    ]
    assert body["discount_total"] == 5550


async def test_a_sku_cost_price_is_the_floor_of_its_line(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    _, _, _, _, b = await catalog(ctx)
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(update(Sku).where(Sku.id == b).values(cost_price=4600))
    await make_promotion(
        client, staff, kind="sku_discount", tiers=[],
        sku_prices=[{"sku_id": b, "rate_permille": 500}],
    )  # fmt: skip
    alice = await shopper(client)

    body = (await preview(client, alice, [(b, 2)])).json()
    # Half price would take 5000 off 10000; the cost (2 × 46.00) leaves 800.
    assert [(p["saving"], p["trimmed"]) for p in body["promotions"]] == [(800, 4200)]
    placed = await place(client, alice, [(b, 2)], None)
    assert placed.json()["discount_total"] == 800
