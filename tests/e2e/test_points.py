"""Points end to end in Debian's Chromium against a real Shoplet server: a shopper (phone
viewport) goes from 我的 to 每日签到, signs in (the button says what it gives, the result is
announced, the day is marked in the calendar), then finds the points in 我的积分 with the
sign-in in the history. At checkout a shopper holding points turns 积分抵扣 on, sees the
deduction and 实付 drop by it, places the order and the balance drops by the points used. Every
page is scanned with axe and the keyboard audit."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

from .test_console import API, RUN, Server, Staff, context, owner, server
from .test_coupons import _check, _yuan, phone
from .test_promotions import _make_product, _take_off_sale

__all__ = ["context", "owner", "phone", "server"]  # fixtures shared with test_console.py

SHOPPER_CODE = f"test-1391000{int(RUN, 16) % 10000:04d}"
SPENDER_CODE = f"test-1391100{int(RUN, 16) % 10000:04d}"
GIVEN = 2_000  # points staff give the checkout shopper


def _sign_in_on_phone(phone: Any, tokens: dict[str, Any]) -> None:
    write_shopper_session(phone, tokens)


def _is_preview(response: Any) -> bool:
    return bool(
        response.url.endswith("/api/v1/checkout/preview") and response.request.method == "POST"
    )


def test_a_shopper_signs_in_and_finds_the_points(server: Server, phone: Any) -> None:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    _sign_in_on_phone(phone, tokens)

    phone.goto(page_url("me"))
    phone.get_by_text("每日签到").click()
    phone.wait_for_url(re.compile(r"/pkg-user/points/signin"))
    button = phone.get_by_role("button", name=re.compile(r"立即签到 \+5"))
    button.wait_for()
    button.click()
    phone.get_by_role("status").filter(has_text="+5 积分，当前 5").wait_for()
    phone.get_by_role("button", name="已签到").wait_for()
    phone.get_by_role("gridcell", name=re.compile("已签到")).wait_for()
    phone.get_by_text("连续签到 1 天").wait_for()
    _check(phone, "points-signin")

    phone.goto(page_url("points"))
    phone.get_by_role("listitem").filter(has_text="签到").filter(has_text="+5").wait_for()
    phone.get_by_text("5", exact=True).first.wait_for()
    phone.get_by_role("tab", name="使用").click()
    phone.get_by_text("还没有积分记录").wait_for()
    phone.get_by_role("tab", name="全部").click()
    phone.get_by_role("listitem").filter(has_text="签到").wait_for()
    _check(phone, "points")


def test_a_shopper_uses_points_at_checkout_and_the_balance_drops(
    server: Server, owner: Staff, phone: Any
) -> None:
    product = _make_product(server, owner, f"E2E 积分抵扣商品 {RUN}")
    sku_id = int(product["skus"][0]["id"])
    order_no = ""
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SPENDER_CODE}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    member_id = int(tokens["member"]["id"])
    try:
        address = server.http.post(
            f"{API}/me/addresses",
            headers=auth,
            json={
                "recipient": "王积分",
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
        given = server.http.post(
            f"{API}/console/members/{member_id}/points/adjust",
            headers=owner.auth,
            json={"points": GIVEN, "reason": f"E2E 积分抵扣 {RUN}"},
        )
        assert given.status_code == 200, given.text
        start = server.http.get(f"{API}/me/points", headers=auth).json()["balance"]
        assert start >= GIVEN
        _sign_in_on_phone(phone, tokens)

        # Off by default: the row offers the points, 实付 is the full price.
        with phone.expect_response(_is_preview) as answered:
            phone.goto(page_url("checkout"))
        off = answered.value.json()
        quote = off["points"]
        assert (quote["balance"], quote["used"], quote["value"]) == (start, 0, 0)
        assert 0 < quote["usable_max"] <= start
        switch = phone.get_by_role("switch", name=re.compile("积分抵扣"))
        expect(switch).to_have_attribute("aria-checked", "false")
        expect(switch).to_contain_text(
            f"可用{quote['usable_max']}积分抵{_yuan(quote['usable_value'])}"
        )
        payable = phone.locator(".co__bar .co__payable")
        expect(payable).to_have_text(_yuan(off["payable_total"]))

        # On: the preview is priced with the points; the row and 实付 show the deduction.
        with phone.expect_response(
            lambda r: _is_preview(r) and '"points"' in (r.request.post_data or "")
        ) as answered:
            switch.click()
        on = answered.value.json()
        used, value = on["points"]["used"], on["points"]["value"]
        assert (used, value) == (quote["usable_max"], quote["usable_value"])
        assert on["payable_total"] == off["payable_total"] - value
        expect(switch).to_have_attribute("aria-checked", "true")
        expect(switch).to_contain_text(f"已用{used}积分抵{_yuan(value)}")
        expect(payable).to_have_text(_yuan(on["payable_total"]))
        _check(phone, "checkout-points")

        # The order uses exactly those points; the balance drops by them.
        with phone.expect_request(
            lambda r: r.url.endswith("/api/v1/orders") and r.method == "POST"
        ) as placed:
            phone.get_by_role("button", name="提交订单").click()
        assert json.loads(placed.value.post_data or "{}")["points"] == used
        phone.wait_for_url(re.compile(r"/pkg-trade/pay/index\?order_no="))
        order_no = phone.url.split("order_no=")[1].split("&")[0]
        order = server.http.get(f"{API}/orders/{order_no}", headers=auth).json()
        assert order["payable_total"] == on["payable_total"]
        after = server.http.get(f"{API}/me/points", headers=auth).json()
        assert after["balance"] == start - used
        spent = server.http.get(
            f"{API}/me/points/entries", headers=auth, params={"kind": "spend"}
        ).json()["items"]
        assert [(e["points"], e["order_no"]) for e in spent] == [(-used, order_no)]
    finally:
        # The unpaid order gives its stock (and points) back; the product leaves the shop.
        if order_no:
            cancelled = server.http.post(
                f"{API}/orders/{order_no}/cancel", headers=auth, json={"reason": "E2E"}
            )
            assert cancelled.status_code == 200, cancelled.text
        _take_off_sale(server, owner, product["id"])
