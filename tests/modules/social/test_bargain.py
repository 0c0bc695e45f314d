"""Bargains end to end on both databases: a campaign from the console, a bargain started,
friends' cuts through the share link (each once, never below the floor), the initiator's order
at the current price paid through the WeChat Pay simulator, the cost report; every refusal with
its code and nothing changed; expiry, the budget and the daily caps."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.members.models import Member
from shoplet.modules.risk import config as risk_config
from shoplet.modules.social.bargain import repository as bargain_repo
from shoplet.modules.social.bargain import service as bargain_service
from shoplet.modules.social.bargain.tasks import EXPIRE_JOB
from tests.conftest import snapshot
from tests.modules.checkout.test_races import make_buyers
from tests.modules.orders.factories import level, one_sku, order_row, pay, product, shopper
from tests.modules.social.bargain_factories import (
    BARGAIN_TABLES,
    CAMPAIGNS,
    SHOP,
    WATCHED,
    bargain_row,
    buy,
    campaign_body,
    campaign_row,
    created,
    cut,
    make_campaign,
    past_deadline,
    refused,
    start,
)


async def test_friends_cut_and_the_initiator_buys_at_the_new_price(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id)
    assert (campaign["start_price"], campaign["floor_price"], campaign["state"]) == (
        5900,
        1900,
        "running",
    )
    cards = (await client.get(f"/api/v1/products/{campaign['product_id']}/bargains")).json()
    assert [(c["id"], c["start_price"], c["floor_price"]) for c in cards] == [
        (campaign["id"], 5900, 1900)
    ]
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]

    started = created(await start(client, alice, campaign["id"]))
    share = started["share_id"]
    assert (started["current_price"], started["helpers"], started["viewer"]) == (
        5900,
        0,
        "initiator",
    )

    # The initiator cannot help herself; nothing is written.
    before = await snapshot(ctx, *WATCHED)
    assert refused(await cut(client, alice, share)) == (409, "social.bargain_own")
    assert await snapshot(ctx, *WATCHED) == before

    bob_cut = created(await cut(client, bob, share))
    assert bob_cut["is_new_member"] is True  # signed up just now
    assert 1 <= bob_cut["amount"] < 4000
    # A second cut by the same friend: refused, nothing written.
    before = await snapshot(ctx, *WATCHED)
    assert refused(await cut(client, bob, share)) == (409, "social.bargain_already_cut")
    assert await snapshot(ctx, *WATCHED) == before

    carol_cut = created(await cut(client, carol, share))
    price = 5900 - bob_cut["amount"] - carol_cut["amount"]
    assert price >= 1900
    view = (await client.get(f"{SHOP}/{share}", headers=bob.headers)).json()
    assert (view["current_price"], view["helpers"], view["viewer"]) == (price, 2, "helped")
    assert [h["amount"] for h in view["helper_list"]] == [bob_cut["amount"], carol_cut["amount"]]
    assert all(h["name"].endswith("***") for h in view["helper_list"])
    guest = (await client.get(f"{SHOP}/{share}")).json()
    assert guest["viewer"] == "guest"

    # Only the initiator buys.
    before = await snapshot(ctx, *WATCHED)
    assert refused(await buy(client, bob, share)) == (403, "social.bargain_not_yours")
    assert await snapshot(ctx, *WATCHED) == before

    order = created(await buy(client, alice, share))
    assert order["payable_total"] == price
    assert order["bargain"]["status"] == "ordered"
    await pay(client, ctx, alice, order["order_no"])
    await drain_outbox(ctx)
    row = await order_row(ctx, order["order_no"])
    assert (row.status, row.payable_total, row.source) == ("paid", price, "bargain")
    assert (await bargain_row(ctx, share)).status == "paid"
    assert await level(ctx, sku_id) == (9, 0)

    # No cut and no second order after the order.
    dave = await shopper(client, "dave")
    before = await snapshot(ctx, *WATCHED)
    assert refused(await cut(client, dave, share)) == (409, "social.bargain_not_open")
    assert refused(await buy(client, alice, share)) == (409, "social.bargain_not_open")
    assert await snapshot(ctx, *WATCHED) == before

    report = (await client.get(f"{CAMPAIGNS}/{campaign['id']}/report", headers=staff)).json()
    subsidy = 5900 - price
    assert {k: report[k] for k in report if k != "days"} == {
        "campaign_id": campaign["id"],
        "bargains_started": 1,
        "helpers": 2,
        "new_members": 2,
        "orders": 1,
        "paid_orders": 1,
        "subsidy": subsidy,
        "subsidy_claimed": subsidy,
        "cost_per_new_member": round(subsidy / 2),
        "budget": 100_000,
        "budget_left": 100_000 - subsidy,
    }
    assert [(d["started"], d["helpers"], d["orders"]) for d in report["days"]] == [(1, 2, 1)]
    mine = (await client.get(f"{SHOP}/mine", headers=alice.headers)).json()["items"]
    assert [(m["share_id"], m["status"]) for m in mine] == [(share, "paid")]


async def test_the_last_cut_lands_exactly_on_the_floor(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=1)
    alice, bob, carol = [await shopper(client, n) for n in ("alice", "bob", "carol")]
    share = created(await start(client, alice, campaign["id"]))["share_id"]
    first = created(await cut(client, bob, share))
    assert first["amount"] == 4000
    assert (first["bargain"]["current_price"], first["bargain"]["at_floor"]) == (1900, True)
    before = await snapshot(ctx, *WATCHED)
    assert refused(await cut(client, carol, share)) == (409, "social.bargain_at_floor")
    assert await snapshot(ctx, *WATCHED) == before
    assert created(await buy(client, alice, share))["payable_total"] == 1900


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"floor_price": 5900}, 400, "floor_price"),
        ({"floor_price": 7000}, 400, "floor_price"),
        ({"helpers_needed": 0}, 422, None),
        ({"budget": -1}, 422, None),
        ({"floor_price": 5898, "helpers_needed": 3}, 400, "helpers_needed"),
        ({"new_user_bonus_pct": 50}, 422, None),
        ({"sku_id": 999_999}, 400, "sku_id"),
    ],
)
async def test_invalid_campaigns_are_refused_and_nothing_is_written(
    *,
    ctx: AppContext,
    client: httpx.AsyncClient,
    staff: dict[str, str],
    overrides: dict[str, int],
    status: int,
    field: str | None,
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    before = await snapshot(ctx, *BARGAIN_TABLES, "staff_audit_log")
    response = await client.post(
        CAMPAIGNS, json={**campaign_body(sku_id), **overrides}, headers=staff
    )
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["code"] == "social.invalid_bargain_campaign"
        assert response.json()["field"] == field
    assert await snapshot(ctx, *BARGAIN_TABLES, "staff_audit_log") == before


async def test_an_expired_bargain_takes_no_cut_and_no_order(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id)
    alice, bob = [await shopper(client, n) for n in ("alice", "bob")]
    share = created(await start(client, alice, campaign["id"]))["share_id"]
    await past_deadline(ctx, share)
    before = await snapshot(ctx, *WATCHED)
    assert refused(await cut(client, bob, share)) == (409, "social.bargain_not_open")
    assert refused(await buy(client, alice, share)) == (409, "social.bargain_not_open")
    assert await snapshot(ctx, *WATCHED) == before
    await run_job(ctx, EXPIRE_JOB)
    await run_job(ctx, EXPIRE_JOB)
    assert (await bargain_row(ctx, share)).status == "expired"
    # Her limit of one counts held bargains only: an expired one frees it.
    assert created(await start(client, alice, campaign["id"]))["status"] == "open"


async def test_the_budget_is_never_passed_and_reaching_it_stops_the_campaign(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    _, [sku_id, small_sku] = await product(ctx, (5900, 10), (2100, 5))
    campaign = await make_campaign(
        client, staff, sku_id, helpers_needed=1, budget=6000, per_member_limit=2
    )
    alice, bob, carol, dave = [await shopper(client, n) for n in ("alice", "bob", "carol", "dave")]
    first = created(await start(client, alice, campaign["id"]))["share_id"]
    second = created(await start(client, bob, campaign["id"]))["share_id"]
    created(await cut(client, carol, first))  # 4000 off
    created(await cut(client, dave, second))  # 4000 off
    created(await buy(client, alice, first))
    assert (await campaign_row(ctx, campaign["id"])).subsidy_spent == 4000

    before = await snapshot(ctx, *WATCHED)
    assert refused(await buy(client, bob, second)) == (409, "social.bargain_budget_exhausted")
    assert await snapshot(ctx, *WATCHED) == before
    assert (await bargain_row(ctx, second)).status == "open"

    # A claim that reaches the budget exactly stops the campaign.
    small = await make_campaign(
        client, staff, small_sku, helpers_needed=1, floor_price=100, budget=2000
    )
    share = created(await start(client, carol, small["id"]))["share_id"]
    created(await cut(client, dave, share))
    created(await buy(client, carol, share))
    row = await campaign_row(ctx, small["id"])
    assert (row.subsidy_spent, row.status) == (2000, "stopped")
    assert refused(await start(client, dave, small["id"])) == (
        409,
        "social.bargain_campaign_not_running",
    )


async def test_an_unpaid_order_gives_the_subsidy_back(
    app: FastAPI, ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=1)
    alice, bob = [await shopper(client, n) for n in ("alice", "bob")]
    share = created(await start(client, alice, campaign["id"]))["share_id"]
    created(await cut(client, bob, share))
    order = created(await buy(client, alice, share))
    assert (await campaign_row(ctx, campaign["id"])).subsidy_spent == 4000
    cancelled = await client.post(
        f"/api/v1/orders/{order['order_no']}/cancel", json={}, headers=alice.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    await drain_outbox(ctx)
    await drain_outbox(ctx)  # delivered twice: given back once
    assert (await bargain_row(ctx, share)).status == "cancelled"
    assert (await campaign_row(ctx, campaign["id"])).subsidy_spent == 0


async def _age(ctx: AppContext, member_id: int, days: int = 30) -> None:
    """Make a member's account ``days`` old (an established shopper, not a new one)."""
    async with unit_of_work(ctx.sessionmaker) as s:
        await s.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


