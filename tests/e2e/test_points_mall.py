"""The points mall end to end in Debian's Chromium against a real Shoplet server: an owner's
console lists the items (status tabs, axe); a shopper (phone viewport) with points goes from
我的积分 to 积分商城, exchanges a coupon item (the sheet, then 兑换成功 and the balance drops),
then exchanges goods for points + ¥ and pays the cash through the WeChat Pay simulator; the
record says 已兑换. Every page is scanned with axe and the keyboard audit, and photographed."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import page_url, write_shopper_session

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
from .test_coupons import _check, _sku, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

SHOPPER_CODE = f"test-1392000{int(RUN, 16) % 10000:04d}"


def _post(server: Server, staff: Staff, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = server.http.post(f"{API}{path}", headers=staff.auth, json=body)
    assert response.status_code in {200, 201}, response.text
    out: dict[str, Any] = response.json()
    return out


def _items(server: Server, owner: Staff) -> tuple[dict[str, Any], dict[str, Any]]:
    template = _post(
        server,
        owner,
        "/console/coupon-templates",
        {
            "name": f"积分券 {RUN}",
            "kind": "threshold",
            "threshold": 5000,
            "amount": 500,
            "valid_days": 7,
            "total_quota": 100,
            "per_shopper_limit": 5,
            "is_claimable": False,
        },
    )
    _post(server, owner, f"/console/coupon-templates/{template['id']}/activate", {})
    coupon = _post(
        server,
        owner,
        "/console/points-mall/items",
        {
            "title": f"满50减5券 {RUN}",
            "kind": "coupon",
            "template_id": template["id"],
            "points_price": 300,
            "stock": 50,
            "per_member_limit": 2,
            "sort": 10,
        },
    )
    sku = _sku(server)
    goods = _post(
        server,
        owner,
        "/console/points-mall/items",
        {
            "title": f"积分换购 {RUN}",
            "kind": "product",
            "sku_id": sku["id"],
            "points_price": 500,
            "cash_price": 990,
            "stock": 5,
            "per_member_limit": 1,
            "sort": 5,
        },
    )
    for item in (coupon, goods):
        _post(
            server, owner, f"/console/points-mall/items/{item['id']}/status", {"status": "on_sale"}
        )
    return coupon, goods


def _shopper(server: Server, owner: Staff) -> dict[str, Any]:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": SHOPPER_CODE}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = server.http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "王积分",
            "phone": "13800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "region_code": "440305",
            "detail": "科技园1号",
            "is_default": True,
        },
    )
    assert response.status_code == 201, response.text
    _post(
        server,
        owner,
        f"/console/members/{tokens['member']['id']}/points/adjust",
        {"points": 1000, "reason": "积分商城测试"},
    )
    return tokens


def test_a_shopper_exchanges_a_coupon_and_goods_for_points_and_cash(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    coupon, goods = _items(server, owner)

    # Console: the items by status.
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/loyalty/mall")
    expect(page.get_by_role("heading", name="积分商城", exact=True)).to_be_visible()
    expect(page.get_by_test_id("mall-table")).to_contain_text(coupon["title"])
    page.get_by_role("tab", name="上架中").click()
    expect(page.get_by_test_id("mall-table")).to_contain_text(goods["title"])
    assert_accessible(page, "console-points-mall")

    tokens = _shopper(server, owner)
    write_shopper_session(phone, tokens)

    # 我的积分 → 积分商城.
    phone.goto(page_url("points"))
    phone.get_by_role("link", name="积分商城", exact=True).click()
    phone.wait_for_url(re.compile(r"/pkg-user/points/mall"))
    card = phone.get_by_role("listitem").filter(has_text=coupon["title"])
    card.get_by_text("300积分").wait_for()
    phone.get_by_text("1000", exact=True).wait_for()
    _check(phone, "points-mall")

    # A coupon: the sheet, 确认兑换, 兑换成功, the balance drops.
    card.get_by_role("button", name=re.compile("立即兑换")).click()
    dialog = phone.get_by_role("dialog", name=coupon["title"])
    dialog.get_by_text("300积分").wait_for()
    _check(phone, "points-mall-sheet")
    dialog.get_by_role("button", name="确认兑换").click()
    phone.get_by_role("status").filter(has_text="兑换成功").wait_for()
    phone.get_by_text("700", exact=True).wait_for()

    # Goods for points + ¥9.90: the order is paid through the WeChat Pay simulator.
    goods_card = phone.get_by_role("listitem").filter(has_text=goods["title"])
    goods_card.get_by_text("500积分 + ¥9.90").wait_for()
    goods_card.get_by_role("button", name=re.compile("立即兑换")).click()
    dialog = phone.get_by_role("dialog", name=goods["title"])
    dialog.get_by_text("王积分").wait_for()
    dialog.get_by_role("button", name="确认兑换").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/index"))
    phone.get_by_role("button", name=re.compile(r"微信支付 ¥9\.90")).click()
    phone.get_by_role("button", name="确认支付").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/result"))

    # The records.
    phone.goto(page_url("mall"))
    phone.get_by_role("tab", name="兑换记录").click()
    phone.get_by_role("listitem").filter(has_text=goods["title"]).filter(
        has_text="已兑换"
    ).wait_for()
    phone.get_by_role("listitem").filter(has_text=coupon["title"]).filter(
        has_text="已发放"
    ).wait_for()
    _check(phone, "points-mall-records")
