"""One identity everywhere: a shopper's WeChat account binds the phone of their H5 / store
account and the two become one — orders, coupons, points, cart and addresses each exactly once;
conflicts refused with nothing changed; concurrent merges on PostgreSQL: exactly one."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.cart.models import CartLine
from shoplet.modules.loyalty.models import PointsAccount
from shoplet.modules.members import public as members
from shoplet.modules.members.models import Address, Member, MemberMerge
from shoplet.modules.orders.models import Order
from shoplet.modules.payments import public as payments
from shoplet.modules.promotions.models import Coupon
from tests.conftest import BackendDb, snapshot
from tests.modules.loyalty.factories import grant
from tests.modules.members.conftest import PHONE, bearer, create_address, request_code, sms_login
from tests.modules.orders.factories import (
    Shopper,
    add_to_cart,
    one_sku,
    placed,
    shopper,
    start_payment,
)
from tests.modules.promotions.factories import claimed, make_template
from tests.modules.staff.conftest import bearer as staff_bearer
from tests.modules.staff.conftest import token_for

BIND = "/api/v1/me/phone"
MERGES = "/api/v1/console/members-merges"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The flows ask for several codes per phone; limits have their own test module.
    return {"sms_per_phone_limit": "100/minute", "login_attempts_limit": "100/minute"}


async def phone_shopper(client: httpx.AsyncClient, app: FastAPI, phone: str = PHONE) -> Shopper:
    """The shopper's H5 / store-counter account: signed in by SMS, one address."""
    tokens = await sms_login(client, app, phone)
    address = await create_address(client, tokens)
    return Shopper(int(tokens["member"]["id"]), bearer(tokens), int(address["id"]))


async def pay_h5(client: httpx.AsyncClient, ctx: AppContext, who: Shopper, order_no: str) -> None:
    """An SMS account has no openid: it pays on H5 (WeChat Pay H5, simulator)."""
    started = await start_payment(client, who, order_no, channel="wechat_h5")
    response = await client.post("/_sim/wechatpay/pay", json={"prepay_id": started["prepay_id"]})
    assert response.status_code == 200, response.text
    await payments.settle(ctx)


async def bind(
    client: httpx.AsyncClient, app: FastAPI, who: Shopper, phone: str = PHONE, code: str = ""
) -> httpx.Response:
    code = code or await request_code(client, app, phone)
    return await client.post(BIND, json={"phone": phone, "code": code}, headers=who.headers)


async def count(ctx: AppContext, model: Any, member_id: int) -> int:
    async with ctx.sessionmaker() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(model).where(model.member_id == member_id)
            )
            or 0
        )


async def balance(ctx: AppContext, member_id: int) -> int | None:
    async with ctx.sessionmaker() as s:
        return await s.scalar(
            select(PointsAccount.balance).where(PointsAccount.member_id == member_id)
        )


