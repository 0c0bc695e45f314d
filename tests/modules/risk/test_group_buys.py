"""Group buys on the risk engine (enforce mode): a fake ring filling one group from one phone
is refused (403 ``risk.blocked``, no order, no seat), the leader counting within the group it
opened; fresh accounts filling it from one IP are challenged; and twenty concurrent joins of one
group from one phone let exactly one through (PostgreSQL + Redis: one Lua script counts)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from shoplet.modules.risk import config, service
from shoplet.modules.social.models import GroupMember
from tests.conftest import snapshot
from tests.modules.checkout.test_races import make_buyers
from tests.modules.orders.factories import Shopper, one_sku, pay, shopper
from tests.modules.social.conftest import staff
from tests.modules.social.factories import WATCHED, make_campaign, ok

__all__ = ["staff"]  # fixture

SHOP = "/api/v1/group-buys"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"trusted_proxies": ["127.0.0.1/32"]}


@pytest.fixture(autouse=True)
def enforce(ctx: AppContext) -> None:
    config.use_settings(ctx, mode="enforce")


def on(who: Shopper, device: str, ip: str) -> dict[str, str]:
    return {**who.headers, "X-Device-Id": device, "X-Forwarded-For": ip}


async def opened_group(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], leader: Shopper, size: int
) -> str:
    """A paid leader's group, open for others (the leader on their own phone; the leader signed
    in with WeChat, which the payment needs)."""
    sku_id = await one_sku(ctx, price=5900, stock=100)
    campaign = await make_campaign(client, staff, sku_id, group_size=size, max_groups=10)
    body = ok(
        await client.post(
            f"{SHOP}/{campaign['id']}/groups",
            json={"address_id": leader.address_id},
            headers=on(leader, "leader-phone-01", "36.7.7.7"),
        )
    )
    await pay(client, ctx, leader, body["order_no"])
    await drain_outbox(ctx)
    return str(body["share_id"])


async def join(
    client: httpx.AsyncClient, who: Shopper, share_id: str, device: str, ip: str
) -> httpx.Response:
    return await client.post(
        f"{SHOP}/groups/{share_id}/join",
        json={"address_id": who.address_id},
        headers=on(who, device, ip),
    )


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json().get("code", "")


async def test_a_ring_filling_a_group_from_one_phone_is_blocked(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    leader = await shopper(client, "group-leader")
    first, second, leaders_friend = await make_buyers(ctx, 3)
    share = await opened_group(client, ctx, staff, leader, size=5)
    ok(await join(client, first, share, "ring-phone-01", "120.229.8.1"))
    before = await snapshot(ctx, *WATCHED)

    again = await join(client, second, share, "ring-phone-01", "120.229.8.2")
    # The leader counts within the group: a second account on the leader's phone is a ring too.
    on_leaders_phone = await join(client, leaders_friend, share, "leader-phone-01", "120.229.8.3")

    assert code(again) == (403, "risk.blocked")
    assert code(on_leaders_phone) == (403, "risk.blocked")
    assert await snapshot(ctx, *WATCHED) == before  # no order, no seat, no stock held
    async with ctx.sessionmaker() as session:
        decision = await service.get_decision(session, again.json()["decision_id"])
    assert (decision.action, decision.member_id) == ("group_join", second.member_id)
    assert decision.reasons[0] == "rule:砍价/拼团 团伙：同设备"
    assert decision.signals["accounts_on_device"] == 2


async def test_fresh_accounts_filling_a_group_from_one_ip_are_challenged(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    leader = await shopper(client, "group-leader")
    friends = await make_buyers(ctx, 4)
    share = await opened_group(client, ctx, staff, leader, size=5)
    for i, who in enumerate(friends[:3]):
        ok(await join(client, who, share, f"own-phone-{i:04d}", "120.229.9.9"))
    before = await snapshot(ctx, *WATCHED)

    fourth = await join(client, friends[3], share, "own-phone-0003", "120.229.9.9")

    assert code(fourth) == (403, "risk.challenge_required")
    assert fourth.json()["challenge_id"]
    assert await snapshot(ctx, *WATCHED) == before
    # The same fresh friend opening a group of their own is no ring: the leader is counted
    # within the new group only.
    sku_id = await one_sku(ctx, price=5900, stock=5)
    campaign = await make_campaign(client, staff, sku_id)
    opened = await client.post(
        f"{SHOP}/{campaign['id']}/groups",
        json={"address_id": friends[3].address_id},
        headers=on(friends[3], "own-phone-0003", "120.229.9.9"),
    )
    assert opened.status_code == 201, opened.text


async def test_twenty_concurrent_joins_from_one_phone_let_one_through(
    backend: str, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    """Each join in its own request and transaction: the distinct-accounts count of the phone
    within the group is one atomic step (a Lua script on Redis), so exactly one of twenty fresh
    accounts on one phone gets a seat and an order; the nineteen refused change nothing."""
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    leader = await shopper(client, "group-leader")
    ring = await make_buyers(ctx, 20)
    share = await opened_group(client, ctx, staff, leader, size=30)
    before = await snapshot(ctx, "orders_order", "inventory_stock")

    responses = await asyncio.gather(
        *(
            join(client, who, share, "ring-phone-20", f"36.20.0.{i + 1}")
            for i, who in enumerate(ring)
        )
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 403: 19}
    assert {r.json()["code"] for r in responses if r.status_code == 403} == {"risk.blocked"}
    async with ctx.sessionmaker() as session:
        seats = await session.scalar(select(func.count()).select_from(GroupMember))
    assert seats == 2  # the leader and the one friend who got through
    after = await snapshot(ctx, "orders_order", "inventory_stock")
    assert len(after["orders_order"]) == len(before["orders_order"]) + 1
