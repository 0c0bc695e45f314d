"""Group buys end to end on both databases: a campaign from the console, a group opened and
joined by paying through the WeChat Pay simulator, completed (orders released for shipping) or
failed by its deadline (every paid member refunded once, refund notify applied, stock back),
money for a full group refunded, and every refusal with its code and nothing changed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.orders import public as orders
from shoplet.modules.social.tasks import EXPIRE_JOB
from tests.conftest import snapshot
from tests.modules.orders.factories import level, one_sku, order_row, pay, shopper
from tests.modules.social.factories import (
    CAMPAIGNS,
    GROUPS_ADMIN,
    SHOP,
    WATCHED,
    campaign_body,
    complete_refunds,
    group_row,
    join_group,
    make_campaign,
    ok,
    open_group,
    past_deadline,
    refunds,
    seat_statuses,
)


async def _ship(ctx: AppContext, order_no: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as s:
        await orders.ship_order(
            s, order_no=order_no, carrier="顺丰", tracking_no="SF1000", actor="op"
        )


async def test_three_shoppers_complete_a_group_and_only_then_it_ships(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id)
    assert campaign["state"] == "running"
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]

    opened = ok(await open_group(client, alice, campaign["id"]))
    assert opened["payable_total"] == 3900
    share = opened["share_id"]
    # Not open to others before the leader pays.
    refused = await join_group(client, bob, share)
    assert (refused.status_code, refused.json()["code"]) == (409, "social.group_not_open")

    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    view = (await client.get(f"{SHOP}/groups/{share}")).json()
    assert (view["status"], view["filled"], view["slots_left"]) == ("open", 1, 2)
    [leader] = view["seats"]
    assert leader["is_leader"]
    assert leader["name"].endswith("***")
    assert len(leader["name"]) == 4

    bob_seat = ok(await join_group(client, bob, share))
    await pay(client, ctx, bob, bob_seat["order_no"])
    await drain_outbox(ctx)
    # Paid, but the group is not complete: the order may not ship.
    with pytest.raises(orders.OrderOnHold):
        await _ship(ctx, bob_seat["order_no"])

    carol_seat = ok(await join_group(client, carol, share))
    await pay(client, ctx, carol, carol_seat["order_no"])
    await drain_outbox(ctx)

    group = await group_row(ctx, share)
    assert (group.status, group.filled) == ("succeeded", 3)
    assert set((await seat_statuses(ctx, share)).values()) == {"succeeded"}
    for order_no in (opened["order_no"], bob_seat["order_no"], carol_seat["order_no"]):
        row = await order_row(ctx, order_no)
        assert (row.status, row.ship_hold, row.payable_total) == ("paid", None, 3900)
    await _ship(ctx, bob_seat["order_no"])
    assert (await order_row(ctx, bob_seat["order_no"])).status == "shipped"
    assert await level(ctx, sku_id) == (7, 0)

    # A fourth shopper finds it full; the console lists it as 拼团成功.
    dave = await shopper(client, "dave")
    full = await join_group(client, dave, share)
    assert (full.status_code, full.json()["code"]) == (409, "social.group_full")
    listed = (await client.get(GROUPS_ADMIN, headers=staff)).json()["items"]
    assert [(g["share_id"], g["status"], g["filled"]) for g in listed] == [(share, "succeeded", 3)]


async def test_a_group_past_its_deadline_refunds_every_paid_member_once(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    opened = ok(await open_group(client, alice, campaign["id"]))
    share = opened["share_id"]
    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    bob_seat = ok(await join_group(client, bob, share))
    await pay(client, ctx, bob, bob_seat["order_no"])
    carol_seat = ok(await join_group(client, carol, share))  # never pays
    await drain_outbox(ctx)
    assert await level(ctx, sku_id) == (8, 1)

    await past_deadline(ctx, share)
    await run_job(ctx, EXPIRE_JOB)
    await run_job(ctx, EXPIRE_JOB)  # a second run (another replica) changes nothing
    await complete_refunds(app, ctx, [opened["order_no"], bob_seat["order_no"]])

    assert (await group_row(ctx, share)).status == "failed"
    assert await seat_statuses(ctx, share) == {
        opened["order_no"]: "refunded",
        bob_seat["order_no"]: "refunded",
        carol_seat["order_no"]: "cancelled",
    }
    for order_no in (opened["order_no"], bob_seat["order_no"]):
        [refund] = await refunds(ctx, order_no)
        assert (refund.amount, refund.status) == (3900, "succeeded")  # refund notify applied
        row = await order_row(ctx, order_no)
        assert (row.status, row.refunded_total) == ("cancelled", 3900)
    assert await refunds(ctx, carol_seat["order_no"]) == []
    assert (await order_row(ctx, carol_seat["order_no"])).status == "cancelled"
    assert await level(ctx, sku_id) == (10, 0)  # every unit back
    # Paying late for the failed group: the money goes back too.
    late = await join_group(client, await shopper(client, "dave"), share)
    assert (late.status_code, late.json()["code"]) == (409, "social.group_not_open")


async def test_money_for_a_group_filled_meanwhile_is_refunded(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, group_size=2)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    opened = ok(await open_group(client, alice, campaign["id"]))
    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    share = opened["share_id"]
    bob_seat = ok(await join_group(client, bob, share))
    carol_seat = ok(await join_group(client, carol, share))  # both see one slot left
    await pay(client, ctx, bob, bob_seat["order_no"])
    await drain_outbox(ctx)
    await pay(client, ctx, carol, carol_seat["order_no"])
    await drain_outbox(ctx)
    await complete_refunds(app, ctx, [carol_seat["order_no"]])

    assert (await group_row(ctx, share)).status == "succeeded"
    statuses = await seat_statuses(ctx, share)
    assert statuses[carol_seat["order_no"]] == "refunded"
    assert Counter(statuses.values()) == {"succeeded": 2, "refunded": 1}
    [refund] = await refunds(ctx, carol_seat["order_no"])
    assert (refund.amount, refund.status) == (3900, "succeeded")
    assert await level(ctx, sku_id) == (8, 0)


async def test_auto_fill_completes_a_short_group_with_enough_paid_members(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    """模拟成团 (min 2 of 3): at the deadline a group with two paid seats completes, the third
    seat filled by the shop; its paid orders ship, the unpaid seat is cancelled and its stock
    comes back; a group with one paid seat still fails and refunds. Off by default."""
    sku_id = await one_sku(ctx, price=5900, stock=10)
    assert (await make_campaign(client, staff, sku_id))["auto_fill"] is False
    campaign = await make_campaign(client, staff, sku_id, auto_fill=True, auto_fill_min=2)
    assert (campaign["auto_fill"], campaign["auto_fill_min"]) == (True, 2)
    alice, bob, carol, dave = [await shopper(client, n) for n in ("alice", "bob", "carol", "dave")]
    opened = ok(await open_group(client, alice, campaign["id"]))
    share = opened["share_id"]
    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    bob_seat = ok(await join_group(client, bob, share))
    await pay(client, ctx, bob, bob_seat["order_no"])
    carol_seat = ok(await join_group(client, carol, share))  # never pays
    lonely = ok(await open_group(client, dave, campaign["id"]))
    await pay(client, ctx, dave, lonely["order_no"])
    await drain_outbox(ctx)

    await past_deadline(ctx, share)
    await past_deadline(ctx, lonely["share_id"])
    await run_job(ctx, EXPIRE_JOB)
    await run_job(ctx, EXPIRE_JOB)  # a second run (another replica) changes nothing
    await drain_outbox(ctx)
    await complete_refunds(app, ctx, [lonely["order_no"]])

    group = await group_row(ctx, share)
    assert (group.status, group.filled, group.auto_filled) == ("succeeded", 2, 1)
    assert await seat_statuses(ctx, share) == {
        opened["order_no"]: "succeeded",
        bob_seat["order_no"]: "succeeded",
        carol_seat["order_no"]: "cancelled",
    }
    for order_no in (opened["order_no"], bob_seat["order_no"]):
        row = await order_row(ctx, order_no)
        assert (row.status, row.ship_hold) == ("paid", None)  # free to ship
        assert await refunds(ctx, order_no) == []
    assert (await order_row(ctx, carol_seat["order_no"])).status == "cancelled"
    view = (await client.get(f"/api/v1/group-buys/groups/{share}")).json()
    assert (view["status"], view["auto_filled"], view["slots_left"]) == ("succeeded", 1, 0)

    assert (await group_row(ctx, lonely["share_id"])).status == "failed"
    [refund] = await refunds(ctx, lonely["order_no"])
    assert refund.status == "succeeded"
    assert await level(ctx, sku_id) == (8, 0)  # two shipped units held; the rest back


async def test_refusals_change_nothing(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, per_member_limit=1, max_groups=2)
    now = utcnow()
    upcoming = await make_campaign(
        client,
        staff,
        sku_id,
        starts_at=(now + timedelta(days=1)).isoformat(),
        ends_at=(now + timedelta(days=2)).isoformat(),
    )
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    opened = ok(await open_group(client, alice, campaign["id"]))
    await pay(client, ctx, alice, opened["order_no"])
    await drain_outbox(ctx)
    share = opened["share_id"]
    await drain_outbox(ctx)

    async def refused(response_of: object, status: int, code: str) -> None:
        before = await snapshot(ctx, *WATCHED)
        response = await response_of  # type: ignore[misc]
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert await snapshot(ctx, *WATCHED) == before

    await refused(open_group(client, bob, 999_999), 404, "social.campaign_not_found")
    await refused(open_group(client, bob, upcoming["id"]), 409, "social.campaign_not_running")
    await refused(join_group(client, alice, share), 409, "social.already_in_group")
    await refused(open_group(client, alice, campaign["id"]), 409, "social.limit_reached")
    await refused(join_group(client, bob, "no-such-group"), 404, "social.group_not_found")
    await refused(
        client.post(CAMPAIGNS, json=campaign_body(sku_id, group_price=5900), headers=staff),
        400,
        "social.invalid_campaign",
    )
    await refused(
        client.post(
            CAMPAIGNS,
            json=campaign_body(sku_id, ends_at=(now - timedelta(days=2)).isoformat()),
            headers=staff,
        ),
        400,
        "social.invalid_campaign",
    )
    await refused(
        client.post(CAMPAIGNS, json=campaign_body(sku_id, group_size=1), headers=staff),
        422,
        "request.invalid",
    )
    # The field named for the editor.
    bad = await client.post(CAMPAIGNS, json=campaign_body(sku_id, group_price=6000), headers=staff)
    assert bad.json()["field"] == "group_price"

    # Stopped: no new groups.
    stopped = await client.post(
        f"{CAMPAIGNS}/{campaign['id']}/status", json={"status": "stopped"}, headers=staff
    )
    assert stopped.json()["state"] == "stopped"
    await refused(open_group(client, bob, campaign["id"]), 409, "social.campaign_not_running")
    await refused(join_group(client, bob, share), 409, "social.campaign_not_running")


async def test_max_groups_and_the_product_page(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, max_groups=1)
    cards = (await client.get(f"/api/v1/products/{campaign['product_id']}/group-buys")).json()
    assert [(c["id"], c["group_price"], c["shelf_price"], c["state"]) for c in cards] == [
        (campaign["id"], 3900, 5900, "running")
    ]
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    ok(await open_group(client, alice, campaign["id"]))
    before = await snapshot(ctx, *WATCHED)
    response = await open_group(client, bob, campaign["id"])
    assert (response.status_code, response.json()["code"]) == (409, "social.groups_exhausted")
    assert await snapshot(ctx, *WATCHED) == before
