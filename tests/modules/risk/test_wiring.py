"""The risk engine in the shoppers' flows over HTTP (enforce mode): SMS login, coupon claims,
placing an order and asking for a refund. Refusals are 403 with a stable code, change nothing
but the decision log, and the decision explains itself."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.risk import config, service
from tests.conftest import snapshot
from tests.modules.catalog.factories import make_category, make_product
from tests.modules.members.conftest import PHONE, SMS_LOGIN, request_code
from tests.modules.orders.factories import pay, placed, product, shopper
from tests.modules.promotions.factories import CENTRE, make_template
from tests.modules.staff.conftest import PASSWORD, bearer, make_staff, token_for

MEMBER_TABLES = ("members_member", "members_refresh_token", "members_login_code")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "trusted_proxies": ["127.0.0.1/32"],
        "sms_per_phone_limit": "100/minute",
        "login_attempts_limit": "100/minute",
    }


@pytest.fixture(autouse=True)
def enforce(ctx: AppContext) -> None:
    config.use_settings(ctx, mode="enforce")


def from_ip(ip: str, device: str | None = None, **headers: str) -> dict[str, str]:
    out = {"X-Forwarded-For": ip, **headers}
    if device:
        out["X-Device-Id"] = device
    return out


async def test_sms_login_guessed_from_many_ips_is_challenged(
    app: FastAPI, client: httpx.AsyncClient, ctx: AppContext
) -> None:
    code = await request_code(client, app)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for i in range(4):
        response = await client.post(
            SMS_LOGIN, json={"phone": PHONE, "code": wrong}, headers=from_ip(f"45.9.{i}.1")
        )
        assert response.status_code == 400, response.text
    before = await snapshot(ctx, *MEMBER_TABLES)

    # The fifth try from a fifth address, even with the right code, must answer a challenge.
    response = await client.post(
        SMS_LOGIN, json={"phone": PHONE, "code": code}, headers=from_ip("45.9.9.1")
    )

    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "risk.challenge_required"
    assert await snapshot(ctx, *MEMBER_TABLES) == before
    async with ctx.sessionmaker() as session:
        decision = await service.get_decision(session, problem["decision_id"])
    assert decision.action == "login"
    assert decision.subject == "phone:" + ctx.pii.blind_index(PHONE)[:40]
    assert PHONE not in str(decision.signals)
    assert decision.reasons[0].startswith("rule:撞库")
    assert decision.signals["account_ips"] == 5


async def test_fresh_accounts_farming_one_coupon_on_one_phone_are_blocked(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = bearer(await token_for(client, ctx, "coupon-operator"))
    template = await make_template(client, staff)
    farm = [await shopper(client, f"farm{i}") for i in range(3)]
    url = f"{CENTRE}/{template['id']}/claim"
    for who in farm[:2]:
        headers = {**who.headers, **from_ip("183.1.1.1", "farm-phone-0001")}
        assert (await client.post(url, headers=headers)).status_code == 201
    before = await snapshot(ctx, "promotions_coupon", "promotions_coupon_template")

    third = await client.post(
        url, headers={**farm[2].headers, **from_ip("183.1.1.1", "farm-phone-0001")}
    )

    assert third.status_code == 403
    assert third.json()["code"] == "risk.blocked"
    assert await snapshot(ctx, "promotions_coupon", "promotions_coupon_template") == before
    async with ctx.sessionmaker() as session:
        [logged] = await service.search_decisions(session, member_id=farm[2].member_id)
    assert logged.outcome == "block"
    assert logged.reasons == [
        "rule:薅券：同设备新账号",
        "accounts_on_device gte 3",
        "account_age_hours lt 72",
    ]


async def test_an_order_from_a_denied_network_is_refused(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, skus = await product(ctx, (5900, 10))
    alice = await shopper(client)
    async with ctx.sessionmaker() as session:
        await service.add_entry(session, ctx, kind="deny", network="198.51.100.0/24", note="")
        await session.commit()
    before = await snapshot(ctx, "orders_order", "inventory_stock")

    response = await client.post(
        "/api/v1/orders",
        json={"address_id": alice.address_id, "items": [{"sku_id": skus[0], "quantity": 1}]},
        headers={**alice.headers, **from_ip("198.51.100.23"), "Idempotency-Key": "risk-k-0001"},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "risk.blocked"
    assert await snapshot(ctx, "orders_order", "inventory_stock") == before
    # From elsewhere the same order goes through.
    ok = await placed(client, alice, [(skus[0], 1)])
    assert ok["order_no"]


async def test_a_large_refund_from_a_new_account_waits_for_review(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    _, skus = await product(ctx, (120_000, 5))
    bob = await shopper(client, "bob")
    order_no = (await placed(client, bob, [(skus[0], 1)]))["order_no"]
    await pay(client, ctx, bob, order_no)

    response = await client.post(
        f"/api/v1/orders/{order_no}/aftersales",
        json={"kind": "refund_only", "reason": "拍错了", "amount": 120_000},
        headers=bob.headers,
    )

    assert response.status_code == 201, response.text
    async with ctx.sessionmaker() as session:
        [queued] = await service.search_decisions(session, review_state="pending")
    assert (queued.action, queued.member_id, queued.outcome) == ("refund", bob.member_id, "review")
    assert queued.signals["amount"] == 120_000


async def test_a_price_cut_is_queued_and_a_challenged_one_needs_a_step_up(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    product = await make_product(ctx, await make_category(ctx))
    url = f"/api/v1/console/products/{product.id}"
    plain = bearer(await token_for(client, ctx, "pricer"))

    def skus(factor: float) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "specs": [spec.model_dump() for spec in s.specs],
                "barcode": s.barcode,
                "price": int(s.price * factor),
            }
            for s in product.skus
        ]

    # Halving every price: allowed, and queued for review in 风控 (the default rule).
    halved = await client.patch(url, json={"skus": skus(0.4)}, headers=plain)
    assert halved.status_code == 200, halved.text
    async with ctx.sessionmaker() as session:
        [queued] = await service.search_decisions(session, review_state="pending")
        assert queued.reasons[0] == "rule:大幅降价"
        assert queued.signals["change_pct"] == -60.0
        await service.create_rule(
            session,
            ctx,
            service.RuleDraft(
                name="一折以下要验证",
                actions=["price_change"],
                conditions=[{"signal": "change_pct", "op": "lte", "value": -90}],
                outcome="challenge",
            ),
        )
        await session.commit()
    before = await snapshot(ctx, "catalog_sku", "catalog_price_history")

    refused = await client.patch(url, json={"skus": skus(0.01)}, headers=plain)

    assert refused.status_code == 403
    assert refused.json()["code"] == "auth.step_up_required"
    assert await snapshot(ctx, "catalog_sku", "catalog_price_history") == before
    confirmed = bearer(await token_for(client, ctx, "pricer-2", step_up=True))
    done = await client.patch(url, json={"skus": skus(0.01)}, headers=confirmed)
    assert done.status_code == 200, done.text


async def test_staff_sign_in_from_a_new_browser(client: httpx.AsyncClient, ctx: AppContext) -> None:
    """Without a second factor a new browser is refused; with one, the factor answers it."""
    await make_staff(ctx, "desk")
    secret = pyotp.random_base32()
    await make_staff(ctx, "boss", role="owner", mfa_secret=secret)

    async def sign_in(username: str, ua: str, otp: str | None = None) -> httpx.Response:
        body = {"username": username, "password": PASSWORD, **({"otp": otp} if otp else {})}
        return await client.post(
            "/api/v1/console/auth/login", json=body, headers={"User-Agent": ua}
        )

    assert (await sign_in("desk", "Chrome/131")).status_code == 200
    assert (await sign_in("desk", "Chrome/131")).status_code == 200
    refused = await sign_in("desk", "Firefox/133")
    assert refused.status_code == 403
    assert refused.json()["code"] == "risk.challenge_required"
    assert (await sign_in("boss", "Chrome/131", pyotp.TOTP(secret).now())).status_code == 200
    boss = await sign_in("boss", "Safari/18", pyotp.TOTP(secret).at(time.time() + 30))
    assert boss.status_code == 200, boss.text
    async with ctx.sessionmaker() as session:
        logged = await service.search_decisions(session, action="staff_signin")
    assert [d.outcome for d in logged].count("challenge") == 1
    assert logged[0].reasons[-1] == "challenge_passed"
