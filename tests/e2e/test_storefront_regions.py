"""The whole country in the address book: a shopper in 西藏自治区 拉萨市 城关区 fills the address
form by smart paste, checks it, and pays (H5 storefront, phone viewport, axe on every page)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url
from tests.e2e.test_storefront import (
    PURCHASE_ENDPOINTS,
    _check,
    _first_product_id,
    _login,
    _require,
    page,
)

__all__ = ["page"]  # the phone-viewport page fixture of the storefront tests

PASTED = (
    "收货人：扎西\n手机号码：+86 139-0000-1111\n所在地区：西藏拉萨城关区\n详细地址：北京中路22号"
)


def test_smart_paste_an_address_in_lhasa_and_pay(page: Any, live_server: str) -> None:
    _require(
        live_server, *PURCHASE_ENDPOINTS, "POST /api/v1/addresses/parse", "GET /api/v1/regions"
    )
    product_id = _first_product_id(live_server)
    page.goto(page_url("product", id=product_id))
    page.get_by_role("button", name="加入购物车").click()
    page.locator(".pd__badge").wait_for()

    _login(page, live_server, "13900001111")
    page.get_by_role("link", name="购物车").click()
    page.get_by_role("list", name="购物车商品").get_by_role("listitem").first.wait_for()
    page.get_by_role("button", name=re.compile(r"结算\(\d+\)")).click()
    page.get_by_role("button", name="新增收货地址").click()

    page.get_by_label("粘贴整段地址，智能识别").fill(PASTED)
    page.get_by_role("button", name="智能识别").click()
    page.get_by_role("status").filter(has_text="已识别").wait_for()
    # The fields are filled for the shopper to check (uni-app's inputs update a tick later).
    expect(page.get_by_label("收货人", exact=True)).to_have_value("扎西")
    expect(page.get_by_label("手机号", exact=True)).to_have_value("13900001111")
    expect(page.get_by_label("详细地址", exact=True)).to_have_value("北京中路22号")
    # The picker opens on the parsed region, with 城关区 chosen.
    district = page.get_by_role("radio", name="城关区")
    district.wait_for()
    assert district.get_attribute("aria-checked") == "true"
    assert page.get_by_role("button", name="省份：西藏自治区").is_visible()
    assert page.get_by_role("button", name="城市：拉萨市").is_visible()
    _check(page, "address-smart-paste")
    page.get_by_role("button", name="保存").click()

    # Checkout shows the shopper's own address in clear.
    page.get_by_role("group", name="价格明细").wait_for()
    page.get_by_text("西藏自治区 拉萨市 城关区 北京中路22号").wait_for()
    page.get_by_text("13900001111").wait_for()
    page.wait_for_timeout(2200)  # let the "地址已保存" toast fade before the scan
    _check(page, "checkout-lhasa")
    page.get_by_role("button", name="提交订单").click()

    page.get_by_role("button", name=re.compile("微信支付")).click()
    page.get_by_role("dialog").wait_for()
    page.get_by_role("button", name="确认支付").click()
    page.get_by_role("heading", name="支付成功").wait_for(timeout=20000)

    page.get_by_role("button", name="查看订单").click()
    page.get_by_role("heading", name="待发货").wait_for()
    page.get_by_text("西藏自治区 拉萨市 城关区 北京中路22号").wait_for()
    page.get_by_text("13900001111").wait_for()
    _check(page, "order-detail-lhasa")
