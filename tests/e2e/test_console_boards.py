"""经营看板, 运营看板 and 一线看板 end to end in Debian's Chromium against a real Shoplet server.

An order is placed and paid through the storefront API (WeChat Pay simulator) to a Shanghai
address; an owner opens 经营看板 for a date range, drills from the provinces into Shanghai's
cities and into a city's stores (the order went through none: 线上; the range stays in the URL)
and goes back with the browser's Back; opens 运营看板 and its channel drill into campaigns;
then watches 一线看板's 待发货订单 tile count a second order paid during the test, pushed over
the server-sent events stream with no reload and no polling. Every board is scanned with axe
(screenshots console-board-*.png in docs/screenshots)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import axe_scan, screenshot
from .test_console import (
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    place_paid_order,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

SHANGHAI = "310000"  # place_paid_order ships to 上海市浦东新区 (310115)


def _range() -> tuple[str, str]:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return (today - timedelta(days=6)).isoformat(), today.isoformat()


def test_management_board_drills_by_region_in_the_url(
    server: Server, owner: Staff, context: Any
) -> None:
    place_paid_order(server, f"board{RUN}")
    start, end = _range()
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/insights/boards/management?start={start}&end={end}")
    expect(page.get_by_role("heading", name="经营看板 · 全国")).to_be_visible()
    expect(page).to_have_title(re.compile("^经营看板 · "))
    expect(
        page.get_by_role("navigation", name="主菜单").get_by_text("经营看板", exact=True)
    ).to_be_visible()
    expect(page.get_by_test_id("tile-orders")).to_contain_text("单")
    assert_accessible(page, "console-board-management")

    # Province → its cities: the range is kept and the region joins it.
    page.get_by_test_id(f"drill-{SHANGHAI}").click()
    page.wait_for_url(f"**/insights/boards/management?start={start}&end={end}&region={SHANGHAI}")
    expect(page.get_by_role("heading", name="经营看板 · 上海市")).to_be_visible()
    expect(page.get_by_role("heading", name="各城市")).to_be_visible()
    city = page.get_by_test_id("board-rows").locator("a[data-testid^='drill-']").first
    city_code = (city.get_attribute("data-testid") or "").removeprefix("drill-")
    assert re.fullmatch(r"31\d{2}00", city_code), city_code
    assert_accessible(page, "console-board-management-province")

    # City → its stores: the order went through no store, so it is 线上, which leads nowhere (a
    # store's row leads to its board: tests/e2e/test_stores.py).
    city.click()
    page.wait_for_url(f"**/insights/boards/management?start={start}&end={end}&region={city_code}")
    expect(page.get_by_role("heading", name=re.compile(r"^经营看板 · 上海市 \/ "))).to_be_visible()
    expect(page.get_by_role("heading", name="各门店")).to_be_visible()
    rows = page.get_by_test_id("board-rows")
    expect(rows.get_by_text("线上", exact=True)).to_be_visible()
    expect(rows.get_by_role("columnheader", name="GMV 占比")).to_be_visible()
    expect(rows.get_by_test_id("drill-online")).to_have_count(0)
    assert_accessible(page, "console-board-management-city")

    # Back returns to the province, filters intact, and shows its cities again.
    page.go_back()
    page.wait_for_url(f"**/insights/boards/management?start={start}&end={end}&region={SHANGHAI}")
    expect(page.get_by_role("heading", name="经营看板 · 上海市")).to_be_visible()
    expect(page.get_by_test_id(f"drill-{city_code}")).to_be_visible()

    # The breadcrumb climbs back to 全国 with the range kept.
    page.get_by_role("navigation", name="下钻层级").get_by_text("全国").click()
    page.wait_for_url(f"**/insights/boards/management?start={start}&end={end}")
    expect(page.get_by_role("heading", name="经营看板 · 全国")).to_be_visible()


def test_operations_board(server: Server, owner: Staff, context: Any) -> None:
    start, end = _range()
    page = signed_in_page(context, owner)
    page.goto(f"{CONSOLE}/insights/boards/operations?start={start}&end={end}")
    expect(page.get_by_role("heading", name="运营看板 · 全国")).to_be_visible()
    expect(page).to_have_title(re.compile("^运营看板 · "))
    expect(page.get_by_test_id("tile-stock_risk")).to_be_visible()
    expect(page.get_by_test_id("board-stock-risk")).to_be_visible()
    source = page.get_by_test_id("board-rows").locator("a[data-testid^='drill-']").first
    channel = (source.get_attribute("data-testid") or "").removeprefix("drill-")
    assert_accessible(page, "console-board-operations")
    source.click()
    page.wait_for_url(f"**/insights/boards/operations?start={start}&end={end}&channel={channel}")
    expect(page.get_by_role("heading", name="各活动")).to_be_visible()
    campaigns = page.get_by_test_id("board-rows")
    expect(campaigns.get_by_role("columnheader", name="活动类型")).to_be_visible()
    expect(campaigns.get_by_role("row").nth(1)).to_be_visible()
    assert_accessible(page, "console-board-operations-campaigns")


def _count(text: str) -> int:
    found = re.search(r"([\d,]+)\s*单", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_frontline_board_updates_live_over_sse(server: Server, owner: Staff, context: Any) -> None:
    page = signed_in_page(context, owner)
    polls: list[str] = []
    page.on(
        "request",
        lambda r: (
            polls.append(r.url)
            if r.url.endswith("/api/v1/console/insights/boards/frontline")
            else None
        ),
    )
    page.goto(f"{CONSOLE}/insights/boards/frontline")
    expect(page.get_by_role("heading", name="一线看板")).to_be_visible()
    expect(page.get_by_test_id("frontline-status")).to_contain_text("实时更新中")
    to_ship = page.get_by_test_id("frontline-to_ship")
    value = to_ship.get_by_test_id("tile-value")
    expect(value).to_contain_text("单")
    before = _count(value.inner_text())
    page.evaluate("() => { window.__sameDocument = true }")

    place_paid_order(server, f"frontline{RUN}")
    # The stream re-reads the board every 5 s and pushes the changed tile.
    expect(value).to_have_text(f"{before + 1:,} 单", timeout=30_000)
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    expect(page.get_by_test_id("frontline-status")).to_contain_text("实时更新中")
    assert polls == [], polls  # live over the stream, not the polling fallback

    # A tile opens its drill list (the choice is in the URL).
    to_ship.click()
    page.wait_for_url("**/insights/boards/frontline?tile=to_ship")
    expect(to_ship).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("frontline-drill").get_by_role("listitem").first).to_be_visible()
    # assert_accessible waits for the network to go idle, which an open stream never does.
    screenshot(page, "console-board-frontline")
    assert axe_scan(page, name="console-board-frontline") == []
    assert page.errors == []
