"""Co-branded campaigns through the partner API: an app creates a bundle and a coupon
(promotions' own checks), issues its coupon (promotions' atomic claim), a shopper pays an
order that uses both, the order is attributed to the app once, its ``cobrand.redeemed``
webhook reaches only that app, and the revenue-share report multiplies the net by the rate the
merchant set. Refused input changes nothing; on PostgreSQL concurrent issues never exceed the
quota."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import Event, drain_outbox
from shoplet.core.jobs import run_job
from shoplet.modules.openapi import cobrand, webhooks
from shoplet.modules.openapi.models import CobrandRedemption, WebhookDelivery
from shoplet.modules.openapi.tasks import DELIVER_JOB
from tests.conftest import BackendDb
from tests.modules.checkout.test_races import app_with_pool
from tests.modules.openapi.factories import CONSOLE, OPEN, call, make_app, owner, signed_headers
from tests.modules.openapi.test_partner_api import business_snapshot
from tests.modules.openapi.webhook_receiver import receiver
from tests.modules.orders.factories import pay, product, shopper
from tests.modules.promotions.factories import MY_COUPONS, later
from tests.modules.promotions.test_checkout_coupons import place

SCOPES = ["campaigns:write", "webhooks:manage"]


def coupon_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "健康App联名券",
        "kind": "threshold",
        "threshold": 10000,
        "amount": 1000,
        "valid_days": 7,
        "total_quota": 1,
        "per_shopper_limit": 1,
        "is_claimable": True,  # forced false: only the app issues it
    }
    body.update(overrides)
    return body


async def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_partner_bundle_and_coupon_are_attributed_reported_and_pushed(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=SCOPES, name="健康 App")
    other = await make_app(client, staff, scopes=SCOPES, name="运动 App")
    product_a, [a] = await product(ctx, (10000, 20))
    product_b, [b] = await product(ctx, (5000, 20), title="蛋白粉")

    bundle = await created(
        await call(
            client,
            partner,
            "POST",
            "/cobrand/bundles",
            json_body={
                "name": "健康套餐",
                "product_ids": [product_a, product_b],
                "bundle_price": 12000,
                "starts_at": later(hours=-1),
                "ends_at": later(days=7),
            },
            headers={"Idempotency-Key": "bundle-1"},
        )
    )
    coupon = await created(
        await call(
            client,
            partner,
            "POST",
            "/cobrand/coupons",
            json_body=coupon_body(),
            headers={"Idempotency-Key": "coupon-1"},
        )
    )
    assert (bundle["kind"], coupon["kind"]) == ("bundle", "coupon")
    listed = await call(client, partner, "GET", "/cobrand/items")
    assert [i["id"] for i in listed.json()] == [coupon["id"], bundle["id"]]
    assert (await call(client, other, "GET", "/cobrand/items")).json() == []

    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")

    async def issue(app: dict[str, Any], member_id: int, key: str) -> httpx.Response:
        return await call(
            client,
            app,
            "POST",
            f"/cobrand/coupons/{coupon['id']}/issue",
            json_body={"member_id": member_id},
            headers={"Idempotency-Key": key},
        )

    first = await issue(partner, alice.member_id, "i1")
    assert first.json()["issued"] is True, first.text
    # The quota (1) holds: bob gets none.
    second = await issue(partner, bob.member_id, "i2")
    assert (second.json()["issued"], second.json()["skipped_code"]) == (
        False,
        "promotions.quota_exhausted",
    )
    # Another app cannot issue (nor see) this app's coupon.
    before = await business_snapshot(ctx)
    foreign = await issue(other, bob.member_id, "i3")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "openapi.cobrand_item_not_found")
    assert await business_snapshot(ctx) == before
    # Never offered in the coupon centre: only the app gives it.
    async with ctx.sessionmaker() as s:
        from shoplet.modules.promotions.models import CouponTemplate

        template = await s.get(CouponTemplate, coupon["ref_id"])
        assert template is not None
        assert (template.is_claimable, template.status) == (False, "active")

    # The merchant sets the partner's share: 2.5 %.
    shared = await client.patch(
        f"{CONSOLE}/apps/{partner['app']['id']}", json={"revenue_share_bp": 250}, headers=staff
    )
    assert (shared.status_code, shared.json()["revenue_share_bp"]) == (200, 250), shared.text

    clock_now = utcnow() + timedelta(minutes=1)
    ctx.extras[webhooks.CLOCK_KEY] = lambda: clock_now
    async with receiver(200) as rec, receiver(200) as other_rec:
        for app, url in ((partner, rec.url), (other, other_rec.url)):
            await created(
                await call(
                    client,
                    app,
                    "POST",
                    "/webhooks",
                    json_body={"url": url, "event_types": ["cobrand.redeemed"]},
                    headers={"Idempotency-Key": "hook"},
                )
            )
        mine = (await client.get(MY_COUPONS, headers=alice.headers)).json()
        coupon_id = next(c["id"] for c in mine["items"] if c["template_id"] == coupon["ref_id"])
        placed = await place(client, alice, [(a, 1), (b, 1)], coupon_id)
        assert placed.status_code == 201, placed.text
        order = placed.json()
        await pay(client, ctx, alice, order["order_no"])
        await drain_outbox(ctx)
        await drain_outbox(ctx)
        await run_job(ctx, DELIVER_JOB)
        assert other_rec.seen == []
        (seen,) = rec.seen
    pushed = json.loads(seen.body)
    assert pushed["type"] == "cobrand.redeemed"
    assert pushed["data"]["app_id"] == partner["app"]["id"]
    assert pushed["data"]["order_no"] == order["order_no"]
    assert sorted(i["kind"] for i in pushed["data"]["items"]) == ["bundle", "coupon"]

    async with ctx.sessionmaker() as s:
        (row,) = (await s.scalars(select(CobrandRedemption))).all()
    assert (row.app_id, row.order_no, row.member_id) == (
        partner["app"]["id"],
        order["order_no"],
        alice.member_id,
    )
    # The bundle (15000 -> 12000) and the coupon (1000) are what the order's discount is.
    assert (row.amount, row.discount) == (order["payable_total"], order["discount_total"])
    assert row.discount == 3000 + 1000

    # A redelivered order.paid attributes nothing twice.
    async with ctx.sessionmaker.begin() as s:
        again = Event(
            id="redelivered",
            type="order.paid",
            key=None,
            payload={
                "order_no": order["order_no"],
                "member_id": alice.member_id,
                "amount": order["payable_total"],
            },
            occurred_at=utcnow(),
        )
        assert await cobrand.attribute(s, again) == 0

    redemptions = await call(client, partner, "GET", "/cobrand/redemptions")
    assert [r["order_no"] for r in redemptions.json()["items"]] == [order["order_no"]]
    assert (await call(client, other, "GET", "/cobrand/redemptions")).json()["items"] == []
    window = {"since": later(days=-1), "until": later(days=1)}
    report = (await call(client, partner, "GET", "/cobrand/report", params=window)).json()
    (line,) = report["rows"]
    paid = order["payable_total"]
    assert (line["redemptions"], line["revenue"], line["net"], line["revenue_share_bp"]) == (
        1,
        paid,
        paid,
        250,
    )
    assert line["share"] == (paid * 250 + 5000) // 10000
    console = await client.get(f"{CONSOLE}/cobrand/report", params=window, headers=staff)
    assert [r["app_id"] for r in console.json()["rows"]] == [partner["app"]["id"]]
    # Every delivery of the event went to the partner's subscription only.
    async with ctx.sessionmaker() as s:
        kinds = [(d.app_id, d.event_type) for d in (await s.scalars(select(WebhookDelivery)))]
    assert kinds == [(partner["app"]["id"], "cobrand.redeemed")]


def test_the_share_rounds_half_up() -> None:
    assert cobrand.share_of(12000, 250) == 300
    assert cobrand.share_of(1, 5000) == 1  # 0.5 fen -> 1
    assert cobrand.share_of(1, 4999) == 0
    assert cobrand.share_of(0, 10000) == 0


async def test_refused_campaign_input_changes_nothing(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    staff = await owner(client, ctx)
    partner = await make_app(client, staff, scopes=SCOPES)
    reader = await make_app(client, staff, scopes=["products:read"], name="只读")
    product_a, _ = await product(ctx, (10000, 5))
    product_b, _ = await product(ctx, (5000, 5), title="蛋白粉")
    good = {
        "name": "健康套餐",
        "product_ids": [product_a, product_b],
        "bundle_price": 12000,
        "starts_at": later(hours=-1),
        "ends_at": later(days=7),
    }
    before = await business_snapshot(ctx)
    cases: list[tuple[dict[str, Any], str, dict[str, Any], int, str]] = [
        (reader, "/cobrand/bundles", good, 403, "openapi.scope_missing"),
        (partner, "/cobrand/bundles", {**good, "product_ids": [product_a]}, 422, "request.invalid"),
        (partner, "/cobrand/bundles", {**good, "bundle_price": 0}, 422, "request.invalid"),
        (
            partner,
            "/cobrand/bundles",
            {**good, "starts_at": later(days=8)},
            400,
            "promotions.invalid_promotion",
        ),
        (
            partner,
            "/cobrand/coupons",
            coupon_body(total_quota=0),
            400,
            "promotions.invalid_template",
        ),
        (
            partner,
            "/cobrand/coupons/999999/issue",
            {"member_id": 1},
            404,
            "openapi.cobrand_item_not_found",
        ),
    ]
    for n, (app, path, body, status, code) in enumerate(cases):
        response = await call(
            client, app, "POST", path, json_body=body, headers={"Idempotency-Key": f"bad-{n}"}
        )
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    stale = await call(
        client,
        partner,
        "GET",
        "/cobrand/report",
        params={"since": later(days=1), "until": later(days=-1)},
    )
    assert (stale.status_code, stale.json()["code"]) == (400, "openapi.report_range_invalid")
    assert await business_snapshot(ctx) == before


@pytest.mark.usefixtures("backend")
async def test_concurrent_issues_never_exceed_the_quota(
    backend: str, backend_db: BackendDb, ctx: AppContext, client: httpx.AsyncClient
) -> None:
    if backend != "postgres":
        pytest.skip("the race runs on PostgreSQL")
    quota, calls = 5, 20
    partner = await make_app(client, await owner(client, ctx), scopes=SCOPES)
    coupon = await created(
        await call(
            client,
            partner,
            "POST",
            "/cobrand/coupons",
            json_body=coupon_body(total_quota=quota, threshold=0, kind="no_threshold"),
            headers={"Idempotency-Key": "coupon"},
        )
    )
    path = f"{OPEN}/cobrand/coupons/{coupon['id']}/issue"
    start = asyncio.Event()
    async with app_with_pool(backend_db, ctx, 20) as app:
        transport = httpx.ASGITransport(app=app)

        async def go(member_id: int) -> httpx.Response:
            body = json.dumps({"member_id": member_id}).encode()
            async with httpx.AsyncClient(transport=transport, base_url="http://shoplet.test") as c:
                headers = {
                    **signed_headers(
                        partner["app_key"], partner["app_secret"], "POST", path, body=body
                    ),
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"issue-{member_id}",
                }
                await start.wait()
                return await c.post(path, content=body, headers=headers)

        tasks = [asyncio.create_task(go(5000 + n)) for n in range(calls)]
        start.set()
        responses = await asyncio.gather(*tasks)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    outcomes = Counter(r.json()["issued"] for r in responses)
    assert outcomes == {True: quota, False: calls - quota}
