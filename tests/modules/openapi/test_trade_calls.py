"""Partner calls into trade: ship a paid order, read masked orders and members, issue a coupon;
each write idempotent."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from tests.modules.openapi.factories import call, make_app, owner
from tests.modules.openapi.test_partner_api import business_snapshot
from tests.modules.orders.factories import one_sku, pay, placed, shopper
from tests.modules.promotions.factories import make_template

SCOPES = ["orders:read", "orders:write", "members:read", "coupons:write"]


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return await owner(client, ctx)


@pytest.fixture
async def partner(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, Any]:
    return await make_app(client, staff, scopes=SCOPES)


async def test_ship_a_paid_order_once(
    client: httpx.AsyncClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    alice = await shopper(client)
    sku_id = await one_sku(ctx)
    order = await placed(client, alice, [(sku_id, 1)])
    order_no = order["order_no"]
    await pay(client, ctx, alice, order_no)

    listed = await call(client, partner, "GET", "/orders", params={"status": "paid"})
    assert listed.status_code == 200, listed.text
    assert [o["order_no"] for o in listed.json()["items"]] == [order_no]
    assert "****" in listed.text  # the recipient's phone is masked

    key = {"Idempotency-Key": f"ship-{uuid.uuid4()}"}
    body = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    shipped = await call(
        client, partner, "POST", f"/orders/{order_no}/ship", json_body=body, headers=key
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    again = await call(
        client, partner, "POST", f"/orders/{order_no}/ship", json_body=body, headers=key
    )
    assert again.json() == shipped.json()

    # A second ship under a new key is an illegal transition, and changes nothing.
    before = await business_snapshot(ctx)
    other = await call(
        client,
        partner,
        "POST",
        f"/orders/{order_no}/ship",
        json_body=body,
        headers={"Idempotency-Key": "another"},
    )
    assert other.status_code == 409, other.text
    assert await business_snapshot(ctx) == before
    got = await call(client, partner, "GET", f"/orders/{order_no}")
    assert got.json()["status"] == "shipped"


async def test_members_are_masked(
    client: httpx.AsyncClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    alice = await shopper(client)
    listed = await call(client, partner, "GET", "/members")
    assert listed.status_code == 200, listed.text
    assert [m["id"] for m in listed.json()["items"]] == [alice.member_id]
    one = await call(client, partner, "GET", f"/members/{alice.member_id}")
    assert one.status_code == 200
    phone = one.json()["phone"]
    assert phone is None or "****" in phone
    missing = await call(client, partner, "GET", "/members/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "openapi.member_not_found"


async def test_issue_a_coupon_to_a_member(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], partner: dict[str, Any]
) -> None:
    alice = await shopper(client)
    template = await make_template(client, staff)
    body = {"template_id": template["id"], "member_id": alice.member_id}
    key = {"Idempotency-Key": "coupon-1"}
    first = await call(client, partner, "POST", "/coupons/issue", json_body=body, headers=key)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "template_id": template["id"],
        "member_id": alice.member_id,
        "issued": True,
        "skipped_code": None,
    }
    before = await business_snapshot(ctx)
    replay = await call(client, partner, "POST", "/coupons/issue", json_body=body, headers=key)
    assert replay.json() == first.json()
    assert await business_snapshot(ctx) == before
    # Per shopper limit 1: a new key gives nothing more.
    second = await call(
        client, partner, "POST", "/coupons/issue", json_body=body, headers={"Idempotency-Key": "2"}
    )
    assert second.json()["issued"] is False
    assert second.json()["skipped_code"] == "promotions.claim_limit_reached"
