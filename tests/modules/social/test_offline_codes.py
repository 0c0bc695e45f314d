"""Offline codes (线下码) through the API on both databases: a code per placement with its store
and/or campaign, one per store for a campaign, the printable mini-program code (simulator) and
H5 QR code that scan back to the code, scans counted (visitors once), the paid order attributed
once, a disabled code counting nothing, and every refusal changing nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shoplet.core.context import AppContext
from shoplet.core.events import drain_outbox
from tests.conftest import snapshot
from tests.integrations.qr import decode_qr
from tests.modules.orders.factories import pay, placed, product, shopper
from tests.modules.social.factories import make_campaign
from tests.modules.stores.factories import Console, console, make_store

CODES = "/api/v1/console/offline-codes"
SCAN = "/api/v1/offline-codes"
TABLES = (
    "social_offline_code",
    "social_offline_visit",
    "social_offline_attribution",
    "social_offline_conversion",
)


async def create(client: httpx.AsyncClient, staff: Console, **body: Any) -> dict[str, Any]:
    response = await client.post(CODES, json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def scan(
    client: httpx.AsyncClient, code: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.get(f"{SCAN}/{code}", headers=headers or {})
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    body: dict[str, Any] = response.json()
    return body


async def listed(client: httpx.AsyncClient, staff: Console, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(CODES, params=params, headers=staff.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_shelf_code_opens_its_product_and_counts_scans_visitors_and_orders(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await console(client, ctx, "ops")
    store_id = await make_store(client, staff)
    product_id, [sku_id] = await product(ctx, (5900, 10))
    made = await create(
        client,
        staff,
        label="货架A3",
        placement="shelf",
        store_id=store_id,
        target_kind="product",
        target_id=product_id,
    )
    code = made["code"]
    assert len(code) == 10
    assert code.isalnum()
    assert made["path"] == f"/pages/product/detail?id={product_id}"
    assert made["h5_url"].endswith(f"/pkg-social/code/index?c={code}")
    assert (made["store_name"], made["mp_page"]) == ("人民广场店", "pkg-social/code/index")

    bob = await shopper(client, "bob")
    carol = await shopper(client, "carol")
    first = await scan(client, code, bob.headers)
    again = await scan(client, code, bob.headers)
    guest = await scan(client, code, {"X-Shoplet-Visitor": "device-0001"})
    await scan(client, code)

    assert first == {
        "code": code,
        "path": f"/pages/product/detail?id={product_id}",
        "store_id": store_id,
        "counted": True,
        "recorded": True,
        "first_touch": True,
    }
    assert (again["recorded"], again["first_touch"]) == (False, False)
    assert (guest["recorded"], guest["first_touch"]) == (True, False)

    order = await placed(client, bob, [(sku_id, 2)])
    await pay(client, ctx, bob, order["order_no"])
    unrelated = await placed(client, carol, [(sku_id, 1)])
    await pay(client, ctx, carol, unrelated["order_no"])
    await drain_outbox(ctx)
    await drain_outbox(ctx)

    [row] = await listed(client, staff, store_id=store_id)
    assert (row["scans"], row["visitors"], row["orders"], row["order_amount"]) == (
        4,
        2,
        1,
        order["payable_total"],
    )
    response = await client.get(f"{CODES}/stores", headers=staff.headers)
    assert response.json() == [
        {
            "store_id": store_id,
            "store_name": "人民广场店",
            "codes": 1,
            "scans": 4,
            "visitors": 2,
            "orders": 1,
            "order_amount": order["payable_total"],
        }
    ]


async def test_a_disabled_code_opens_home_and_counts_nothing(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await console(client, ctx, "ops")
    made = await create(client, staff, label="橱窗海报", placement="window")
    bob = await shopper(client, "bob")
    response = await client.post(f"{CODES}/{made['id']}/disable", headers=staff.headers)
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    before = await snapshot(ctx, *TABLES)

    found = await scan(client, made["code"], bob.headers)

    assert found == {
        "code": made["code"],
        "path": "/pages/index/index",
        "store_id": None,
        "counted": False,
        "recorded": False,
        "first_touch": False,
    }
    assert await snapshot(ctx, *TABLES) == before
    enabled = await client.post(f"{CODES}/{made['id']}/enable", headers=staff.headers)
    assert enabled.json()["is_active"] is True
    assert (await scan(client, made["code"], bob.headers))["recorded"] is True


async def test_one_code_per_store_for_a_campaign_in_one_action(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await console(client, ctx, "ops")
    product_id, [sku_id] = await product(ctx, (5900, 10))
    people = await make_store(client, staff)
    lujiazui = await make_store(client, staff, name="陆家嘴店")
    campaign = await make_campaign(client, staff.headers, sku_id)

    response = await client.post(
        f"{CODES}/bulk",
        json={"campaign_id": campaign["id"], "placement": "table_tent", "label": "三人团桌牌"},
        headers=staff.headers,
    )

    assert response.status_code == 201, response.text
    made = response.json()
    assert sorted((c["store_id"], c["label"]) for c in made) == [
        (people, "三人团桌牌·人民广场店"),
        (lujiazui, "三人团桌牌·陆家嘴店"),
    ]
    expected = f"/pages/product/detail?id={product_id}&campaign={campaign['id']}"
    assert {c["path"] for c in made} == {expected}
    assert len({c["code"] for c in made}) == 2
    assert (await scan(client, made[0]["code"]))["path"] == expected


async def test_the_printable_codes_scan_back_to_the_code(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await console(client, ctx, "ops")
    made = await create(client, staff, label="收银小票", placement="receipt")

    mp = await client.get(f"{CODES}/{made['id']}/wxacode.png", headers=staff.headers)
    h5 = await client.get(f"{CODES}/{made['id']}/qr.png", headers=staff.headers)

    assert mp.status_code == 200, mp.text
    assert mp.headers["content-type"] == "image/png"
    assert "attachment" in mp.headers["content-disposition"]
    [mp_text] = decode_qr(mp.content)
    scanned = urlsplit(mp_text)
    query = parse_qs(scanned.query)
    assert (query["page"], query["scene"]) == (["pkg-social/code/index"], [made["code"]])
    assert h5.status_code == 200, h5.text
    assert decode_qr(h5.content) == [made["h5_url"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"store_id": 999999}, 404, "social.offline_store_not_found"),
        ({"campaign_id": 999999}, 404, "social.offline_campaign_not_found"),
        ({"target_kind": "product", "target_id": 999999}, 404, "social.offline_target_not_found"),
        ({"target_kind": "store", "target_id": 999999}, 404, "social.offline_target_not_found"),
        ({"target_kind": "product"}, 404, "social.offline_target_not_found"),
        ({"target_kind": "campaign"}, 404, "social.offline_target_not_found"),
        ({"placement": "billboard"}, 422, "request.invalid"),
        ({"label": ""}, 422, "request.invalid"),
        ({"store_id": "1"}, 422, "request.invalid"),
    ],
)
async def test_bad_codes_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext, body: dict[str, Any], status: int, code: str
) -> None:
    staff = await console(client, ctx, "ops")
    before = await snapshot(ctx, *TABLES)

    response = await client.post(
        CODES, json={"label": "海报", "placement": "poster", **body}, headers=staff.headers
    )

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


async def test_bulk_codes_need_a_campaign_and_an_open_store(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    staff = await console(client, ctx, "ops")
    _, [sku_id] = await product(ctx, (5900, 10))
    campaign = await make_campaign(client, staff.headers, sku_id)
    before = await snapshot(ctx, *TABLES)
    body = {"placement": "poster", "label": "海报"}

    unknown = await client.post(
        f"{CODES}/bulk", json={**body, "campaign_id": 999999}, headers=staff.headers
    )
    no_store = await client.post(
        f"{CODES}/bulk", json={**body, "campaign_id": campaign["id"]}, headers=staff.headers
    )

    assert (unknown.status_code, unknown.json()["code"]) == (
        404,
        "social.offline_campaign_not_found",
    )
    assert (no_store.status_code, no_store.json()["code"]) == (400, "social.offline_no_stores")
    assert await snapshot(ctx, *TABLES) == before


@pytest.mark.parametrize(
    ("scene", "status", "code"),
    [
        ("short", 400, "social.offline_invalid_scene"),
        ("abc!defghi", 400, "social.offline_invalid_scene"),
        ("x" * 40, 400, "social.offline_invalid_scene"),
        ("NoSuchCode", 404, "social.offline_code_not_found"),
    ],
)
async def test_bad_scenes_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, ctx: AppContext, scene: str, status: int, code: str
) -> None:
    bob = await shopper(client, "bob")
    before = await snapshot(ctx, *TABLES)

    response = await client.get(f"{SCAN}/{scene}", headers=bob.headers)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await snapshot(ctx, *TABLES) == before


async def test_console_routes_need_the_marketing_permission(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    response = await client.get(CODES)
    assert response.status_code == 401
    missing = await client.post(
        f"{CODES}/999999/disable", headers=(await console(client, ctx, "ops")).headers
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "social.offline_code_not_found")
