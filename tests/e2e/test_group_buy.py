"""A group buy completed by three shoppers, end to end in Debian's Chromium against a real
Shoplet server: the owner's console lists the campaign (axe); shopper A (phone viewport) opens a
group from the product page's 发起拼团 and pays through the WeChat Pay simulator; the group page
says 拼团中 with two slots left; B and C come through the share link, 立即参团 and pay; the
group page says 拼团成功 with three members. Pages are scanned with axe and the keyboard audit."""

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
from .test_coupons import _check, _sku, _yuan, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures


def _campaign(server: Server, owner: Staff, sku: dict[str, Any]) -> dict[str, Any]:
    response = server.http.post(
        f"{API}/console/group-buys",
        headers=owner.auth,
        json={
            "title": f"三人团 {RUN}",
            "sku_id": sku["id"],
            "group_size": 3,
            "group_price": sku["price"] - 1000,
            "time_limit_seconds": 3600,
            "per_member_limit": 5,
            "max_groups": 100,
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def _shopper(server: Server, n: int) -> dict[str, Any]:
    tokens: dict[str, Any] = server.http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-139300{n}{int(RUN, 16) % 10000:04d}"}
    ).json()
    response = server.http.post(
        f"{API}/me/addresses",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        json={
            "recipient": f"拼团{n}",
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
    return tokens


def _sign_in(phone: Any, tokens: dict[str, Any]) -> None:
    # Written from /healthz, not "/": there the app of the previous shopper would still be
    # starting, and its loadMe() saves that shopper's session again when it answers.
    write_shopper_session(phone, tokens)


def _pay(phone: Any, amount: int) -> None:
    # The cashier opens by an in-app route change (history.pushState) once the join's requests
    # answer: poll the address rather than wait for a navigation event that may come and go
    # before the wait starts.
    expect(phone).to_have_url(re.compile(r"/pkg-trade/pay/index"))
    phone.get_by_role("button", name=re.compile(rf"微信支付 {re.escape(_yuan(amount))}")).click()
    phone.get_by_role("button", name="确认支付").click()
    phone.wait_for_url(re.compile(r"/pkg-trade/pay/result"))


def test_three_shoppers_complete_a_group(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    sku = _sku(server)
    campaign = _campaign(server, owner, sku)
    price = campaign["group_price"]

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/group-buys")
    expect(page.get_by_role("heading", name="拼团活动", exact=True)).to_be_visible()
    expect(page.get_by_test_id("group-buy-table")).to_contain_text(campaign["title"])
    assert_accessible(page, "console-group-buys")

    # A opens the group from the product page and pays.
    _sign_in(phone, _shopper(server, 1))
    phone.goto(f"/pages/product/detail?id={campaign['product_id']}")
    banner = phone.get_by_test_id("group-buy-banner")
    banner.get_by_text(_yuan(price)).wait_for()
    banner.get_by_role("button", name="发起拼团").click()
    phone.wait_for_url(re.compile(r"/pkg-social/group/index\?share="))
    share = re.search(r"share=([^&]+)", phone.url)
    assert share is not None
    group_url = page_url("group", share=share.group(1))
    phone.get_by_role("button", name="去支付").click()
    _pay(phone, price)

    phone.goto(group_url)
    expect(phone.get_by_test_id("group-status")).to_have_text("拼团中", timeout=15_000)
    expect(phone.get_by_test_id("group-slots-left")).to_contain_text("还差 2 人")
    _check(phone, "group-open")

    # B and C come through the share link.
    for n in (2, 3):
        _sign_in(phone, _shopper(server, n))
        phone.goto(group_url)
        # Signed in once the app has restored (and refreshed) the saved session.
        phone.wait_for_load_state("networkidle")
        phone.get_by_role("button", name="立即参团").click()
        _pay(phone, price)
        if n == 2:
            phone.goto(group_url)
            expect(phone.get_by_test_id("group-slots-left")).to_contain_text(
                "还差 1 人", timeout=15_000
            )

    phone.goto(group_url)
    # The page follows the group while it is open: the worker completes it after C's payment.
    expect(phone.get_by_test_id("group-status")).to_have_text("拼团成功", timeout=20_000)
    expect(phone.get_by_role("listitem").filter(has_text="***")).to_have_count(3)
    _check(phone, "group-succeeded")

    page.goto(f"{CONSOLE}/group-buys")
    page.get_by_role("tab", name="拼团列表").click()
    expect(page.get_by_test_id("group-table")).to_contain_text("拼团成功")
