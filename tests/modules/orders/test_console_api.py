from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.modules.inventory import public as inventory
from shoplet.modules.payments import public as payments
from tests.conftest import snapshot
from tests.modules.orders.console_factories import (
    ADDRESS,
    make_sku,
    paid_order,
    place_order,
    shopper_headers,
)
from tests.modules.staff.conftest import audit_rows, bearer, fetch_staff, token_for

API = "/api/v1/console"


async def test_staff_list_and_find_orders_with_masked_addresses(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    sam = await token_for(client, ctx, "sam", role="support")
    tee = await make_sku(ctx, price=4990)
    first = await paid_order(app, ctx, tee)
    second = await place_order(ctx, tee, member_id=1002, phone="13900139000", quantity=2)

    listed = await client.get(f"{API}/orders", headers=bearer(sam))

    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [(o["order_no"], o["status"], o["payable_total"]) for o in body["items"]] == [
        (second, "pending_payment", 9980),
        (first, "paid", 4990),
    ]
    assert body["next_cursor"] is None
    address = body["items"][1]["address"]
    assert (address["recipient"], address["phone"], address["is_masked"]) == (
        "张**",
        "138****8000",
        True,
    )

    paged = await client.get(f"{API}/orders?limit=1", headers=bearer(sam))
    assert [o["order_no"] for o in paged.json()["items"]] == [second]
    rest = await client.get(
        f"{API}/orders?limit=1&cursor={paged.json()['next_cursor']}", headers=bearer(sam)
    )
    assert [o["order_no"] for o in rest.json()["items"]] == [first]
    assert rest.json()["next_cursor"] is None

    async def found(query: str) -> list[str]:
        response = await client.get(f"{API}/orders?{query}", headers=bearer(sam))
        assert response.status_code == 200, response.text
        return [o["order_no"] for o in response.json()["items"]]

    assert await found("status=paid") == [first]
    assert await found("status=pending_payment") == [second]
    assert await found("status=shipped") == []
    assert await found(f"q={first}") == [first]
    # Finding orders by phone is a look-up of personal data: pii:reveal (owners) only.
    olga = await token_for(client, ctx, "olga", role="operator")
    before = await snapshot(ctx)
    for role_token in (sam, olga):
        denied = await client.get(f"{API}/orders?q=13900139000", headers=bearer(role_token))
        assert denied.status_code == 403
        assert denied.json()["code"] == "console.pii_reveal_denied"
    assert await snapshot(ctx) == before
    owner = await token_for(client, ctx, "oona", role="owner")
    by_phone = await client.get(f"{API}/orders?q=13900139000", headers=bearer(owner))
    assert [o["order_no"] for o in by_phone.json()["items"]] == [second]
    nobody = await client.get(f"{API}/orders?q=13900130000", headers=bearer(owner))
    assert nobody.json()["items"] == []
    searches = await audit_rows(ctx, "order.search_phone")
    assert [(e.username, e.detail, e.ip) for e in searches] == [
        ("oona", {"phone": "139****9000"}, "127.0.0.1"),
        ("oona", {"phone": "139****0000"}, "127.0.0.1"),
    ]

    bad_status = await client.get(f"{API}/orders?status=lost", headers=bearer(sam))
    assert bad_status.status_code == 422
    assert bad_status.json()["code"] == "request.invalid"
    bad_cursor = await client.get(f"{API}/orders?cursor=nonsense", headers=bearer(sam))
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["code"] == "pagination.invalid_cursor"

    anonymous = await client.get(f"{API}/orders")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "auth.unauthorized"


async def test_order_detail_reveals_the_address_only_on_request_and_audits_it(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    sam = await token_for(client, ctx, "sam", role="support")
    tee = await make_sku(ctx, price=4990)
    order_no = await paid_order(app, ctx, tee, remark="请放快递柜")

    masked = await client.get(f"{API}/orders/{order_no}", headers=bearer(sam))

    assert masked.status_code == 200, masked.text
    order = masked.json()
    assert (order["status"], order["remark"], order["member_id"]) == ("paid", "请放快递柜", 1001)
    assert order["address"]["is_masked"] is True
    assert order["address"]["phone"] == "138****8000"
    assert [(e["from_status"], e["to_status"]) for e in order["timeline"]] == [
        (None, "pending_payment"),
        ("pending_payment", "paid"),
    ]
    assert [(p["amount"], p["status"]) for p in order["payments"]] == [(4990, "succeeded")]
    assert order["payment_no"] == order["payments"][0]["payment_no"]
    assert (order["paid_amount"], order["refunded_amount"], order["refunding_amount"]) == (
        4990,
        0,
        0,
    )
    assert order["refunds"] == []
    assert await audit_rows(ctx, "order.reveal_address") == []

    # Support and operators may not reveal: 403, nothing shown, nothing written.
    olga = await token_for(client, ctx, "olga", role="operator")
    before = await snapshot(ctx)
    for token in (sam, olga):
        denied = await client.get(f"{API}/orders/{order_no}?reveal=true", headers=bearer(token))
        assert denied.status_code == 403
        assert denied.json()["code"] == "console.pii_reveal_denied"
        assert ADDRESS.phone not in denied.text
    assert await snapshot(ctx) == before

    oona = await token_for(client, ctx, "oona", role="owner", step_up=True)
    owner = await fetch_staff(ctx, "oona")
    # An owner still confirms it is them (a step-up grant) before the address shows.
    without_grant = {k: v for k, v in bearer(oona).items() if k != "X-Step-Up-Token"}
    before = await snapshot(ctx, "staff_audit_log")
    refused = await client.get(f"{API}/orders/{order_no}?reveal=true", headers=without_grant)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.step_up_required")
    assert "address" not in refused.json()
    assert await snapshot(ctx, "staff_audit_log") == before
    revealed = await client.get(f"{API}/orders/{order_no}?reveal=true", headers=bearer(oona))

    assert revealed.status_code == 200
    address = revealed.json()["address"]
    assert address == {
        "recipient": ADDRESS.recipient,
        "phone": ADDRESS.phone,
        "province": ADDRESS.province,
        "city": ADDRESS.city,
        "district": ADDRESS.district,
        "region_code": ADDRESS.region_code,
        "detail": ADDRESS.detail,
        "postal_code": ADDRESS.postal_code,
        "is_masked": False,
    }
    entries = await audit_rows(ctx, "order.reveal_address")
    assert [(e.staff_id, e.target, e.detail, e.ip) for e in entries] == [
        (owner.id, f"order:{order_no}", {"member_id": 1001}, "127.0.0.1")
    ]

    before = await snapshot(ctx)
    missing = await client.get(f"{API}/orders/20240101000000", headers=bearer(sam))
    assert missing.status_code == 404
    assert missing.json()["code"] == "orders.not_found"
    malformed = await client.get(f"{API}/orders/..%2F..%2Fetc", headers=bearer(sam))
    assert malformed.status_code in {404, 422}
    assert await snapshot(ctx) == before


async def test_operator_ships_a_paid_order_support_may_not(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    sam = await token_for(client, ctx, "sam", role="support")
    operator = await fetch_staff(ctx, "olivia")
    tee = await make_sku(ctx, price=4990)
    order_no = await paid_order(app, ctx, tee)
    pending = await place_order(ctx, tee, member_id=1002)
    shipment = {"carrier": "顺丰速运", "tracking_no": "SF1234567890123"}

    before = await snapshot(ctx)
    denied = await client.post(f"{API}/orders/{order_no}/ship", json=shipment, headers=bearer(sam))
    assert denied.status_code == 403
    assert denied.json()["code"] == "console.permission_denied"
    not_paid = await client.post(
        f"{API}/orders/{pending}/ship", json=shipment, headers=bearer(olivia)
    )
    assert not_paid.status_code == 409
    assert not_paid.json()["code"] == "orders.illegal_transition"
    for bad in (
        {"carrier": "顺丰速运"},
        {"carrier": "", "tracking_no": "SF1234567890123"},
        {"carrier": "顺丰速运", "tracking_no": "SF 12 34"},
        {"carrier": "顺丰速运", "tracking_no": "SF1234567890123", "note": "x"},
        {"carrier": "顺丰速运", "tracking_no": 1234567890},
    ):
        response = await client.post(
            f"{API}/orders/{order_no}/ship", json=bad, headers=bearer(olivia)
        )
        assert response.status_code == 422, bad
        assert response.json()["code"] == "request.invalid"
    unknown = await client.post(
        f"{API}/orders/20240101000000/ship", json=shipment, headers=bearer(olivia)
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "orders.not_found"
    assert await snapshot(ctx) == before

    shipped = await client.post(
        f"{API}/orders/{order_no}/ship", json=shipment, headers=bearer(olivia)
    )

    assert shipped.status_code == 200, shipped.text
    body = shipped.json()
    assert (body["status"], body["carrier"], body["tracking_no"]) == (
        "shipped",
        "顺丰速运",
        "SF1234567890123",
    )
    assert body["timeline"][-1]["actor"] == "staff:olivia"
    entries = await audit_rows(ctx, "order.ship")
    assert [(e.staff_id, e.target, e.detail) for e in entries] == [
        (operator.id, f"order:{order_no}", shipment)
    ]

    # Shipping twice is refused and changes nothing.
    before = await snapshot(ctx)
    again = await client.post(
        f"{API}/orders/{order_no}/ship", json=shipment, headers=bearer(olivia)
    )
    assert again.status_code == 409
    assert again.json()["code"] == "orders.illegal_transition"
    assert await snapshot(ctx) == before


async def request_aftersale(
    client: httpx.AsyncClient,
    ctx: AppContext,
    order_no: str,
    *,
    kind: str,
    amount: int,
    member_id: int = 1001,
) -> str:
    response = await client.post(
        f"/api/v1/orders/{order_no}/aftersales",
        json={"kind": kind, "reason": "尺码不合适", "amount": amount},
        headers=shopper_headers(ctx, member_id),
    )
    assert response.status_code == 201, response.text
    aftersale_no: str = response.json()["aftersale_no"]
    return aftersale_no


async def test_refund_only_request_is_listed_approved_and_refunded(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    sam = await token_for(client, ctx, "sam", role="support")
    support = await fetch_staff(ctx, "sam")
    tee = await make_sku(ctx, price=4990)
    order_no = await paid_order(app, ctx, tee)
    aftersale_no = await request_aftersale(client, ctx, order_no, kind="refund_only", amount=4990)

    todo = await client.get(f"{API}/aftersales?status=requested", headers=bearer(sam))
    assert todo.status_code == 200, todo.text
    assert [(a["aftersale_no"], a["order_no"], a["amount"]) for a in todo.json()["items"]] == [
        (aftersale_no, order_no, 4990)
    ]
    assert (await client.get(f"{API}/aftersales?status=rejected", headers=bearer(sam))).json()[
        "items"
    ] == []

    approved = await client.post(f"{API}/aftersales/{aftersale_no}/approve", headers=bearer(sam))

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "refunding"
    assert approved.json()["refund_no"] is not None
    entries = await audit_rows(ctx, "aftersale.approve")
    assert [(e.staff_id, e.target, e.detail) for e in entries] == [
        (
            support.id,
            f"aftersale:{aftersale_no}",
            {"order_no": order_no, "kind": "refund_only", "amount": 4990, "status": "refunding"},
        )
    ]

    # WeChat refunds it; orders learns of it from the payments event.
    await payments.settle(ctx)
    detail = (await client.get(f"{API}/orders/{order_no}", headers=bearer(sam))).json()
    assert detail["aftersales"][0]["status"] in {"refunding", "refunded"}
    assert [r["amount"] for r in detail["refunds"]] == [4990]

    # Approving twice is refused and changes nothing.
    before = await snapshot(ctx)
    again = await client.post(f"{API}/aftersales/{aftersale_no}/approve", headers=bearer(sam))
    assert again.status_code == 409
    assert again.json()["code"] == "orders.illegal_transition"
    unknown = await client.post(f"{API}/aftersales/AS0000000000/approve", headers=bearer(sam))
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "orders.aftersale_not_found"
    assert await snapshot(ctx) == before


async def test_reject_needs_a_reason_and_is_audited(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    operator = await fetch_staff(ctx, "olivia")
    tee = await make_sku(ctx, price=4990)
    order_no = await paid_order(app, ctx, tee)
    aftersale_no = await request_aftersale(client, ctx, order_no, kind="refund_only", amount=1000)

    before = await snapshot(ctx)
    for bad in ({}, {"reason": ""}, {"reason": "x" * 201}, {"reason": 5}):
        response = await client.post(
            f"{API}/aftersales/{aftersale_no}/reject", json=bad, headers=bearer(olivia)
        )
        assert response.status_code == 422, bad
        assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before

    rejected = await client.post(
        f"{API}/aftersales/{aftersale_no}/reject",
        json={"reason": "商品已使用，不符合退款条件"},
        headers=bearer(olivia),
    )

    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == (
        "rejected",
        "商品已使用，不符合退款条件",
    )
    entries = await audit_rows(ctx, "aftersale.reject")
    assert [(e.staff_id, e.detail["reason"], e.detail["status"]) for e in entries] == [
        (operator.id, "商品已使用，不符合退款条件", "rejected")
    ]


async def test_return_is_confirmed_received_and_restocked(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    tee = await make_sku(ctx, price=4990, stock=10)
    order_no = await paid_order(app, ctx, tee, quantity=2)
    shipment = {"carrier": "顺丰速运", "tracking_no": "SF1234567890123"}
    assert (
        await client.post(f"{API}/orders/{order_no}/ship", json=shipment, headers=bearer(olivia))
    ).status_code == 200
    aftersale_no = await request_aftersale(client, ctx, order_no, kind="return_refund", amount=9980)

    # Nothing has come back yet: confirming the return is refused.
    approved = await client.post(f"{API}/aftersales/{aftersale_no}/approve", headers=bearer(olivia))
    assert approved.json()["status"] == "awaiting_return"

    sent_back = await client.post(
        f"/api/v1/orders/{order_no}/aftersales/{aftersale_no}/return",
        json={"carrier": "中通快递", "tracking_no": "ZT7700112233"},
        headers=shopper_headers(ctx),
    )
    assert sent_back.status_code == 200, sent_back.text
    async with ctx.sessionmaker() as s:
        on_hand_before = (await inventory.get_levels(s, [tee.sku_id]))[tee.sku_id].on_hand

    received = await client.post(
        f"{API}/aftersales/{aftersale_no}/confirm-return", headers=bearer(olivia)
    )

    assert received.status_code == 200, received.text
    assert received.json()["status"] in {"refunding", "refunded"}
    async with ctx.sessionmaker() as s:
        level = (await inventory.get_levels(s, [tee.sku_id]))[tee.sku_id]
    assert level.on_hand == on_hand_before + 2
    assert [e.target for e in await audit_rows(ctx, "aftersale.confirm_return")] == [
        f"aftersale:{aftersale_no}"
    ]

    before = await snapshot(ctx)
    again = await client.post(
        f"{API}/aftersales/{aftersale_no}/confirm-return", headers=bearer(olivia)
    )
    assert again.status_code == 409
    assert again.json()["code"] == "orders.illegal_transition"
    assert await snapshot(ctx) == before


async def test_shipping_rules_are_read_and_replaced_by_owners_and_operators(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    oscar = await token_for(client, ctx, "oscar", role="owner")
    sam = await token_for(client, ctx, "sam", role="support")
    operator = await fetch_staff(ctx, "olivia")

    defaults = await client.get(f"{API}/shipping-rules", headers=bearer(olivia))
    assert defaults.status_code == 200, defaults.text
    assert defaults.json() == {"flat_fee": 800, "free_threshold": 9900, "region_fees": {}}

    before = await snapshot(ctx)
    denied = await client.get(f"{API}/shipping-rules", headers=bearer(sam))
    assert denied.status_code == 403
    assert denied.json()["code"] == "console.permission_denied"
    denied = await client.put(
        f"{API}/shipping-rules",
        json={"flat_fee": 0, "free_threshold": None, "region_fees": {}},
        headers=bearer(sam),
    )
    assert denied.status_code == 403
    bad_rules: list[dict[str, object]] = [
        {"flat_fee": -1, "free_threshold": None, "region_fees": {}},
        {"flat_fee": 800, "free_threshold": 9900, "region_fees": {"6": 2000}},
        {"flat_fee": 800, "free_threshold": 9900, "region_fees": {"65": -5}},
        {"flat_fee": "800", "free_threshold": 9900, "region_fees": {}},
        {"flat_fee": 800, "free_threshold": 9900, "region_fees": {}, "extra": 1},
        {"flat_fee": 800, "region_fees": {}},
    ]
    for bad in bad_rules:
        response = await client.put(f"{API}/shipping-rules", json=bad, headers=bearer(olivia))
        assert response.status_code == 422, bad
        assert response.json()["code"] == "request.invalid"
    assert await snapshot(ctx) == before

    rules = {"flat_fee": 1000, "free_threshold": 19900, "region_fees": {"65": 2500, "54": 3000}}
    saved = await client.put(f"{API}/shipping-rules", json=rules, headers=bearer(olivia))

    assert saved.status_code == 200, saved.text
    expected = {**rules, "region_fees": {"54": 3000, "65": 2500}}
    assert saved.json() == expected
    assert (await client.get(f"{API}/shipping-rules", headers=bearer(oscar))).json() == expected
    entries = await audit_rows(ctx, "shipping_rules.update")
    assert [(e.staff_id, e.detail) for e in entries] == [
        (
            operator.id,
            {
                "before": {"flat_fee": 800, "free_threshold": 9900, "region_fees": {}},
                "after": expected,
            },
        )
    ]


async def test_reconciliation_report_for_a_day(
    client: httpx.AsyncClient, app: FastAPI, ctx: AppContext
) -> None:
    olivia = await token_for(client, ctx, "olivia", role="operator")
    sam = await token_for(client, ctx, "sam", role="support")
    tee = await make_sku(ctx, price=4990)
    await paid_order(app, ctx, tee)
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    url = f"{API}/payments/reconciliation?date="

    before = await snapshot(ctx)
    missing = await client.get(url + yesterday, headers=bearer(olivia))
    assert missing.status_code == 404
    assert missing.json()["code"] == "console.reconciliation_not_found"
    malformed = await client.get(url + "2024-13-40", headers=bearer(olivia))
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "request.invalid"
    for day in (today.isoformat(), (today - timedelta(days=200)).isoformat()):
        # No bill yet for today; WeChat keeps bills for three months only.
        refused = await client.post(url + day, headers=bearer(olivia))
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "console.reconciliation_unavailable"
    for method in ("GET", "POST"):
        denied = await client.request(method, url + yesterday, headers=bearer(sam))
        assert denied.status_code == 403
        assert denied.json()["code"] == "console.permission_denied"
    assert await snapshot(ctx) == before

    ran = await client.post(url + yesterday, headers=bearer(olivia))

    assert ran.status_code == 200, ran.text
    report = ran.json()
    assert (report["bill_date"], report["status"], report["differences"]) == (yesterday, "ok", [])
    assert report["summary"]["local_payments"] == 0
    fetched = await client.get(url + yesterday, headers=bearer(olivia))
    assert fetched.json() == report
    assert [e.target for e in await audit_rows(ctx, "payments.reconcile")] == [
        f"reconciliation:{yesterday}"
    ]
