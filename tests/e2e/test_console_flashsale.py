"""The console's flash-sale screens (秒杀活动) in Debian's Chromium against a real Shoplet server.

An owner creates a campaign for a seeded product through the UI (SKU picked by search, flash
price, flash stock, per-shopper limit, a window that opens a few seconds later), finds it in
the list, watches the live view turn 进行中 with the live counter, reconciles and cancels it.
Reuses the server, staff and browser helpers of ``test_console.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

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
    yuan,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with test_console.py

BEIJING = timedelta(hours=8)
FLASH_STOCK = 3


def _seeded_sku(server: Server) -> tuple[str, dict[str, Any]]:
    """A seeded on-sale product and one of its SKUs with enough free stock."""
    for item in server.http.get(f"{API}/products", params={"limit": 30}).json()["items"]:
        detail = server.http.get(f"{API}/products/{item['id']}").json()
        for sku in detail["skus"]:
            if sku["available"] >= FLASH_STOCK + 2 and sku["price"] >= 200:
                return str(detail["title"]), {**sku, "product_id": item["id"]}
    raise AssertionError("no seeded SKU with enough stock")


def console_available(server: Server, owner: Staff, sku: dict[str, Any]) -> int:
    product = server.http.get(f"{API}/console/products/{sku['product_id']}", headers=owner.auth)
    assert product.status_code == 200, product.text
    return int(next(s["available"] for s in product.json()["skus"] if s["id"] == sku["id"]))


def _beijing_input(moment: datetime) -> str:
    return (moment.astimezone(UTC) + BEIJING).strftime("%Y-%m-%dT%H:%M:%S")


def test_owner_creates_watches_reconciles_and_cancels_a_flash_sale(
    server: Server, owner: Staff, context: Any
) -> None:
    title, sku = _seeded_sku(server)
    flash_price = sku["price"] // 2
    campaign_title = f"e2e 秒杀 {RUN}"
    free_before = console_available(server, owner, sku)
    page = signed_in_page(context, owner)

    page.goto(f"{CONSOLE}/flash-sales")
    expect(page.get_by_role("heading", name="秒杀活动", exact=True)).to_be_visible()
    expect(page.get_by_role("menuitem", name=re.compile("秒杀活动"))).to_be_visible()
    page.get_by_test_id("new-flash-sale").click()
    expect_url(page, r"/console/flash-sales/new$")

    page.get_by_label("活动名称").fill(campaign_title)
    starts = datetime.now(UTC) + timedelta(seconds=40)
    page.get_by_label("开始时间（北京时间）").fill(_beijing_input(starts))
    page.get_by_label("结束时间（北京时间）").fill(_beijing_input(starts + timedelta(hours=1))[:16])
    page.get_by_label("搜索在售商品").fill(title)
    page.get_by_test_id("sku-search").click()
    candidates = page.get_by_test_id("sku-candidates")
    # The chosen SKU's own row (a product's SKUs may share one price): the console labels a row
    # with the product title and the SKU's spec values.
    values = " / ".join(str(v["value"]) for v in sku.get("specs") or [])
    label = f"{title}（{values}）" if values else title
    row = candidates.locator("tr").filter(has_text=label).filter(has_text=yuan(sku["price"])).first
    row.get_by_role("button", name=re.compile("^加入秒杀")).click()
    items = page.get_by_test_id("flash-items")
    items.get_by_label(re.compile("秒杀价（元）$")).fill(f"{flash_price / 100:.2f}")
    items.get_by_label(re.compile("秒杀库存$")).fill(str(FLASH_STOCK))
    items.get_by_label(re.compile("每人限购$")).fill("2")
    items.get_by_label(re.compile("每人限购$")).blur()
    page.get_by_test_id("flash-submit").click()
    expect_url(page, r"/console/flash-sales/\d+$")
    campaign_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    created = server.http.get(f"{API}/console/flash-sales/{campaign_id}", headers=owner.auth)
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["title"] == campaign_title
    assert body["free_shipping"] is True
    assert body["payment_timeout_seconds"] == 900
    assert [
        (i["sku_id"], i["flash_price"], i["stock"], i["per_shopper_limit"]) for i in body["items"]
    ] == [(sku["id"], flash_price, FLASH_STOCK, 2)]
    # The units were carved out of the SKU's free stock (the console reads it uncached).
    assert console_available(server, owner, sku) == free_before - FLASH_STOCK

    # The list shows it.
    page.goto(f"{CONSOLE}/flash-sales")
    listed = page.get_by_test_id("flash-sale-table").locator("tr").filter(has_text=campaign_title)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(re.compile("未开始|进行中"))
    listed.get_by_role("link", name=campaign_title).click()
    expect_url(page, rf"/console/flash-sales/{campaign_id}$")

    # The live view refreshes by itself and turns live at the start, with the live counter.
    expect(page.get_by_test_id("flash-title")).to_have_text(campaign_title)
    expect(page.get_by_test_id("stat-stock")).to_have_text(str(FLASH_STOCK))
    expect(page.get_by_test_id("flash-status")).to_have_text("进行中", timeout=90_000)
    expect(page.get_by_test_id("stat-remaining")).to_have_text(str(FLASH_STOCK), timeout=30_000)
    expect(page.get_by_test_id("stat-sold")).to_have_text("0")
    expect(page.get_by_test_id("stat-in-flight")).to_have_text("0")
    expect(page.get_by_test_id("flash-live-items")).to_contain_text(yuan(flash_price))

    page.get_by_test_id("flash-reconcile").click()
    expect(page.get_by_test_id("flash-reconciliation")).to_contain_text("一致")
    assert_accessible(page, "console-flashsale")

    page.get_by_test_id("flash-cancel").click()
    page.get_by_role("dialog").get_by_role("button", name="取消秒杀").click()
    expect(page.get_by_test_id("flash-status")).to_have_text("已取消")
    expect(page.get_by_test_id("flash-cancel")).to_have_count(0)
    cancelled = server.http.get(f"{API}/console/flash-sales/{campaign_id}", headers=owner.auth)
    assert cancelled.json()["status"] == "cancelled"
    audit = server.http.get(
        f"{API}/console/audit-log", headers=owner.auth, params={"action": "flashsale.cancel"}
    ).json()["items"]
    assert [e["target"] for e in audit][:1] == [f"flashsale:{campaign_id}"]
