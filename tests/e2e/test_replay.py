"""会话回放, 点击热力图 and 滚动深度 end to end in Debian's Chromium against a real Shoplet
server: a shopper who agreed to tracking opens the H5 home page, scrolls down, meets a
JavaScript error, clicks a product card and lands on the product page; the recorder
(@rrweb/record, from the storefront's own bundle) sends the home page's chunk with the click,
the error and the depth. The console's 会话回放 finds the recording by the error, lists the
error among 常见页面错误 and plays the recording with the error beside it (跳到); 点击热力图
draws the click over the replayed home page and 滚动深度 how far down visits got. Every page
passes axe, and nothing is loaded from another host (CSP watched)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import STOREFRONT_PAGES, page_url, watch_csp

from .test_analytics_events import PHONE_WIDTH
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
BROKEN = "测试错误：价格为空"


def _home_chunk(response: Any) -> bool:
    if not response.url.endswith("/api/v1/replays") or response.request.method != "POST":
        return False
    body = json.loads(response.request.post_data or "{}")
    return bool(body.get("page") == HOME and body.get("clicks"))


def test_an_h5_visit_is_replayed_and_its_clicks_drawn(
    server: Server, owner: Staff, context: Any, browser: Any
) -> None:
    shop = browser.new_context(base_url=server.base, viewport=PHONE_WIDTH, locale="zh-CN")
    try:
        page = shop.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        watch_csp(page, errors)
        page.goto("/healthz")
        page.evaluate("() => localStorage.setItem('shoplet.tracker.consent', 'granted')")
        page.goto(page_url("home"))
        feed = page.get_by_role("list", name="商品列表").get_by_role("listitem")
        feed.first.wait_for()
        # The recorder listens once its module (from the storefront's bundle) has loaded.
        page.wait_for_function("() => document.readyState === 'complete'")
        page.wait_for_function(
            "() => performance.getEntriesByType('resource')"
            ".some(e => e.name.includes('rrweb-record'))",
            timeout=30_000,
        )
        page.evaluate("() => window.scrollTo(0, 600)")
        page.evaluate(f"() => setTimeout(() => {{ throw new Error({json.dumps(BROKEN)}) }}, 0)")
        with page.expect_response(_home_chunk, timeout=30_000) as sent:
            feed.first.locator(".card__title").click()
            page.wait_for_url(re.compile(re.escape(STOREFRONT_PAGES["product"])))
        assert sent.value.status == 202
        chunk = json.loads(sent.value.request.post_data or "{}")
        replay_id = chunk["replay_id"]
        assert any(e["type"] == 2 for e in chunk["events"])  # a full snapshot
        [met] = chunk["errors"]  # Chromium says "Uncaught Error: …"
        assert met["message"].endswith(f"Error: {BROKEN}"), met
        assert chunk["scroll"]["depth"] >= 600 + chunk["scroll"]["viewport"]
        assert len(errors) == 1
        assert BROKEN in errors[0], errors
    finally:
        shop.close()

    listed = server.http.get(
        f"{API}/console/analytics/replays", params={"page": HOME, "limit": 100}, headers=owner.auth
    )
    assert listed.status_code == 200, listed.text
    mine = [r for r in listed.json()["items"] if r["replay_id"] == replay_id]
    assert len(mine) == 1
    assert mine[0]["clicks"] >= 1

    assert mine[0]["errors"] == 1

    console = signed_in_page(context, owner)
    # Found by a piece of the error's message.
    console.goto(f"{CONSOLE}/analytics/replays?error=价格为空")
    expect(console.get_by_role("heading", name="会话回放", exact=True)).to_be_visible()
    table = console.get_by_test_id("replay-table")
    expect(table).to_contain_text(HOME)
    expect(console.get_by_test_id("replay-top-errors")).to_contain_text(BROKEN)
    console.get_by_test_id(f"replay-play-{mine[0]['id']}").click()
    player = console.get_by_test_id("replay-player")
    expect(player).to_be_visible()
    expect(console.get_by_test_id("replay-errors")).to_contain_text(BROKEN)
    expect(console.get_by_test_id("replay-errors").get_by_role("button")).to_contain_text("跳到")
    frame = player.locator("iframe[title='回放画面']")
    expect(frame).to_be_attached()
    # The replayed document holds the home page's feed, rebuilt from the snapshot.
    expect(frame.content_frame.locator("text=商品").first).to_be_attached(timeout=15_000)
    # Paused before the scan: a playing replay keeps adding the recorded page's pictures to the
    # frame, and the scan waits for the network to go quiet.
    toggle = console.get_by_test_id("replay-toggle")
    expect(toggle).to_have_text("暂停")
    toggle.click()
    expect(toggle).to_have_text("继续")
    assert_accessible(console, "console-replays", settle=False)

    console.goto(f"{CONSOLE}/analytics/heatmap")
    expect(console.get_by_role("heading", name="点击热力图", exact=True)).to_be_visible()
    select = console.get_by_test_id("heatmap-page")
    select.click()
    # A string name matches a substring; a regex of HOME ("pages/index/index", slashes left
    # unescaped by re.escape) is not a selector Playwright can parse.
    console.get_by_role("option", name=HOME).first.click()
    console.get_by_test_id("heatmap-run").click()
    expect(console.get_by_test_id("heatmap-total")).to_contain_text(HOME)
    expect(console.get_by_test_id("heatmap-canvas")).to_be_visible()
    expect(console.get_by_test_id("heatmap-table")).to_contain_text("‰")
    expect(console.get_by_test_id("heatmap-run")).not_to_have_class(re.compile("is-loading"))
    expect(console.locator(".stage iframe")).to_be_attached()
    assert_accessible(console, "console-heatmap", settle=False)

    console.get_by_test_id("heatmap-mode").get_by_text("滚动深度").click()
    expect(console.get_by_test_id("scroll-total")).to_contain_text(HOME)
    expect(console.get_by_test_id("scroll-canvas")).to_be_visible()
    expect(console.get_by_test_id("scroll-table")).to_contain_text("%")
    expect(console.get_by_test_id("heatmap-run")).not_to_have_class(re.compile("is-loading"))
    expect(console.locator(".stage iframe")).to_be_attached()
    assert_accessible(console, "console-scrollmap", settle=False)
