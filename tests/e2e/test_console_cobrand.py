"""开放平台 · 联名分成 and 物流公司 end to end in Debian's Chromium against a real Shoplet server.

A partner app creates a co-branded coupon through the signed partner API and gives it to a
shopper; the shopper pays an order with it; the owner sees the redemption and the share on
联名分成, changes the rate with 调整比例 and sees the share recomputed. On 物流公司 the owner
switches a carrier off (shipping with it is then refused) and on again. Every state is scanned
with axe."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.modules.openapi.factories import signed_headers

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    _sku_in_stock,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
    wait_for,
    yuan,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

OPEN = "/open/v1"


@pytest.fixture(scope="module", autouse=True)
def _console_routes_loaded(server: Server) -> None:
    """Load every console router once before the owner signs in (see test_console_webhooks)."""
    server.http.get(f"{API}/console/auth/me", timeout=300)


def _partner_post(server: Server, key: str, secret: str, path: str, body: Any, *, idem: str) -> Any:
    raw = json.dumps(body).encode()
    return server.http.post(
        f"{OPEN}{path}",
        content=raw,
        headers={
            **signed_headers(key, secret, "POST", f"{OPEN}{path}", body=raw),
            "Content-Type": "application/json",
            "Idempotency-Key": idem,
        },
    )


def _shopper(server: Server, name: str) -> tuple[dict[str, str], int, int]:
    """A signed-in shopper: auth headers, member id and an address id."""
    login = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-{name}"})
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = server.http.get(f"{API}/me", headers=auth)
    assert me.status_code == 200, me.text
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "李雷",
            "phone": "13900139000",
            "province": "上海市",
            "city": "上海市",
            "district": "浦东新区",
            "region_code": "310115",
            "detail": "世纪大道 200 号",
        },
    )
    assert address.status_code == 201, address.text
    return auth, int(me.json()["id"]), int(address.json()["id"])


def test_a_partner_coupon_redeemed_shows_on_cobrand_with_its_share(
    server: Server, owner: Staff, context: Any
) -> None:
    name = f"健康App-{RUN}"
    app = server.http.post(
        f"{API}/console/openapi/apps",
        headers=owner.auth,
        json={"name": name, "scopes": ["campaigns:write"], "rate_limit_per_minute": 600},
    )
    assert app.status_code == 201, app.text
    key, secret, app_id = app.json()["app_key"], app.json()["app_secret"], app.json()["app"]["id"]
    shared = server.http.patch(
        f"{API}/console/openapi/apps/{app_id}", headers=owner.auth, json={"revenue_share_bp": 500}
    )
    assert shared.status_code == 200, shared.text

    coupon = _partner_post(
        server,
        key,
        secret,
        "/cobrand/coupons",
        {
            "name": f"联名券-{RUN}",
            "kind": "threshold",
            "threshold": 100,
            "amount": 100,
            "valid_days": 7,
            "total_quota": 10,
            "per_shopper_limit": 1,
        },
        idem=f"coupon-{RUN}",
    )
    assert coupon.status_code == 201, coupon.text
    auth, member_id, address_id = _shopper(server, f"cobrand-{RUN}")
    issued = _partner_post(
        server,
        key,
        secret,
        f"/cobrand/coupons/{coupon.json()['id']}/issue",
        {"member_id": member_id},
        idem=f"issue-{RUN}",
    )
    assert issued.json()["issued"] is True, issued.text
    mine = server.http.get(f"{API}/me/coupons", headers=auth).json()["items"]
    (held,) = [c for c in mine if c["name"] == f"联名券-{RUN}"]

    order = server.http.post(
        f"{API}/orders",
        headers={**auth, "Idempotency-Key": f"cobrand-order-{RUN}"},
        json={
            "address_id": address_id,
            "items": [{"sku_id": _sku_in_stock(server, 5), "quantity": 1}],
            "coupon_id": held["id"],
        },
    )
    assert order.status_code == 201, order.text
    order_no, payable = order.json()["order_no"], order.json()["payable_total"]
    pay = server.http.post(
        f"{API}/orders/{order_no}/pay", headers=auth, json={"channel": "wechat_h5"}
    )
    assert pay.status_code == 200, pay.text
    paid = server.http.post("/_sim/wechatpay/pay", json={"prepay_id": pay.json()["prepay_id"]})
    assert paid.status_code == 200, paid.text

    now = datetime.now(UTC)
    window = {
        "since": (now - timedelta(days=1)).isoformat(),
        "until": (now + timedelta(days=1)).isoformat(),
    }

    def attributed() -> bool:
        report = server.http.get(
            f"{API}/console/openapi/cobrand/report", params=window, headers=owner.auth
        )
        assert report.status_code == 200, report.text
        rows = [r for r in report.json()["rows"] if r["app_id"] == app_id]
        return bool(rows and rows[0]["redemptions"] == 1)

    wait_for(attributed, what="the order attributed to the partner app", seconds=60)

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/open-platform/cobrand")
    expect(page.get_by_role("heading", name="开放平台 · 联名分成")).to_be_visible()
    row = page.get_by_test_id("cobrand-report").locator("tbody tr").filter(has_text=name)
    expect(row.locator("td").nth(2)).to_have_text("1")  # redemptions
    expect(row).to_contain_text("5.00%")
    expect(row).to_contain_text(yuan(payable))
    # The share: 5 % of the net revenue, rounded half up.
    expect(row).to_contain_text(yuan((payable * 500 + 5000) // 10000))
    items = page.get_by_test_id("cobrand-items").locator("tbody tr").filter(has_text=name)
    expect(items).to_contain_text(f"联名券-{RUN}")
    assert_accessible(page, "console-cobrand")

    # 调整比例: 5 % → 12.5 %; the report is fetched again and the share recomputed.
    row.get_by_test_id("set-share").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert_accessible(page, "console-cobrand-share")
    rate = dialog.get_by_label("分成比例（%）")
    rate.fill("12.5")
    rate.press("Tab")  # el-input-number commits on blur
    with page.expect_response(lambda r: r.url.endswith(f"/openapi/apps/{app_id}")) as saved:
        dialog.get_by_role("button", name="保存").click()
    assert saved.value.status == 200, saved.value.text()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("12.50%")
    expect(row).to_contain_text(yuan((payable * 1250 + 5000) // 10000))
    stored = server.http.get(f"{API}/console/openapi/apps/{app_id}", headers=owner.auth)
    assert stored.json()["revenue_share_bp"] == 1250
    assert_accessible(page, "console-cobrand-share-changed")


def test_owner_switches_a_carrier_off_and_on(server: Server, owner: Staff, context: Any) -> None:
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/logistics/carriers")
    expect(page.get_by_role("heading", name="物流公司")).to_be_visible()
    table = page.get_by_test_id("carriers-table")
    expect(table).to_contain_text("韵达快递")
    assert_accessible(page, "console-carriers")

    toggle = page.get_by_role("switch", name="启用韵达快递")
    switch = page.get_by_test_id("carrier-enabled-yunda")  # the visible control around it
    expect(toggle).to_be_checked()
    with page.expect_response(lambda r: r.url.endswith("/logistics/carriers/yunda")) as off:
        switch.click()
    assert off.value.status == 200, off.value.text()
    expect(toggle).not_to_be_checked()
    listed = server.http.get(f"{API}/console/logistics/carriers", headers=owner.auth).json()
    assert {c["code"]: c["is_enabled"] for c in listed["carriers"]}["yunda"] is False
    assert_accessible(page, "console-carriers-off")

    page.get_by_role("button", name="编辑韵达快递").click()
    dialog = page.get_by_role("dialog", name="编辑韵达快递")
    dialog.get_by_label("客户编码 / 月结账号").fill("YD-0001")
    assert_accessible(page, "console-carriers-edit")
    with page.expect_response(lambda r: r.url.endswith("/logistics/carriers/yunda")) as saved:
        dialog.get_by_role("button", name="保存").click()
    assert saved.value.status == 200, saved.value.text()
    expect(table).to_contain_text("YD-0001")

    with page.expect_response(lambda r: r.url.endswith("/logistics/carriers/yunda")) as on:
        switch.click()
    assert on.value.status == 200, on.value.text()
    expect(toggle).to_be_checked()
