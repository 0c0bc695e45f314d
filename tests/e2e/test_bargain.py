"""A bargain cut by two friends and bought, end to end in Debian's Chromium against a real
Shoplet server: the owner's console lists the campaign (axe); shopper A (phone viewport) starts
a bargain from the product page's 发起砍价; friends B and C come through the share link and
帮砍一刀; A's page shows both friends (names masked) with their cuts and the new price; A buys
at that price (立即购买) and pays through the WeChat Pay simulator; the console's cost report
counts the bargain, the two helpers and the order (axe)."""

from __future__ import annotations

import re
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
from .test_group_buy import _pay, _shopper, _sign_in

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures


def _campaign(server: Server, owner: Staff, sku: dict[str, Any]) -> dict[str, Any]:
    response = server.http.post(
        f"{API}/console/bargains",
        headers=owner.auth,
        json={
            "title": f"砍价 {RUN}",
            "sku_id": sku["id"],
            "floor_price": sku["price"] - 1000,
            # Five friends on average (three to seven): two never reach the floor.
            "helpers_needed": 5,
            "time_limit_seconds": 3600,
            "per_member_limit": 5,
            "max_bargains": 100,
            "budget": 1_000_000,
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def test_two_friends_cut_and_the_shopper_buys_at_the_new_price(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    sku = _sku(server)
    campaign = _campaign(server, owner, sku)

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/bargains")
    expect(page.get_by_role("heading", name="砍价活动", exact=True)).to_be_visible()
    expect(page.get_by_test_id("bargain-table")).to_contain_text(campaign["title"])
    assert_accessible(page, "console-bargains")

    # A starts the bargain from the product page.
    _sign_in(phone, _shopper(server, 7))
    phone.goto(f"/pages/product/detail?id={campaign['product_id']}")
    banner = phone.get_by_test_id("bargain-banner")
    banner.get_by_text(_yuan(campaign["floor_price"])).wait_for()
    banner.get_by_role("button", name="发起砍价").click()
    phone.wait_for_url(re.compile(r"/pkg-social/bargain/index\?share="))
    found = re.search(r"share=([^&]+)", phone.url)
    assert found is not None
    share = found.group(1)
    bargain_url = page_url("bargain", share=share)
    expect(phone.get_by_test_id("bargain-price")).to_contain_text(_yuan(sku["price"]))
    expect(phone.get_by_role("button", name=re.compile("立即购买"))).to_be_visible()
    _check(phone, "bargain-started")

    # B and C come through the share link and cut once each.
    for n in (8, 9):
        _sign_in(phone, _shopper(server, n))
        phone.goto(bargain_url)
        phone.wait_for_load_state("networkidle")
        phone.get_by_role("button", name="帮砍一刀").click()
        expect(phone.get_by_test_id("bargain-message")).to_contain_text("砍掉了", timeout=15_000)
        expect(phone.get_by_role("button", name="帮砍一刀")).to_have_count(0)
    _check(phone, "bargain-helped")

    state = server.http.get(f"{API}/bargains/{share}").json()
    assert state["helpers"] == 2
    price = state["current_price"]
    assert sku["price"] - 1000 < price < sku["price"]

    # A (signed in afresh: the first session's refresh token has been rotated) sees both friends
    # and the new price, and buys at it.
    _sign_in(phone, _shopper(server, 7))
    phone.goto(bargain_url)
    expect(phone.get_by_test_id("bargain-price")).to_contain_text(_yuan(price), timeout=15_000)
    helpers = phone.get_by_test_id("bargain-helpers").get_by_role("listitem")
    expect(helpers).to_have_count(2)
    expect(helpers.filter(has_text="***")).to_have_count(2)
    for cut in state["helper_list"]:
        expect(phone.get_by_test_id("bargain-helpers")).to_contain_text(_yuan(cut["amount"]))
    phone.wait_for_load_state("networkidle")
    phone.get_by_role("button", name=re.compile("立即购买")).click()
    _pay(phone, price)

    phone.goto(bargain_url)
    expect(phone.get_by_test_id("bargain-status")).to_have_text("已购买", timeout=20_000)

    page.goto(f"{CONSOLE}/bargains")
    page.get_by_test_id("bargain-table").get_by_role(
        "button", name=f"成本报表 {campaign['title']}"
    ).first.click()
    figures = page.get_by_test_id("bargain-report-figures")
    expect(page.get_by_test_id("report-started")).to_have_text("1")
    expect(page.get_by_test_id("report-helpers")).to_have_text("2")
    expect(page.get_by_test_id("report-orders")).to_contain_text("1")
    expect(figures).to_contain_text(_yuan(sku["price"] - price))
    assert_accessible(page, "console-bargain-report")
