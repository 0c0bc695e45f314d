"""归因分析, 路径分析 and 实时概览 end to end in Debian's Chromium against a real Shoplet server:
a shopper who agreed to tracking opens the H5 home page from a campaign link and then a
product; the SDK sends the page views, the collector counts the device online and the writer
puts the views in the event store; the console's 实时概览 shows the shopper online, 路径分析
shows the product page after the home page, 归因分析 runs and exports. Each page is scanned with
axe."""

from __future__ import annotations

import re
import secrets
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import STOREFRONT_PAGES, page_url, watch_csp

from .test_analytics_events import PHONE_WIDTH, _today_range
from .test_console import (
    API,
    CONSOLE,
    Server,
    Staff,
    assert_accessible,
    context,
    owner,
    server,
    signed_in_page,
)

__all__ = ["context", "owner", "server"]  # fixtures shared with the other modules

HOME = STOREFRONT_PAGES["home"].lstrip("/")
PRODUCT = STOREFRONT_PAGES["product"].lstrip("/")


def _sent_product_view(response: Any) -> bool:
    return response.url.endswith("/api/v1/events") and f'"page":"{PRODUCT}"' in (
        (response.request.post_data or "").replace(" ", "")
    )


def _next_pages(server: Server, owner: Staff) -> dict[str, int]:
    first, last = _today_range(server)
    answer = server.http.get(
        f"{API}/console/analytics/paths",
        params={"date_from": first, "date_to": last, "page": HOME},
        headers=owner.auth,
    )
    assert answer.status_code == 200, answer.text
    return {n["page"]: n["count"] for n in answer.json()["neighbours"]}


def test_an_h5_session_shows_in_the_realtime_overview_and_the_paths(
    server: Server, owner: Staff, context: Any, browser: Any
) -> None:
    before = _next_pages(server, owner).get(PRODUCT, 0)

    shop = browser.new_context(base_url=server.base, viewport=PHONE_WIDTH, locale="zh-CN")
    try:
        page = shop.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        watch_csp(page, errors)
        # Consent as the login page's checkbox gives it, written where no app runs.
        page.goto("/healthz")
        page.evaluate("() => localStorage.setItem('shoplet.tracker.consent', 'granted')")
        campaign = f"e2e{secrets.token_hex(4)}"
        page.goto(page_url("home", utm_source="e2e", utm_campaign=campaign))
        feed = page.get_by_role("list", name="商品列表").get_by_role("listitem")
        feed.first.wait_for()
        with page.expect_response(_sent_product_view, timeout=30_000) as sent:
            # An in-app navigation keeps the tracker (and its session) of the home page.
            feed.first.locator(".card__title").click()
            page.wait_for_url(re.compile(re.escape(STOREFRONT_PAGES["product"])))
        assert sent.value.status == 202
        assert errors == []
    finally:
        shop.close()

    # The worker loop writes the queue every second: poll the report (bounded), no sleep.
    console = signed_in_page(context, owner)
    after = before
    for _ in range(300):
        after = _next_pages(server, owner).get(PRODUCT, 0)
        if after >= before + 1:
            break
        console.wait_for_timeout(100)
    assert after >= before + 1

    console.goto(f"{CONSOLE}/analytics/realtime")
    expect(console.get_by_role("heading", name="实时概览", exact=True)).to_be_visible()
    online = console.get_by_test_id("realtime-online")
    expect(online).to_contain_text("当前在线")
    assert int(online.locator("strong").inner_text()) >= 1
    # GMV by province on China's map, drawn from the console's own bundle (no tiles, no CDN):
    # one outline per provincial-level division at least.
    regions = console.get_by_test_id("province-map").locator("svg path")
    expect(regions.nth(33)).to_be_attached()
    assert_accessible(console, "console-realtime")

    console.goto(f"{CONSOLE}/analytics/paths")
    expect(console.get_by_role("heading", name="路径分析", exact=True)).to_be_visible()
    top = console.get_by_test_id("path-top-pages")
    expect(top).to_contain_text(HOME)
    top.get_by_role("button", name=HOME, exact=True).click()
    expect(console.get_by_test_id("path-views")).to_contain_text(HOME)
    expect(console.get_by_test_id("path-table")).to_contain_text(PRODUCT)
    assert_accessible(console, "console-paths")

    console.goto(f"{CONSOLE}/analytics/attribution")
    expect(console.get_by_role("heading", name="归因分析", exact=True)).to_be_visible()
    console.get_by_test_id("attribution-run").click()
    expect(console.get_by_test_id("attribution-totals")).to_contain_text("支付订单")
    assert_accessible(console, "console-attribution")
    with console.expect_download() as download_info:
        console.get_by_test_id("attribution-export").click()
    exported = download_info.value.path().read_text(encoding="utf-8")
    assert exported.splitlines()[0] == "model,channel,campaign,orders,revenue_yuan,touches"