async def _bargains(
    ctx: AppContext, client: httpx.AsyncClient, campaign_id: int, n: int
) -> list[str]:
    """``n`` bargains of one campaign, each started by a shopper of its own: their share ids."""
    return [
        created(await start(client, who, campaign_id))["share_id"]
        for who in await make_buyers(ctx, n)
    ]


async def test_a_device_cuts_five_times_a_day_at_most(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=10)
    cap = bargain_service.CUTS_PER_DEVICE_PER_DAY
    shares = await _bargains(ctx, client, campaign["id"], cap + 1)
    [friend] = await make_buyers(ctx, 1)
    await _age(ctx, friend.member_id)  # an established account: only the device cap applies
    for share in shares[:-1]:
        created(await cut(client, friend, share, device_id="device-0001"))
    before = await snapshot(ctx, *WATCHED)
    assert refused(await cut(client, friend, shares[-1], device_id="device-0001")) == (
        409,
        "social.bargain_cut_quota",
    )
    assert await snapshot(ctx, *WATCHED) == before
    # The same friend from another device is fine.
    created(await cut(client, friend, shares[-1], device_id="device-0002"))


async def test_a_third_shopper_on_one_device_today_is_refused_by_the_engine(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    """The risk engine in enforce mode (the bargain's own score is retired): two accounts on one
    phone helping two different bargains cut; a third account on that phone today, on a third
    bargain, is 403 ``risk.blocked`` (counted across the day's bargains), nothing written; from
    a phone of its own it cuts. In monitor mode the same cut goes through (logged only)."""
    risk_config.use_settings(ctx, mode="enforce")
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=10)
    shares = await _bargains(ctx, client, campaign["id"], 4)
    first, second, third = await make_buyers(ctx, 3)
    created(await cut(client, first, shares[0], device_id="farm-phone-1"))
    created(await cut(client, second, shares[1], device_id="farm-phone-1"))
    before = await snapshot(ctx, *WATCHED)
    response = await cut(client, third, shares[2], device_id="farm-phone-1")
    assert refused(response) == (403, "risk.blocked")
    assert response.json()["reasons"][:2] == [
        "rule:砍价：同设备多账号（全天）",
        "accounts_on_device_all gte 3",
    ]
    assert await snapshot(ctx, *WATCHED) == before
    created(await cut(client, third, shares[2], device_id="own-phone-3"))
    risk_config.use_settings(ctx, mode="monitor")
    created(await cut(client, third, shares[3], device_id="farm-phone-1"))