async def test_binding_a_phone_merges_the_phone_account_once(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = staff_bearer(await token_for(client, ctx, "olivia", role="operator"))
    template = await make_template(client, staff, per_shopper_limit=2)
    sku = await one_sku(ctx, price=5900, stock=20)

    counter = await phone_shopper(client, app)  # bought at a store counter / on H5
    order = await placed(client, counter, [(sku, 1)])
    await pay_h5(client, ctx, counter, order["order_no"])
    await claimed(client, counter, template["id"])
    await grant(ctx, counter.member_id, 100)
    assert await balance(ctx, counter.member_id) == 100
    await add_to_cart(client, counter, sku, 2)

    alice = await shopper(client, "alice")  # the mini program (WeChat openid)
    await claimed(client, alice, template["id"])
    await grant(ctx, alice.member_id, 50)
    await add_to_cart(client, alice, sku, 1)

    response = await bind(client, app, alice)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["phone"] == "138****5678"
    merge = body["merge"]
    assert (merge["from_member_id"], merge["into_member_id"], merge["reason"]) == (
        counter.member_id,
        alice.member_id,
        "bind_phone",
    )
    # Every module with member rows reports its hook (tests/test_merge_coverage.py); the
    # ones with something to move here:
    assert {name: n for name, n in merge["moved"].items() if n} == {
        "achievements": 1,  # the phone account's paid order unlocked 首单
        "addresses": 1,
        "cart": 1,
        "loyalty": 100,
        "membership": 2,  # the order's growth entry and the growth account it opened
        "orders": 1,
        "payments": 1,
        "promotions": 1,
        "recommend": 1,  # the purchase recommendations learn from
    }
    assert set(merge["moved"]) >= {"content", "membership", "social", "support", "wecom"}

    # Everything once, all on alice now.
    assert await count(ctx, Order, alice.member_id) == 1
    assert await count(ctx, Order, counter.member_id) == 0
    async with ctx.sessionmaker() as s:
        seqs = sorted(
            await s.scalars(select(Coupon.seq).where(Coupon.member_id == alice.member_id))
        )
        absorbed = await s.get(Member, counter.member_id)
        survivor = await s.get(Member, alice.member_id)
        defaults = await s.scalar(
            select(func.count())
            .select_from(Address)
            .where(Address.member_id == alice.member_id, Address.is_default)
        )
        cart = list(await s.scalars(select(CartLine).where(CartLine.member_id == alice.member_id)))
    assert seqs == [1, 2]
    assert await balance(ctx, alice.member_id) == 150
    assert await balance(ctx, counter.member_id) == 0
    assert [(line.sku_id, line.quantity) for line in cart] == [(sku, 3)]
    assert await count(ctx, Address, alice.member_id) == 2
    assert defaults == 1
    assert absorbed is not None
    assert survivor is not None
    assert (absorbed.is_active, absorbed.merged_into_id, absorbed.phone_index) == (
        False,
        alice.member_id,
        None,
    )
    assert survivor.phone_index == ctx.pii.blind_index(PHONE)
    assert survivor.wechat_openid is not None
    me = await client.get("/api/v1/orders", headers=alice.headers)
    assert me.status_code == 200
    assert [o["order_no"] for o in me.json()["items"]] == [order["order_no"]]

    # Signing in by the phone now reaches the one account.
    again = await sms_login(client, app)
    assert int(again["member"]["id"]) == alice.member_id

    # The console sees the merge in its history, per member too.
    history = await client.get(MERGES, params={"member_id": counter.member_id}, headers=staff)
    assert history.status_code == 200, history.text
    assert [m["id"] for m in history.json()["items"]] == [merge["id"]]

    # Binding the same phone again is a no-op; a second merge of the absorbed account is refused.
    before = await snapshot(ctx, "members_member", "members_merge", "orders_order")
    same = await bind(client, app, alice)
    assert (same.status_code, same.json()["merge"]) == (200, None)
    async with ctx.sessionmaker() as s:
        merges = await s.scalar(select(func.count()).select_from(MemberMerge))
    assert merges == 1
    with pytest.raises(members.AlreadyMerged):
        async with unit_of_work(ctx.sessionmaker) as s:
            await members.merge_members(
                s,
                ctx,
                from_id=counter.member_id,
                into_id=alice.member_id,
                reason="retry",
                now=utcnow(),
            )
    assert await snapshot(ctx, "members_member", "members_merge", "orders_order") == before


async def test_conflicts_and_bad_codes_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    alice = await shopper(client, "alice")
    bob = await shopper(client, "bob")
    assert (await bind(client, app, alice)).status_code == 200  # no other holder: just bound
    other = "13900001111"
    await phone_shopper(client, app, other)
    code_for_other = await request_code(client, app, other)
    code_for_alice = await request_code(client, app, PHONE)

    tables = ("members_member", "members_merge", "members_address", "orders_order", "cart_line")
    before = await snapshot(ctx, *tables)
    # Alice has a phone already: a second phone is refused.
    second = await bind(client, app, alice, other, code_for_other)
    assert (second.status_code, second.json()["code"]) == (409, "members.phone_already_bound")
    # Bob (another mini-program account) cannot absorb alice's account.
    clash = await bind(client, app, bob, PHONE, code_for_alice)
    assert (clash.status_code, clash.json()["code"]) == (409, "members.identity_conflict")
    wrong = await bind(client, app, bob, other, "000000" if code_for_other != "000000" else "1")
    assert wrong.status_code in (400, 422)
    malformed = await client.post(BIND, json={"phone": "12", "code": "x"}, headers=bob.headers)
    assert malformed.status_code == 422
    anonymous = await client.post(BIND, json={"phone": other, "code": code_for_other})
    assert anonymous.status_code == 401
    assert await snapshot(ctx, *tables) == before


async def test_concurrent_merges_happen_once(
    backend_db: BackendDb, app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    if backend_db.name != "postgres":
        pytest.skip("SQLite serialises writers; the race runs on PostgreSQL")
    sku = await one_sku(ctx, price=5900, stock=20)
    counter = await phone_shopper(client, app)
    order = await placed(client, counter, [(sku, 1)])
    await pay_h5(client, ctx, counter, order["order_no"])
    await grant(ctx, counter.member_id, 100)
    alice = await shopper(client, "alice")
    start = asyncio.Event()

    async def merge(from_id: int, into_id: int) -> str:
        await start.wait()
        try:
            async with unit_of_work(ctx.sessionmaker) as s:
                await members.merge_members(
                    s, ctx, from_id=from_id, into_id=into_id, reason="race", now=utcnow()
                )
        except members.AlreadyMerged:
            return "already_merged"
        return "merged"

    # Ten merges one way and ten the other way, all at once: one account survives, once.
    pairs = [(counter.member_id, alice.member_id)] * 10 + [
        (alice.member_id, counter.member_id)
    ] * 10
    tasks = [asyncio.create_task(merge(a, b)) for a, b in pairs]
    start.set()
    outcomes = await asyncio.gather(*tasks)
    assert sorted(outcomes).count("merged") == 1, outcomes
    async with ctx.sessionmaker() as s:
        rows = list(await s.scalars(select(MemberMerge)))
        active = list(
            await s.scalars(
                select(Member.id).where(
                    Member.id.in_((alice.member_id, counter.member_id)), Member.is_active
                )
            )
        )
    assert len(rows) == 1
    survivor = rows[0].into_member_id
    assert active == [survivor]
    assert await count(ctx, Order, survivor) == 1
    assert await balance(ctx, survivor) == 100
