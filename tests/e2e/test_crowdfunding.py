"""Crowdfunding end to end in Debian's Chromium against a real Shoplet server: the owner creates
a campaign; a shopper (phone viewport) finds it from the product page's 众筹 entry, opens the
campaign page (progress, backers, countdown), 支持 and pays through the WeChat Pay simulator;
the campaign page then shows the pledge counted; the console's 众筹活动 page shows the live
progress and the cost panel. Pages are scanned with axe and the keyboard audit."""

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
        f"{API}/console/crowdfundings",
        headers=owner.auth,
        json={
            "title": f"众筹首发 {RUN}",
            "story": "达到目标即开模生产，未达目标全额退款。",
            "sku_id": sku["id"],
            "pledge_price": sku["price"] - 500,
            "target_quantity": 4,
            "per_member_limit": 2,
            "budget": 100_000,
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def test_a_shopper_pledges_and_the_console_shows_the_progress(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    sku = _sku(server)
    campaign = _campaign(server, owner, sku)
    price = campaign["pledge_price"]

    _sign_in(phone, _shopper(server, 7))
    phone.goto(page_url("product", id=campaign["product_id"]))
    entry = phone.get_by_test_id("crowdfunding-banner")
    entry.get_by_text(_yuan(price)).wait_for()
    entry.click()
    phone.wait_for_url(re.compile(r"/pkg-social/crowdfunding/index\?id="))
    campaign_url = page_url("crowdfunding", id=campaign["id"])
    expect(phone.get_by_test_id("crowdfunding-state")).to_have_text("众筹中")
    expect(phone.get_by_test_id("crowdfunding-countdown")).to_be_visible()
    _check(phone, "crowdfunding-running")

    phone.get_by_test_id("crowdfunding-support").click()
    _pay(phone, price)

    phone.goto(campaign_url)
    # The worker counts the pledge once the payment is in.
    expect(phone.get_by_test_id("crowdfunding-backers")).to_have_text("1", timeout=20_000)
    expect(phone.get_by_test_id("crowdfunding-progress")).to_have_text("25%")

    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/crowdfundings")
    expect(page.get_by_role("heading", name="众筹活动", exact=True)).to_be_visible()
    table = page.get_by_test_id("crowdfunding-table")
    row = table.get_by_role("row").filter(has_text=campaign["title"])
    expect(row).to_contain_text("已筹 1 / 目标 4 件")
    expect(row).to_contain_text("众筹中")
    assert_accessible(page, "console-crowdfundings")
    row.get_by_role("button", name=re.compile("成本与拉新")).click()
    panel = page.get_by_test_id("campaign-costs")
    expect(panel.get_by_test_id("cost-subsidy")).to_have_text(_yuan(500))
    expect(panel.get_by_test_id("cost-budget-left")).to_have_text(_yuan(99_500))
    assert_accessible(page, "console-crowdfunding-costs")
