"""Coupons end to end in Debian's Chromium against a real Shoplet server.

An owner creates a 满减 template in the console editor and publishes it; a shopper (phone
viewport) claims it in the coupon centre, finds it in 我的优惠券, and checkout applies it by
itself (the payable total drops by the coupon's amount); the picker lists a coupon the cart does
not qualify for, greyed with its reason; the order is placed with the coupon. Every new page is
scanned with axe (no serious or critical violation) and photographed for the docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_scan, page_url, screenshot, write_shopper_session

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    expect_url,
    owner,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with test_console.py

PHONE = {"width": 390, "height": 844}
# Every clickable element focusable and named (the keyboard audit of the storefront pages).
AUDIT_JS = (Path(__file__).resolve().parent / "js" / "keyboard_audit.js").read_text()
SHOPPER_CODE = f"test-1390000{int(RUN, 16) % 10000:04d}"


@pytest.fixture
def phone(browser: Any, server: Server) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=server.base,
        viewport=PHONE,
        locale="zh-CN",
        device_scale_factor=1,
        reduced_motion="reduce",
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ctx.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _check(page: Any, name: str) -> None:
    page.wait_for_timeout(300)
    assert page.evaluate(AUDIT_JS)["problems"] == [], name
    assert axe_scan(page, name=name) == []
    screenshot(page, f"storefront-{name}")


def _sku(server: Server) -> dict[str, Any]:
    for item in server.http.get(f"{API}/products", params={"limit": 50}).json()["items"]:
        detail = server.http.get(f"{API}/products/{item['id']}").json()
        for sku in detail["skus"]:
            if sku["available"] >= 2 and sku["price"] >= 2000:
                return dict(sku)
    raise AssertionError("the demo seed has no SKU of ¥20 or more in stock")


def _yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def _shopper(server: Server, sku_id: int) -> dict[str, Any]:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "王领券",
            "phone": "13800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "region_code": "440305",
            "detail": "科技园科苑路 15 号 3 栋 101",
            "is_default": True,
        },
    )
    assert address.status_code == 201, address.text
    line = server.http.post(
        f"{API}/cart/lines", headers=auth, json={"sku_id": sku_id, "quantity": 1}
    )
    assert line.status_code in (200, 201), line.text
    return tokens


def test_staff_publishes_a_coupon_a_shopper_claims_it_and_checkout_applies_it(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    sku = _sku(server)
    amount = 1000  # ¥10 off
    threshold = sku["price"]  # one unit qualifies
    name = f"满减 {RUN}"

    # Console: the editor shows the fields of a 满减 coupon; save a draft, then publish it.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/coupons")
    expect(page.get_by_role("heading", name="优惠券", exact=True)).to_be_visible()
    expect(page.get_by_role("menuitem", name=re.compile("优惠券"))).to_be_visible()
    page.get_by_test_id("new-coupon").click()
    expect_url(page, r"/console/coupons/new$")
    page.locator('input[name="name"]').fill(name)
    # The client names a mistake on its field before any request: amount above the threshold.
    page.locator('input[name="threshold"]').fill(f"{threshold / 100:.2f}")
    page.locator('input[name="amount"]').fill(f"{threshold / 100 + 1:.2f}")
    page.get_by_test_id("coupon-save").click()
    expect(page.get_by_text("减免金额不能大于使用门槛")).to_be_visible()
    page.locator('input[name="amount"]').fill(f"{amount / 100:.2f}")
    expect(page.get_by_test_id("coupon-preview")).to_contain_text(f"满{threshold / 100:g}可用")
    page.get_by_test_id("coupon-save").click()
    expect_url(page, r"/console/coupons/\d+$")
    template_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("coupon-status")).to_have_text("草稿")
    assert_accessible(page, "console-coupon-editor")
    page.get_by_test_id("coupon-activate").click()
    page.get_by_role("dialog").get_by_role("button", name="发布").click()
    expect(page.get_by_test_id("coupon-status")).to_have_text("发放中")
    stored = server.http.get(
        f"{API}/console/coupon-templates/{template_id}", headers=owner.auth
    ).json()
    assert stored["status"] == "active"
    assert (stored["kind"], stored["threshold"], stored["amount"]) == (
        "threshold",
        threshold,
        amount,
    )

    # A second coupon the cart will not reach, issued to the shopper by staff.
    tokens = _shopper(server, sku["id"])
    member_id = tokens["member"]["id"]
    far = server.http.post(
        f"{API}/console/coupon-templates",
        headers=owner.auth,
        json={
            "name": f"大额满减 {RUN}",
            "kind": "threshold",
            "threshold": 99_999_900,
            "amount": 50_000,
            "total_quota": 10,
            "valid_days": 7,
            "is_claimable": False,
        },
    )
    assert far.status_code == 201, far.text
    far_id = far.json()["id"]
    assert (
        server.http.post(
            f"{API}/console/coupon-templates/{far_id}/activate", headers=owner.auth
        ).status_code
        == 200
    )
    page.goto(f"{CONSOLE}/coupons")
    row = page.get_by_test_id("coupon-table").locator("tr").filter(has_text=f"大额满减 {RUN}")
    row.get_by_role("button", name=f"发给会员 大额满减 {RUN}").click()
    page.get_by_test_id("issue-members").fill(f"{member_id}\n{member_id}, abc")
    page.get_by_test_id("issue-submit").click()
    expect(page.get_by_role("alert").filter(has_text="不是会员 ID：abc")).to_be_visible()
    page.get_by_test_id("issue-members").fill(str(member_id))
    page.get_by_test_id("issue-submit").click()
    expect(page.get_by_test_id("issue-report")).to_contain_text("已发放 1 人")
    page.keyboard.press("Escape")
    assert_accessible(page, "console-coupons")

    # Shop: the coupon centre, signed in.
    write_shopper_session(phone, tokens)
    phone.goto(page_url("coupon_centre"))
    claim = phone.get_by_role("button", name=f"立即领取 {name}")
    claim.wait_for()
    claim.click()
    phone.get_by_role("status").filter(has_text=f"领取成功：{name}").wait_for()
    held = phone.get_by_role("button", name=f"已领取 {name}")
    held.wait_for()
    assert held.get_attribute("aria-disabled") == "true"
    _check(phone, "coupon-centre")

    # 我的 → 我的优惠券: both coupons under 可使用.
    phone.goto(page_url("me"))
    phone.get_by_text("我的优惠券").click()
    phone.wait_for_url(re.compile(r"/pkg-user/coupons/index"))
    phone.get_by_role("group", name=re.compile(f"，{name}，")).wait_for()
    assert phone.get_by_role("tab", name="可使用").get_attribute("aria-selected") == "true"
    _check(phone, "my-coupons")
    phone.get_by_role("tab", name="已使用").click()
    phone.get_by_text("没有已使用的优惠券").wait_for()

    # Checkout applies the coupon by itself: the payable total drops by its amount (and by
    # the shipping fee's change, where the coupon takes the goods below free shipping).
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    without = server.http.post(
        f"{API}/checkout/preview", headers=auth, json={"no_coupon": True}
    ).json()
    applied = server.http.post(f"{API}/checkout/preview", headers=auth, json={}).json()
    assert applied["coupon"]["name"] == name
    assert applied["coupon"]["discount"] == amount
    assert applied["discount_total"] - without["discount_total"] == amount
    phone.goto(page_url("checkout"))
    row_label = f"优惠券：-{_yuan(amount)}"
    coupon_row = phone.get_by_role("button", name=row_label)
    coupon_row.wait_for()
    payable = phone.locator(".co__bar .co__payable")
    expect(payable).to_have_text(_yuan(applied["payable_total"]))
    _check(phone, "checkout-coupon")

    # The picker: the applied one checked, the far one greyed with its reason.
    coupon_row.click()
    dialog = phone.get_by_role("dialog")
    dialog.wait_for()
    assert (
        dialog.get_by_role("radio", name=re.compile(f"^{name}，")).get_attribute("aria-checked")
        == "true"
    )
    far_card = dialog.get_by_role("group", name=re.compile(f"大额满减 {RUN}"))
    expect(far_card).to_contain_text("未达门槛")
    _check(phone, "coupon-picker")
    # Escape closes the picker and gives focus back to the coupon row.
    phone.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    focused = phone.evaluate("() => document.activeElement.getAttribute('aria-label') || ''")
    assert focused == row_label
    coupon_row.click()
    dialog.wait_for()
    # None, then the coupon again: the total follows.
    dialog.get_by_role("radio", name="不使用优惠券").click()
    expect(payable).to_have_text(_yuan(without["payable_total"]))
    phone.get_by_role("button", name=re.compile("^优惠券：")).click()
    phone.get_by_role("dialog").get_by_role("radio", name=re.compile(f"^{name}，")).click()
    expect(payable).to_have_text(_yuan(applied["payable_total"]))

    phone.get_by_role("button", name="提交订单").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/index\?order_no="))
    order_no = phone.url.split("order_no=")[1].split("&")[0]
    order = server.http.get(f"{API}/orders/{order_no}", headers=auth).json()
    assert order["payable_total"] == applied["payable_total"]
    mine = server.http.get(f"{API}/me/coupons", headers=auth, params={"tab": "used"}).json()[
        "items"
    ]
    used = next(c for c in mine if c["template_id"] == template_id)
    assert (used["state"], used["order_no"]) == ("locked", order_no)