async def test_a_new_account_cutting_in_bursts_is_refused(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    """Enforce mode: a new account's sixth cut within a minute is 403 ``risk.blocked``
    (砍价：新账号连刀), nothing written; an established account's sixth cut goes through."""
    risk_config.use_settings(ctx, mode="enforce")
    sku_id = await one_sku(ctx, price=5900, stock=20)
    campaign = await make_campaign(client, staff, sku_id, helpers_needed=10)
    shares = await _bargains(ctx, client, campaign["id"], 6)
    new, old = await make_buyers(ctx, 2)
    await _age(ctx, old.member_id)
    for share in shares[:-1]:
        created(await cut(client, new, share))
        created(await cut(client, old, share))
    before = await snapshot(ctx, *WATCHED)
    response = await cut(client, new, shares[-1])
    assert refused(response) == (403, "risk.blocked")
    assert response.json()["reasons"][0] == "rule:砍价：新账号连刀"
    assert await snapshot(ctx, *WATCHED) == before
    created(await cut(client, old, shares[-1]))


async def test_the_per_shopper_limit_comes_back_when_a_bargain_expires(
    ctx: AppContext, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    sku_id = await one_sku(ctx, price=5900, stock=10)
    campaign = await make_campaign(client, staff, sku_id, per_member_limit=1)
    alice = await shopper(client, "alice")
    share = created(await start(client, alice, campaign["id"]))["share_id"]
    before = await snapshot(ctx, *WATCHED, "social_quota")
    assert refused(await start(client, alice, campaign["id"])) == (
        409,
        "social.bargain_limit_reached",
    )
    assert await snapshot(ctx, *WATCHED, "social_quota") == before
    await past_deadline(ctx, share)
    await run_job(ctx, EXPIRE_JOB)
    await run_job(ctx, EXPIRE_JOB)  # twice: given back once
    assert (await bargain_row(ctx, share)).status == "expired"
    created(await start(client, alice, campaign["id"]))
    assert refused(await start(client, alice, campaign["id"])) == (
        409,
        "social.bargain_limit_reached",
    )


async def test_one_ip_cuts_at_most_its_daily_cap(ctx: AppContext) -> None:
    """Repository level (the test client has one address): the cap counts per scope and day."""
    cap = bargain_service.CUTS_PER_IP_PER_DAY
    async with unit_of_work(ctx.sessionmaker) as s:
        for _ in range(cap):
            assert await bargain_repo.take_quota(s, "ip:10.0.0.1", "2026-12-04", cap)
        assert not await bargain_repo.take_quota(s, "ip:10.0.0.1", "2026-12-04", cap)
        assert await bargain_repo.take_quota(s, "ip:10.0.0.2", "2026-12-04", cap)
        assert await bargain_repo.take_quota(s, "ip:10.0.0.1", "2026-12-05", cap)
