"""Crowdfunding end to end on both databases: a campaign from the console, pledges paid through
the WeChat Pay simulator, settled at the deadline by the job (target reached: orders ship;
missed: every paid pledge refunded once, refund notify applied, stock back), money arriving
after the deadline refunded, the budget stopping a campaign, the cost panel, every refusal with
its code and nothing changed; and the rule that an order on a ship hold cannot open an
after-sale (group buys and crowdfunding alike)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.orders import public as orders
from shoplet.modules.social.crowdfunding.tasks import SETTLE_JOB
from tests.conftest import snapshot
from tests.modules.orders.factories import level, one_sku, order_row, pay, shopper, simulator
from tests.modules.social.crowdfunding_factories import (
    CROWDFUNDINGS,
    SHOP,
    WATCHED,
    campaign_row,
    crowdfunding_body,
    make_crowdfunding,
    past_deadline,
    pledge,
    pledge_statuses,
)
from tests.modules.social.factories import (
    complete_refunds,
    join_group,
    make_campaign,
    ok,
    open_group,
    refunds,
)


async def _ship(ctx: AppContext, order_no: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders.ship_order(
            s, order_no=order_no, carrier="顺丰", tracking_no="SF2000", actor="op"
        )


async def test_reaching_the_target_confirms_and_ships(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=20)
    campaign = await make_crowdfunding(client, staff, sku_id, target_quantity=3)
    assert (campaign["state"], campaign["max_quantity"], campaign["progress_percent"]) == (
        "running",
        30,
        0,
    )
    cards = (await client.get(f"/api/v1/products/{campaign['product_id']}/crowdfundings")).json()
    assert [(c["id"], c["pledge_price"], c["shelf_price"]) for c in cards] == [
        (campaign["id"], 4900, 5900)
    ]
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    first = ok(await pledge(client, alice, campaign["id"], quantity=2))
    assert (first["payable_total"], first["status"]) == (9800, "pending")
    second = ok(await pledge(client, bob, campaign["id"]))
    await pay(client, ctx, alice, first["order_no"])
    await pay(client, ctx, bob, second["order_no"])
    await drain_outbox(ctx)
    card = (await client.get(f"{SHOP}/{campaign['id']}")).json()
    assert (card["pledged_units"], card["backers"], card["progress_percent"]) == (3, 2, 100)
    # Paid, but not settled: the order waits.
    row = await order_row(ctx, first["order_no"])
    assert (row.status, row.ship_hold) == ("paid", f"crowdfunding:{campaign['id']}")

    await past_deadline(ctx, campaign["id"])
    await run_job(ctx, SETTLE_JOB)
    await run_job(ctx, SETTLE_JOB)  # a second run (another replica) changes nothing
    await drain_outbox(ctx)

    settled = (await client.get(f"{CROWDFUNDINGS}/{campaign['id']}", headers=staff)).json()
    assert (settled["state"], settled["pledged_units"], settled["backers"]) == ("succeeded", 3, 2)
    assert set((await pledge_statuses(ctx, campaign["id"])).values()) == {"succeeded"}
    for order_no in (first["order_no"], second["order_no"]):
        row = await order_row(ctx, order_no)
        assert (row.status, row.ship_hold) == ("paid", None)
        assert await refunds(ctx, order_no) == []
    await _ship(ctx, first["order_no"])
    assert await level(ctx, sku_id) == (17, 0)


async def test_missing_the_target_refunds_every_paid_pledge_once(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=20)
    campaign = await make_crowdfunding(client, staff, sku_id, target_quantity=5)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    a = ok(await pledge(client, alice, campaign["id"], quantity=2))
    b = ok(await pledge(client, bob, campaign["id"]))
    c = ok(await pledge(client, carol, campaign["id"]))  # never pays
    await pay(client, ctx, alice, a["order_no"])
    await pay(client, ctx, bob, b["order_no"])
    await drain_outbox(ctx)
    assert await level(ctx, sku_id) == (17, 1)

    await past_deadline(ctx, campaign["id"])
    await run_job(ctx, SETTLE_JOB)
    await run_job(ctx, SETTLE_JOB)
    await drain_outbox(ctx)
    await complete_refunds(app, ctx, [a["order_no"], b["order_no"]])
    # One refund call to WeChat per paid pledge, none for the unpaid one.
    calls = Counter(r.out_trade_no for r in simulator(app).refunds.values())
    assert sorted(calls.values()) == [1, 1]  # two payments, each refunded once

    row = await campaign_row(ctx, campaign["id"])
    assert (row.status, row.pledged_units) == ("failed", 3)
    assert await pledge_statuses(ctx, campaign["id"]) == {
        a["order_no"]: "refunded",
        b["order_no"]: "refunded",
        c["order_no"]: "cancelled",
    }
    for order_no, amount in ((a["order_no"], 9800), (b["order_no"], 4900)):
        [refund] = await refunds(ctx, order_no)
        assert (refund.amount, refund.status) == (amount, "succeeded")  # refund notify applied
        order = await order_row(ctx, order_no)
        assert (order.status, order.refunded_total) == ("cancelled", amount)
    assert await refunds(ctx, c["order_no"]) == []
    assert (await order_row(ctx, c["order_no"])).status == "cancelled"
    assert await level(ctx, sku_id) == (20, 0)  # every unit back
    late = await pledge(client, await shopper(client, "dave"), campaign["id"])
    assert (late.status_code, late.json()["code"]) == (409, "social.crowdfunding_not_running")


async def test_money_after_the_deadline_is_refunded(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=20)
    campaign = await make_crowdfunding(client, staff, sku_id, target_quantity=1)
    alice = await shopper(client, "alice")
    a = ok(await pledge(client, alice, campaign["id"]))
    await past_deadline(ctx, campaign["id"])
    await pay(client, ctx, alice, a["order_no"])  # the order's own deadline not yet applied
    await drain_outbox(ctx)
    await complete_refunds(app, ctx, [a["order_no"]])
    assert (await pledge_statuses(ctx, campaign["id"])) == {a["order_no"]: "refunded"}
    [refund] = await refunds(ctx, a["order_no"])
    assert (refund.amount, refund.status) == (4900, "succeeded")
    await run_job(ctx, SETTLE_JOB)
    row = await campaign_row(ctx, campaign["id"])
    assert (row.status, row.pledged_units, row.claimed_units) == ("failed", 0, 0)


async def test_refusals_change_nothing(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=20)
    campaign = await make_crowdfunding(
        client, staff, sku_id, target_quantity=2, max_quantity=3, per_member_limit=2
    )
    now = utcnow()
    upcoming = await make_crowdfunding(
        client,
        staff,
        sku_id,
        starts_at=(now + timedelta(days=1)).isoformat(),
        ends_at=(now + timedelta(days=2)).isoformat(),
    )
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    ok(await pledge(client, alice, campaign["id"], quantity=2))

    async def refused(response_of: object, status: int, code: str) -> None:
        before = await snapshot(ctx, *WATCHED)
        response = await response_of  # type: ignore[misc]
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert await snapshot(ctx, *WATCHED) == before

    await refused(pledge(client, bob, 999_999), 404, "social.crowdfunding_not_found")
    await refused(pledge(client, bob, upcoming["id"]), 409, "social.crowdfunding_not_running")
    await refused(pledge(client, alice, campaign["id"]), 409, "social.pledge_limit_reached")
    await refused(pledge(client, bob, campaign["id"], 2), 409, "social.crowdfunding_sold_out")
    await refused(pledge(client, bob, campaign["id"], 0), 422, "request.invalid")
    for field, value, status in (
        ("pledge_price", 6000, 400),
        ("max_quantity", 1, 400),
        ("ends_at", (now - timedelta(days=2)).isoformat(), 400),
        ("target_quantity", 0, 422),
    ):
        bad = client.post(
            CROWDFUNDINGS, json=crowdfunding_body(sku_id, **{field: value}), headers=staff
        )
        code = "social.invalid_crowdfunding" if status == 400 else "request.invalid"
        await refused(bad, status, code)
    named = await client.post(
        CROWDFUNDINGS, json=crowdfunding_body(sku_id, pledge_price=6000), headers=staff
    )
    assert named.json()["field"] == "pledge_price"
    edit = client.put(
        f"{CROWDFUNDINGS}/{campaign['id']}",
        json=crowdfunding_body(sku_id, max_quantity=1, target_quantity=1, per_member_limit=1),
        headers=staff,
    )
    await refused(edit, 400, "social.invalid_crowdfunding")

    stopped = await client.post(
        f"{CROWDFUNDINGS}/{campaign['id']}/status", json={"status": "stopped"}, headers=staff
    )
    assert (stopped.json()["state"], stopped.json()["stopped_reason"]) == ("stopped", "merchant")
    await refused(pledge(client, bob, campaign["id"]), 409, "social.crowdfunding_not_running")


async def test_an_order_on_hold_cannot_open_an_aftersale(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=20)
    group_buy = await make_campaign(client, staff, sku_id)
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    opened = ok(await open_group(client, alice, group_buy["id"]))
    await pay(client, ctx, alice, opened["order_no"])
    cf = await make_crowdfunding(client, staff, sku_id)
    pledged = ok(await pledge(client, bob, cf["id"]))
    await pay(client, ctx, bob, pledged["order_no"])
    await drain_outbox(ctx)

    for who, order_no in ((alice, opened["order_no"]), (bob, pledged["order_no"])):
        before = await snapshot(ctx, *WATCHED, "orders_event")
        response = await client.post(
            f"/api/v1/orders/{order_no}/aftersales",
            json={"kind": "refund_only", "reason": "不想要了", "amount": 100},
            headers=who.headers,
        )
        assert (response.status_code, response.json()["code"]) == (
            409,
            "orders.aftersale_on_hold",
        ), response.text
        assert await snapshot(ctx, *WATCHED, "orders_event") == before

    # Once the group completes, the hold is gone and an after-sale may be asked for.
    carol, dave = await shopper(client, "carol"), await shopper(client, "dave")
    for who in (carol, dave):
        seat = ok(await join_group(client, who, opened["share_id"]))
        await pay(client, ctx, who, seat["order_no"])
        await drain_outbox(ctx)
    response = await client.post(
        f"/api/v1/orders/{opened['order_no']}/aftersales",
        json={"kind": "refund_only", "reason": "不想要了", "amount": 100},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text


async def test_the_budget_stops_the_campaign_and_the_cost_panel_adds_up(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=20)
    # 1000 fen of subsidy per unit; the budget pays for two units.
    campaign = await make_crowdfunding(
        client, staff, sku_id, target_quantity=3, per_member_limit=3, budget=2500
    )
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    a = ok(await pledge(client, alice, campaign["id"], quantity=2))
    b = ok(await pledge(client, bob, campaign["id"]))  # asked before the budget ran out
    await pay(client, ctx, alice, a["order_no"])
    await drain_outbox(ctx)
    row = await campaign_row(ctx, campaign["id"])
    # 500 fen left cannot pay for another unit: the campaign stopped itself.
    assert (row.status, row.stopped_reason, row.subsidy_spent) == ("stopped", "budget", 2000)
    refused = await pledge(client, await shopper(client, "carol"), campaign["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "social.crowdfunding_not_running")
    await pay(client, ctx, bob, b["order_no"])  # paid already asked: it still completes
    await drain_outbox(ctx)
    row = await campaign_row(ctx, campaign["id"])
    assert (row.pledged_units, row.subsidy_spent, row.subsidy_over) == (3, 2000, 1000)

    costs = (await client.get(f"{CROWDFUNDINGS}/{campaign['id']}/costs", headers=staff)).json()
    assert costs["budget"] == 2500
    assert costs["subsidy_spent"] == 3000
    assert costs["budget_left"] == 0
    assert (costs["paid_orders"], costs["new_customers"]) == (2, 2)
    assert costs["cost_per_new_customer"] == 1500
    assert costs["stopped_by_budget"] is True
    assert [(d["subsidy"], d["paid_orders"]) for d in costs["days"]] == [(3000, 2)]

    # A group buy's panel: one seat paid, 2000 fen of subsidy, one new customer (alice had
    # paid before, carol had not).
    group_buy = await make_campaign(client, staff, sku_id, budget=100_000)
    carol = await shopper(client, "carol")
    opened = ok(await open_group(client, carol, group_buy["id"]))
    await pay(client, ctx, carol, opened["order_no"])
    seat = ok(await join_group(client, alice, opened["share_id"]))
    await pay(client, ctx, alice, seat["order_no"])
    await drain_outbox(ctx)
    panel = (
        await client.get(f"/api/v1/console/group-buys/{group_buy['id']}/costs", headers=staff)
    ).json()
    assert (panel["subsidy_spent"], panel["paid_orders"], panel["new_customers"]) == (4000, 2, 1)
    assert (panel["budget_left"], panel["cost_per_new_customer"]) == (96_000, 4000)
    missing = await client.get(f"{CROWDFUNDINGS}/999999/costs", headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "social.crowdfunding_not_found")
