"""Console routes for flash sales: permissions, validation, carving stock, edits, cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import run_job
from shoplet.modules.flashsale.config import FlashSaleSettings
from tests.conftest import snapshot
from tests.modules.flashsale.conftest import (
    Sku,
    buy,
    buy_token,
    consume,
    go_live,
    level,
    make_sku,
    move_window,
    shopper,
)
from tests.modules.staff.conftest import audit_rows, bearer, token_for

BASE = "/api/v1/console/flash-sales"


def payload(skus: list[Sku], **overrides: Any) -> dict[str, Any]:
    starts = utcnow() + timedelta(hours=2)
    body: dict[str, Any] = {
        "title": "双十一秒杀",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "payment_timeout_seconds": 600,
        "items": [
            {"sku_id": sku.sku_id, "flash_price": 990, "stock": 10, "per_shopper_limit": 2}
            for sku in skus
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def staff(client: httpx.AsyncClient, ctx: AppContext) -> dict[str, str]:
    return bearer(await token_for(client, ctx, "flash-operator"))


async def test_create_carves_stock_and_is_audited(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], flash: FlashSaleSettings
) -> None:
    a = await make_sku(ctx, price=19900, stock=50, title="耳机")
    b = await make_sku(ctx, price=5900, stock=10, title="数据线")
    body = payload([a, b])
    body["items"][1]["stock"] = 10  # every unit of b
    response = await client.post(BASE, json=body, headers=staff)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "upcoming"
    assert created["free_shipping"] is True
    assert created["created_by"].startswith("staff:")
    assert [
        (i["sku_id"], i["title"], i["original_price"], i["flash_price"], i["stock"], i["remaining"])
        for i in created["items"]
    ] == [(a.sku_id, "耳机", 19900, 990, 10, None), (b.sku_id, "数据线", 5900, 990, 10, None)]
    assert await level(ctx, a) == (50, 10, 40)
    assert await level(ctx, b) == (10, 10, 0)
    [entry] = await audit_rows(ctx, "flashsale.create")
    assert entry.target == f"flashsale:{created['id']}"

    got = await client.get(f"{BASE}/{created['id']}", headers=staff)
    assert got.status_code == 200
    assert got.json()["items"][0]["ordered"] == 0
    listing = await client.get(BASE, params={"status": "upcoming"}, headers=staff)
    assert [c["id"] for c in listing.json()["items"]] == [created["id"]]
    assert (await client.get(BASE, params={"status": "live"}, headers=staff)).json()["items"] == []


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (
            {"starts_at": (utcnow() - timedelta(minutes=1)).isoformat()},
            400,
            "flashsale.invalid_campaign",
        ),
        ({"ends_at": utcnow().isoformat()}, 400, "flashsale.invalid_campaign"),
        (
            {"ends_at": (utcnow() + timedelta(days=9)).isoformat()},
            400,
            "flashsale.invalid_campaign",
        ),
        ({"starts_at": "2030-01-01T10:00:00"}, 422, "request.invalid"),
        ({"title": ""}, 422, "request.invalid"),
        ({"items": []}, 422, "request.invalid"),
        ({"payment_timeout_seconds": 10}, 422, "request.invalid"),
        ({"extra": 1}, 422, "request.invalid"),
        ({"items": [{"sku_id": 1, "flash_price": "990", "stock": 1}]}, 422, "request.invalid"),
    ],
)
async def test_invalid_campaigns_change_nothing(
    client: httpx.AsyncClient,
    ctx: AppContext,
    *,
    staff: dict[str, str],
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    sku = await make_sku(ctx)
    before = await snapshot(ctx)
    response = await client.post(BASE, json=payload([sku], **change), headers=staff)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert await snapshot(ctx) == before


async def test_item_rules_change_nothing(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku = await make_sku(ctx, price=1000, stock=5)
    off = await make_sku(ctx, price=1000, stock=5, title="下架商品")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"flash_price": 1001}, 400, "flashsale.invalid_campaign"),
        ({"stock": 2, "per_shopper_limit": 3}, 400, "flashsale.invalid_campaign"),
        ({"stock": 6}, 409, "inventory.insufficient"),
        ({"sku_id": 987654}, 409, "flashsale.sku_unavailable"),
    ]
    for item_change, status, code in cases:
        body = payload([sku])
        body["items"][0].update({"stock": 5, "per_shopper_limit": 1, **item_change})
        before = await snapshot(ctx)
        response = await client.post(BASE, json=body, headers=staff)
        assert (response.status_code, response.json()["code"]) == (status, code), item_change
        assert await snapshot(ctx) == before
    twice = payload([sku, sku])
    response = await client.post(BASE, json=twice, headers=staff)
    assert (response.status_code, response.json()["code"]) == (400, "flashsale.invalid_campaign")
    # A product taken off sale cannot be in a flash sale.
    owner = bearer(await token_for(client, ctx, "flash-owner", role="owner"))
    hidden = await client.post(
        f"/api/v1/console/products/{off.product_id}/status",
        json={"status": "off_sale"},
        headers=owner,
    )
    assert hidden.status_code == 200, hidden.text
    before = await snapshot(ctx)
    response = await client.post(BASE, json=payload([off]), headers=staff)
    assert (response.status_code, response.json()["code"]) == (409, "flashsale.sku_unavailable")
    assert await snapshot(ctx) == before


async def test_permissions(client: httpx.AsyncClient, ctx: AppContext) -> None:
    support = bearer(await token_for(client, ctx, "flash-support", role="support"))
    sku = await make_sku(ctx)
    before = await snapshot(ctx)
    for method, path in (("GET", BASE), ("POST", BASE), ("POST", f"{BASE}/1/cancel")):
        response = await client.request(method, path, json=payload([sku]), headers=support)
        assert (response.status_code, response.json()["code"]) == (403, "console.permission_denied")
    anonymous = await client.get(BASE)
    assert anonymous.status_code == 401
    assert await snapshot(ctx) == before


async def test_edit_until_tokens_open_then_locked(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx, price=19900)
    created = (await client.post(BASE, json=payload([sku]), headers=staff)).json()
    path = f"{BASE}/{created['id']}"
    starts = utcnow() + timedelta(hours=3)
    response = await client.patch(
        path,
        json={
            "title": "改名秒杀",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "free_shipping": False,
            "items": [{"sku_id": sku.sku_id, "flash_price": 1990, "per_shopper_limit": 3}],
        },
        headers=staff,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["free_shipping"]) == ("改名秒杀", False)
    assert (body["items"][0]["flash_price"], body["items"][0]["per_shopper_limit"]) == (1990, 3)
    [entry] = await audit_rows(ctx, "flashsale.update")
    assert entry.detail["title"] == "改名秒杀"
    for change, status, code in (
        ({"items": [{"sku_id": 424242, "flash_price": 1}]}, 404, "flashsale.sku_not_in_campaign"),
        (
            {"items": [{"sku_id": sku.sku_id, "flash_price": 20000}]},
            400,
            "flashsale.invalid_campaign",
        ),
        (
            {"items": [{"sku_id": sku.sku_id, "per_shopper_limit": 11}]},
            400,
            "flashsale.invalid_campaign",
        ),
        (
            {"ends_at": (utcnow() + timedelta(days=40)).isoformat()},
            400,
            "flashsale.invalid_campaign",
        ),
    ):
        before = await snapshot(ctx)
        refused = await client.patch(path, json=change, headers=staff)
        assert (refused.status_code, refused.json()["code"]) == (status, code), change
        assert await snapshot(ctx) == before
    missing = await client.patch(f"{BASE}/999999", json={"title": "x"}, headers=staff)
    assert (missing.status_code, missing.json()["code"]) == (404, "flashsale.campaign_not_found")
    # Buy tokens open 5 minutes before the start: from then on the campaign is fixed.
    await move_window(
        ctx, created["id"], starts_in=timedelta(minutes=4), ends_in=timedelta(hours=1)
    )
    before = await snapshot(ctx)
    locked = await client.patch(path, json={"title": "太晚了"}, headers=staff)
    assert (locked.status_code, locked.json()["code"]) == (409, "flashsale.campaign_locked")
    assert await snapshot(ctx) == before


async def test_edits_reach_the_live_store(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx, price=19900)
    body = payload([sku])
    created = (await client.post(BASE, json=body, headers=staff)).json()
    # Within the warm-up lead: loaded into the store, then edited.
    await move_window(
        ctx, created["id"], starts_in=timedelta(minutes=8), ends_in=timedelta(hours=1)
    )
    page = (await client.get(f"/api/v1/flash-sales/{created['id']}")).json()
    assert page["items"][0]["flash_price"] == 990
    response = await client.patch(
        f"{BASE}/{created['id']}",
        json={"items": [{"sku_id": sku.sku_id, "flash_price": 1290}]},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["remaining"] == 10
    page = (await client.get(f"/api/v1/flash-sales/{created['id']}")).json()
    assert page["items"][0]["flash_price"] == 1290


async def test_cancel_stops_sales_and_settle_gives_the_units_back(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx, price=19900, stock=50)
    created = (await client.post(BASE, json=payload([sku]), headers=staff)).json()
    campaign_id = created["id"]
    await go_live(ctx, campaign_id)
    alice, bob = await shopper(client, "alice"), await shopper(client, "bob")
    assert (
        await buy(client, alice, campaign_id, sku, buy_token(ctx, campaign_id, alice.id))
    ).status_code == 202
    response = await client.post(f"{BASE}/{campaign_id}/cancel", headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    [entry] = await audit_rows(ctx, "flashsale.cancel")
    assert entry.target == f"flashsale:{campaign_id}"
    refused = await buy(client, bob, campaign_id, sku, buy_token(ctx, campaign_id, bob.id))
    assert (refused.status_code, refused.json()["code"]) == (409, "flashsale.ended")
    again = await client.post(f"{BASE}/{campaign_id}/cancel", headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "flashsale.campaign_locked")
    # Alice's accepted request still becomes an order; then the rest goes back to free stock.
    await run_job(ctx, "flashsale.settle")
    assert (await client.get(f"{BASE}/{campaign_id}", headers=staff)).json()["settled_at"] is None
    await consume(ctx)
    await run_job(ctx, "flashsale.settle")
    settled = (await client.get(f"{BASE}/{campaign_id}", headers=staff)).json()
    assert settled["settled_at"] is not None
    assert settled["items"][0]["ordered"] == 1
    assert await level(ctx, sku) == (50, 1, 49)
    listing = await client.get(BASE, params={"status": "cancelled"}, headers=staff)
    assert [c["id"] for c in listing.json()["items"]] == [campaign_id]


async def test_list_pages_by_cursor(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str]
) -> None:
    sku = await make_sku(ctx, price=19900, stock=100)
    ids = [
        (await client.post(BASE, json=payload([sku]), headers=staff)).json()["id"] for _ in range(3)
    ]
    first = (await client.get(BASE, params={"limit": 2}, headers=staff)).json()
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    second = (
        await client.get(BASE, params={"limit": 2, "cursor": first["next_cursor"]}, headers=staff)
    ).json()
    assert ([c["id"] for c in second["items"]], second["next_cursor"]) == ([ids[0]], None)
    bad = await client.get(BASE, params={"cursor": "nope"}, headers=staff)
    assert (bad.status_code, bad.json()["code"]) == (400, "pagination.invalid_cursor")


async def test_reconcile_now(
    client: httpx.AsyncClient, ctx: AppContext, staff: dict[str, str], flash: FlashSaleSettings
) -> None:
    sku = await make_sku(ctx, price=19900, stock=50)
    created = (await client.post(BASE, json=payload([sku]), headers=staff)).json()
    await go_live(ctx, created["id"])
    alice = await shopper(client, "alice")
    await buy(client, alice, created["id"], sku, buy_token(ctx, created["id"], alice.id))
    response = await client.post(f"{BASE}/{created['id']}/reconcile", headers=staff)
    assert response.status_code == 200, response.text
    report = response.json()["reconciliation"]
    assert (report["ok"], report["repaired"], report["unexplained"]) == (True, 0, {})
    assert report["items"] == [
        {
            "sku_id": sku.sku_id,
            "stock": 10,
            "remaining": 9,
            "expected_remaining": 9,
            "queued": 1,
            "ordered": 0,
            "held": 10,
            "awaiting_cancellations": 0,
        }
    ]
    missing = await client.post(f"{BASE}/999999/reconcile", headers=staff)
    assert missing.status_code == 404
