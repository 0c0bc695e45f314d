"""A challenged shopper passes the challenge: the 403 names it, a code goes to the member's
bound phone, the right code gives a single-use grant (``X-Risk-Grant``) that lets the refused
action through once. Wrong codes, spent, foreign or other-action grants are stable 4xx that
change nothing; twenty concurrent retries with one grant let exactly one through."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.errors import ShopletError
from shoplet.modules.risk import service
from shoplet.modules.risk.engine import RiskRequest, guard
from tests.conftest import snapshot
from tests.modules.members.conftest import sms_outbox
from tests.modules.orders.factories import product, shopper
from tests.modules.risk.challenges import (  # the fixtures are used by name
    CHALLENGES,
    DEVICE,
    ORDERS,
    challenge_every_checkout,  # noqa: F401
    member,
    order_body,
    refused_checkout,
    settings_overrides,  # noqa: F401
)


async def pass_challenge(
    client: httpx.AsyncClient, app: FastAPI, who: dict[str, Any], phone: str, challenge: str
) -> str:
    sent = await client.post(f"{CHALLENGES}/{challenge}/sms", headers=who["headers"])
    assert sent.status_code == 202, sent.text
    assert sent.json()["phone"] == phone[:3] + "****" + phone[-4:]
    code = sms_outbox(app).last_code(phone)
    assert code is not None
    verified = await client.post(
        f"{CHALLENGES}/{challenge}/verify", json={"code": code}, headers=who["headers"]
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["action"] == "checkout"
    grant: str = verified.json()["grant"]
    return grant


async def test_a_challenged_order_goes_through_once_with_the_grant(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    alice = await member(client, app, "13800001111")
    problem = await refused_checkout(client, alice, sku_id, "chal-k-0001", ["sms"])
    grant = await pass_challenge(client, app, alice, "13800001111", problem["challenge_id"])

    placed = await client.post(
        ORDERS,
        json=order_body(alice, sku_id),
        headers={**alice["headers"], "Idempotency-Key": "chal-k-0002", "X-Risk-Grant": grant},
    )
    assert placed.status_code == 201, placed.text

    before = await snapshot(ctx, "orders_order", "inventory_stock")
    again = await client.post(
        ORDERS,
        json=order_body(alice, sku_id),
        headers={**alice["headers"], "Idempotency-Key": "chal-k-0003", "X-Risk-Grant": grant},
    )
    assert (again.status_code, again.json()["code"]) == (403, "risk.grant_invalid")
    assert await snapshot(ctx, "orders_order", "inventory_stock") == before
    async with ctx.sessionmaker() as session:
        logged = await service.search_decisions(session, action="checkout")
    passed = [d for d in logged if d.outcome == "allow"]
    assert len(passed) == 1
    assert "challenge_passed" in passed[0].reasons


async def test_wrong_code_and_foreign_grants_change_nothing(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    alice = await member(client, app, "13800002222")
    bob = await member(client, app, "13800003333")
    problem = await refused_checkout(client, alice, sku_id, "chal-k-0101", ["sms"])
    url = f"{CHALLENGES}/{problem['challenge_id']}"

    # Another member cannot use alice's challenge.
    foreign = await client.post(f"{url}/sms", headers=bob["headers"])
    assert (foreign.status_code, foreign.json()["code"]) == (404, "risk.challenge_not_found")
    assert (await client.post(f"{url}/sms", headers=alice["headers"])).status_code == 202
    code = sms_outbox(app).last_code("13800002222")
    assert code is not None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    missed = await client.post(f"{url}/verify", json={"code": wrong}, headers=alice["headers"])
    assert (missed.status_code, missed.json()["code"]) == (400, "risk.challenge_code_invalid")
    verified = await client.post(f"{url}/verify", json={"code": code}, headers=alice["headers"])
    assert verified.status_code == 200, verified.text
    grant = verified.json()["grant"]
    twice = await client.post(f"{url}/verify", json={"code": code}, headers=alice["headers"])
    assert (twice.status_code, twice.json()["code"]) == (409, "risk.challenge_already_passed")

    before = await snapshot(ctx, "orders_order", "inventory_stock", "risk_challenge")
    attempts: list[tuple[dict[str, Any], dict[str, str]]] = [
        (bob, {**bob["headers"], "X-Risk-Grant": grant}),  # another member
        (alice, {**alice["headers"], "X-Device-Id": "other-device-0002", "X-Risk-Grant": grant}),
        (alice, {**alice["headers"], "X-Risk-Grant": "not-a-grant-0000000000"}),
    ]
    for i, (who, headers) in enumerate(attempts):
        response = await client.post(
            ORDERS,
            json=order_body(who, sku_id),
            headers={**headers, "Idempotency-Key": f"chal-k-02{i}0"},
        )
        assert (response.status_code, response.json()["code"]) == (403, "risk.grant_invalid")
    assert await snapshot(ctx, "orders_order", "inventory_stock", "risk_challenge") == before

    # The grant was not spent by those: alice on her device still gets her one order.
    placed = await client.post(
        ORDERS,
        json=order_body(alice, sku_id),
        headers={**alice["headers"], "Idempotency-Key": "chal-k-0300", "X-Risk-Grant": grant},
    )
    assert placed.status_code == 201, placed.text


async def test_a_member_without_a_phone_is_told_so(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, [sku_id] = await product(ctx, (5900, 10))
    wx = await shopper(client, "nophone")
    who = {"headers": {**wx.headers, **DEVICE}, "address_id": wx.address_id}
    problem = await refused_checkout(client, who, sku_id, "chal-k-0401", ["sms"])
    sent = await client.post(f"{CHALLENGES}/{problem['challenge_id']}/sms", headers=who["headers"])
    assert (sent.status_code, sent.json()["code"]) == (409, "risk.challenge_no_phone")


async def test_twenty_concurrent_retries_with_one_grant_let_one_through(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    """Each retry in its own transaction, as on the API: the conditional UPDATE that spends the
    grant matches for exactly one (PostgreSQL row lock; SQLite serialises the writers)."""
    _, [sku_id] = await product(ctx, (5900, 10))
    alice = await member(client, app, "13800004444")
    problem = await refused_checkout(client, alice, sku_id, "chal-k-0501", ["sms"])
    grant = await pass_challenge(client, app, alice, "13800004444", problem["challenge_id"])
    async with ctx.sessionmaker() as session:
        [refused] = await service.search_decisions(session, action="checkout")
    subject = refused.subject

    async def one(i: int) -> str:
        async with ctx.sessionmaker() as session:
            try:
                decision = await guard(
                    session,
                    ctx,
                    RiskRequest(
                        action="checkout",
                        subject=subject,
                        member_id=refused.member_id,
                        ip=f"36.0.1.{i + 1}",
                        device_id=DEVICE["X-Device-Id"],
                        user_agent=str(client.headers.get("user-agent", "")),
                        grant=grant,
                    ),
                )
            except ShopletError as exc:
                return exc.code
            await session.commit()
            return decision.outcome

    outcomes = Counter(await asyncio.gather(*(one(i) for i in range(20))))
    assert outcomes == {"allow": 1, "risk.grant_invalid": 19}
