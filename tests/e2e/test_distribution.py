"""分销 end to end in Debian's Chromium against a real Shoplet server: the owner turns
distribution on, a shopper applies and is approved, a friend bound through the promoter's code
buys and pays through the WeChat Pay simulator; the promoter's 推广中心 (phone viewport) shows
the order's commission frozen (冻结中) on 推广订单; after a withdrawal request, the owner approves
it in the console's 分销 (提现审核) and WeChat's transfer is started (打款中). Pages are scanned
with axe and the keyboard audit."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
)
from .test_coupons import _check, _sku, _yuan, phone
from .test_group_buy import _shopper, _sign_in

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _paid_order(server: Server, tokens: dict[str, Any], sku: dict[str, Any]) -> str:
    auth = _bearer(tokens)
    listed = server.http.get(f"{API}/me/addresses", headers=auth).json()
    address = (listed["items"] if isinstance(listed, dict) else listed)[0]
    placed = server.http.post(
        f"{API}/orders",
        headers={**auth, "Idempotency-Key": f"dist-{RUN}"},
        json={"address_id": address["id"], "items": [{"sku_id": sku["id"], "quantity": 1}]},
    )
    assert placed.status_code == 201, placed.text
    order_no: str = placed.json()["order_no"]
    started = server.http.post(
        f"{API}/orders/{order_no}/pay", headers=auth, json={"channel": "wechat_jsapi"}
    )
    assert started.status_code == 200, started.text
    paid = server.http.post("/_sim/wechatpay/pay", json={"prepay_id": started.json()["prepay_id"]})
    assert paid.status_code == 200, paid.text
    return order_no


def test_a_promoter_sees_a_frozen_commission_and_a_withdrawal_is_approved(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    enabled = server.http.put(
        f"{API}/console/distribution/settings",
        headers=owner.auth,
        json={
            "is_enabled": True,
            "become_mode": "apply",
            "binding_mode": "permanent",
            "level1_bps": 1000,
            "level2_bps": 500,
            "min_withdrawal": 100,
            "freeze_days": 15,
        },
    )
    assert enabled.status_code == 200, enabled.text
    promoter, friend = _shopper(server, 7), _shopper(server, 8)
    assert (
        server.http.post(f"{API}/distribution/apply", headers=_bearer(promoter)).status_code == 201
    )
    pending = server.http.get(
        f"{API}/console/distribution/promoters", headers=owner.auth, params={"status": "pending"}
    ).json()["items"]
    [row] = [p for p in pending if p["member_id"] == promoter["member"]["id"]]
    reviewed = server.http.post(
        f"{API}/console/distribution/promoters/{row['id']}/review",
        headers=owner.auth,
        json={"decision": "approve"},
    )
    assert reviewed.status_code == 200, reviewed.text
    code = reviewed.json()["code"]
    bound = server.http.post(
        f"{API}/distribution/bind", headers=_bearer(friend), json={"promoter_code": code}
    )
    assert bound.status_code == 200, bound.text

    order_no = _paid_order(server, friend, _sku(server))
    # The worker makes the commission (10% of the line, frozen) once the payment's events flow.
    frozen = 0
    for _ in range(60):
        me = server.http.get(f"{API}/distribution/me", headers=_bearer(promoter)).json()
        frozen = me["balance"]["frozen"]
        if frozen:
            break
        time.sleep(0.5)
    assert frozen > 0

    _sign_in(phone, promoter)
    phone.goto(page_url("dist_centre"))
    expect(phone.get_by_test_id("dist-code")).to_have_text(code, timeout=15_000)
    expect(phone.get_by_test_id("dist-frozen")).to_have_text(_yuan(frozen))
    _check(phone, "dist-centre")

    phone.goto(page_url("dist_orders"))
    item = phone.get_by_test_id("dist-commission").filter(has_text=order_no)
    expect(item.get_by_test_id("dist-commission-status")).to_have_text("冻结中")
    _check(phone, "dist-orders")

    # A settled balance to withdraw (the freeze window is 15 days: the test credits it directly).
    with sqlite3.connect(server.data_dir / "shoplet.db", timeout=30) as db:
        db.execute(
            "UPDATE social_dist_promoter SET available = available + 1000 WHERE code = ?", (code,)
        )
    phone.goto(page_url("dist_withdraw"))
    expect(phone.get_by_test_id("dist-withdraw-available")).to_have_text(_yuan(1000))
    phone.get_by_test_id("dist-amount").locator("input").fill("8.00")
    phone.get_by_test_id("dist-submit").click()
    expect(phone.get_by_test_id("dist-withdrawal-status").first).to_have_text("待审核")
    _check(phone, "dist-withdraw")

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/distribution")
    expect(page.get_by_role("heading", name="分销", exact=True)).to_be_visible()
    table = page.get_by_test_id("withdrawal-table")
    expect(table).to_contain_text("¥8.00")
    assert_accessible(page, "console-distribution")
    table.get_by_test_id("withdrawal-approve").first.click()
    page.get_by_role("radiogroup", name="提现状态").get_by_text("全部", exact=True).click()
    expect(table.get_by_test_id("withdrawal-status").first).to_have_text("打款中")
    assert_accessible(page, "console-distribution-approved")
