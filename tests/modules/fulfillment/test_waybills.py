"""批量电子面单 from the console: paid orders get a Kuaidi100 waybill (number + label) and ship
with it; other orders are refused one by one; an unknown carrier changes nothing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.modules.payments import public as payments
from tests.conftest import snapshot
from tests.modules.fulfillment.factories import kuaidi100
from tests.modules.orders.console_factories import make_sku, paid_order, place_order
from tests.modules.staff.conftest import bearer, token_for

API = "/api/v1/console"


async def test_batch_waybills_ship_paid_orders_with_the_numbers_printed(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, title="纯棉圆领T恤")
    first = await paid_order(app, ctx, tee)
    second = await paid_order(app, ctx, tee, member_id=1002)
    unpaid = await place_order(ctx, tee, member_id=1003)

    printed = await client.post(
        f"{API}/orders/waybills",
        json={"order_nos": [first, second, unpaid], "carrier_code": "zhongtong"},
        headers=bearer(olivia),
    )

    assert printed.status_code == 200, printed.text
    results = printed.json()["results"]
    assert [(r["order_no"], r["ok"], r["error_code"]) for r in results] == [
        (first, True, None),
        (second, True, None),
        (unpaid, False, "orders.illegal_transition"),
    ]
    numbers = [r["tracking_no"] for r in results[:2]]
    assert all(n.startswith("ZT") for n in numbers)
    assert len(set(numbers)) == 2
    labels = kuaidi100(app).labels
    assert sorted(label.number for label in labels.values()) == sorted(numbers)
    assert {str(label.recipient["name"]) for label in labels.values()} == {"张三丰"}

    detail = await client.get(f"{API}/orders/{first}", headers=bearer(olivia))
    assert (detail.json()["status"], detail.json()["tracking_no"]) == ("shipped", numbers[0])
    label = await client.get(results[0]["label_url"], headers=bearer(olivia))
    assert label.status_code == 200
    assert label.headers["content-type"] == "image/jpeg"
    assert label.content[:2] == b"\xff\xd8"

    # The shipped orders are tracked like any other.
    await payments.settle(ctx)
    tracking = await client.get(f"{API}/orders/{first}/tracking", headers=bearer(olivia))
    assert tracking.status_code == 200, tracking.text
    assert (tracking.json()["carrier_code"], tracking.json()["tracking_no"]) == (
        "zhongtong",
        numbers[0],
    )


async def test_an_unknown_carrier_prints_nothing(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    order_no = await paid_order(app, ctx, await make_sku(ctx))
    before = await snapshot(ctx)

    refused = await client.post(
        f"{API}/orders/waybills",
        json={"order_nos": [order_no], "carrier_code": "nosuchcarrier"},
        headers=bearer(olivia),
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "fulfillment.carrier_unsupported"
    assert await snapshot(ctx) == before
    assert kuaidi100(app).labels == {}


async def test_support_staff_cannot_print_waybills(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    sam = await token_for(client, ctx, "sam", role="support")
    order_no = await paid_order(app, ctx, await make_sku(ctx))
    before = await snapshot(ctx)

    refused = await client.post(
        f"{API}/orders/waybills",
        json={"order_nos": [order_no], "carrier_code": "zhongtong"},
        headers=bearer(sam),
    )

    assert refused.status_code == 403
    assert await snapshot(ctx) == before


async def test_logistics_settings_show_whether_keys_are_set_never_the_keys(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")

    shown = await client.get(f"{API}/logistics/settings", headers=bearer(olivia))

    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["provider"], body["mode"], body["is_key_configured"]) == (
        "kuaidi100",
        "simulator",
        True,
    )
    assert body["callback_url"].endswith("/api/v1/fulfillment/kuaidi100/callback")
    assert {c["code"]: c["is_enabled"] for c in body["carriers"]}["zhongtong"] is True
    assert ctx.settings.kuaidi100_key.get_secret_value() not in shown.text
