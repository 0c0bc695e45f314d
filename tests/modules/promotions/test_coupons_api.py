"""Storefront coupon routes: the coupon centre, claims and their limits, my coupons; every
rejected claim answers a ``promotions.*`` problem and changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.jobs import run_job
from tests.conftest import snapshot
from tests.modules.orders.factories import Shopper, one_sku, pay, placed, shopper
from tests.modules.promotions.factories import (
    CENTRE,
    MY_COUPONS,
    TEMPLATES,
    claim,
    claimed,
    coupon_row,
    later,
    make_template,
    shift_coupon,
    template_row,
)
from tests.modules.staff.conftest import bearer, token_for


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "coupon-operator"))


async def test_the_centre_lists_claimable_templates_with_what_is_left(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    open_one = await make_template(client, staff, total_quota=3, per_shopper_limit=2)
    await make_template(client, staff, name="员工发放", is_claimable=False)
    await make_template(client, staff, name="草稿", activate=False)

    anonymous = await client.get(CENTRE)
    assert anonymous.status_code == 200
    assert [t["id"] for t in anonymous.json()["items"]] == [open_one["id"]]
    assert anonymous.json()["items"][0]["held"] == 0

    await claimed(client, alice, open_one["id"])
    [item] = (await client.get(CENTRE, headers=alice.headers)).json()["items"]
    assert (item["claimed"], item["remaining"], item["held"], item["can_claim"]) == (1, 2, 1, True)
    await claimed(client, alice, open_one["id"])
    [item] = (await client.get(CENTRE, headers=alice.headers)).json()["items"]
    assert (item["remaining"], item["held"], item["can_claim"]) == (1, 2, False)


async def test_a_claim_gives_a_coupon_valid_for_its_days(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    template = await make_template(client, staff, valid_days=7)

    coupon = await claimed(client, alice, template["id"])

    assert coupon["template_id"] == template["id"]
    assert (coupon["kind"], coupon["threshold"], coupon["amount"]) == ("threshold", 10000, 2000)
    assert (coupon["state"], coupon["source"], coupon["order_no"]) == ("unused", "claim", None)
    span = datetime.fromisoformat(coupon["valid_to"]) - datetime.fromisoformat(coupon["valid_from"])
    assert span.days == 7
    assert (await template_row(ctx, template["id"])).claimed == 1
    mine = await client.get(f"{MY_COUPONS}/{coupon['id']}", headers=alice.headers)
    assert mine.json() == coupon


async def test_fixed_window_templates_give_that_window(
    client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    start, end = later(hours=-1), later(days=3)
    template = await make_template(client, staff, valid_days=None, valid_from=start, valid_to=end)

    coupon = await claimed(client, alice, template["id"])

    assert datetime.fromisoformat(coupon["valid_from"]) == datetime.fromisoformat(start)
    assert datetime.fromisoformat(coupon["valid_to"]) == datetime.fromisoformat(end)


async def rejected(
    client: httpx.AsyncClient, ctx: AppContext, who: Shopper, template_id: int
) -> tuple[int, str]:
    before = await snapshot(ctx)
    response = await claim(client, who, template_id)
    assert await snapshot(ctx) == before
    return response.status_code, response.json()["code"]


async def test_rejected_claims_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    bob = await shopper(client, "bob")
    limited = await make_template(client, staff, total_quota=5, per_shopper_limit=1)
    one_left = await make_template(client, staff, total_quota=1)
    draft = await make_template(client, staff, activate=False)
    staff_only = await make_template(client, staff, is_claimable=False)
    stopped = await make_template(client, staff)
    response = await client.post(f"{TEMPLATES}/{stopped['id']}/stop", headers=staff)
    assert response.status_code == 200
    await claimed(client, alice, limited["id"])
    await claimed(client, bob, one_left["id"])

    assert await rejected(client, ctx, alice, limited["id"]) == (
        409,
        "promotions.claim_limit_reached",
    )
    assert await rejected(client, ctx, alice, one_left["id"]) == (409, "promotions.quota_exhausted")
    assert await rejected(client, ctx, alice, draft["id"]) == (
        409,
        "promotions.template_not_active",
    )
    assert await rejected(client, ctx, alice, stopped["id"]) == (
        409,
        "promotions.template_not_active",
    )
    assert await rejected(client, ctx, alice, staff_only["id"]) == (409, "promotions.not_claimable")
    assert await rejected(client, ctx, alice, 999_999) == (404, "promotions.template_not_found")
    before = await snapshot(ctx)
    response = await client.post(f"{CENTRE}/{limited['id']}/claim")
    assert response.status_code == 401
    for bad in ("0", "-1", "abc", str(2**63)):
        response = await client.post(f"{CENTRE}/{bad}/claim", headers=alice.headers)
        assert response.status_code == 422, bad
    assert await snapshot(ctx) == before


async def test_new_customer_coupons_are_for_shoppers_without_a_paid_order(
    app: Any, client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    template = await make_template(client, staff, is_new_customer_only=True, per_shopper_limit=2)
    await claimed(client, alice, template["id"])
    sku_id = await one_sku(ctx, price=5900, stock=5)
    order = await placed(client, alice, [(sku_id, 1)])
    await pay(client, ctx, alice, order["order_no"])

    assert await rejected(client, ctx, alice, template["id"]) == (
        409,
        "promotions.new_customer_only",
    )


async def test_my_coupons_tabs_and_cursor_pages(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    bob = await shopper(client, "bob")
    ids = []
    for i in range(5):
        template = await make_template(client, staff, name=f"券{i}")
        ids.append((await claimed(client, alice, template["id"]))["id"])
    await claimed(client, bob, template["id"])
    await shift_coupon(ctx, ids[0], days=-30)

    first = (await client.get(MY_COUPONS, params={"limit": 2}, headers=alice.headers)).json()
    assert [c["id"] for c in first["items"]] == [ids[4], ids[3]]
    second = (
        await client.get(
            MY_COUPONS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=alice.headers
        )
    ).json()
    assert [c["id"] for c in second["items"]] == [ids[2], ids[1]]
    assert second["next_cursor"] is None
    expired = (
        await client.get(MY_COUPONS, params={"tab": "expired"}, headers=alice.headers)
    ).json()
    assert [(c["id"], c["state"]) for c in expired["items"]] == [(ids[0], "expired")]
    used = (await client.get(MY_COUPONS, params={"tab": "used"}, headers=alice.headers)).json()
    assert used["items"] == []
    # Another shopper's coupon does not exist for alice.
    bobs = (await client.get(MY_COUPONS, headers=bob.headers)).json()["items"][0]["id"]
    response = await client.get(f"{MY_COUPONS}/{bobs}", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (404, "promotions.coupon_not_found")
    for params in ({"tab": "all"}, {"cursor": "tampered"}, {"limit": 0}, {"limit": 51}):
        response = await client.get(MY_COUPONS, params=params, headers=alice.headers)
        assert 400 <= response.status_code < 500, params


async def test_the_expiry_job_marks_lapsed_coupons_once(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    alice = await shopper(client)
    template = await make_template(client, staff, per_shopper_limit=2)
    lapsed = (await claimed(client, alice, template["id"]))["id"]
    fresh = (await claimed(client, alice, template["id"]))["id"]
    await shift_coupon(ctx, lapsed, days=-30)

    await run_job(ctx, "promotions.expire_coupons")
    after_first = await snapshot(ctx, "promotions_coupon")
    await run_job(ctx, "promotions.expire_coupons")

    assert (await coupon_row(ctx, lapsed)).state == "expired"
    assert (await coupon_row(ctx, fresh)).state == "unused"
    assert await snapshot(ctx, "promotions_coupon") == after_first
