"""Tracking end to end in Debian's Chromium against a real Shoplet server: a shopper signs in on
the H5 store (agreeing to the privacy policy, which starts tracking there), opens the home page
and a product and adds it to the cart; the SDK sends the batches, the server's writer task puts
them in the event store, and the console's 漏斗分析 counts the session (the funnel page and 留存分析
are scanned with axe, the funnel exported as CSV)."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import STOREFRONT_PAGES, page_url, watch_csp

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

PHONE_WIDTH = {"width": 390, "height": 844}
HOME = STOREFRONT_PAGES["home"].lstrip("/")
PRODUCT = STOREFRONT_PAGES["product"].lstrip("/")


def _product_with_stock(server: Server) -> int:
    items = server.http.get(f"{API}/products", params={"limit": 50}).json()["items"]
    for item in items:
        detail = server.http.get(f"{API}/products/{item['id']}").json()
        if any(sku["available"] > 0 for sku in detail["skus"]):
            product_id: int = item["id"]
            return product_id
    raise AssertionError("the demo seed has no product in stock")


def _funnel_body(product_id: int) -> dict[str, Any]:
    return {
        "steps": [
            {"event": "page_view"},
            {"event": "page_view", "filters": [{"key": "product_id", "value": product_id}]},
            {"event": "add_to_cart"},
        ],
        "window_seconds": 3600,
    }


def _persons(server: Server, owner: Staff, product_id: int) -> list[int]:
    first, last = _today_range(server)
    body = {**_funnel_body(product_id), "date_from": first, "date_to": last}
    answer = server.http.post(f"{API}/console/analytics/funnels", json=body, headers=owner.auth)
    assert answer.status_code == 200, answer.text
    return [step["count"] for step in answer.json()["steps"]]


def _today_range(server: Server) -> tuple[str, str]:
    date = httpx.get(f"{server.base}/healthz").headers.get("date", "")
    assert date

    today = parsedate_to_datetime(date).date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def _sign_in(page: Any, server: Server, phone: str) -> None:
    page.goto(page_url("login", redirect=STOREFRONT_PAGES["me"]))
    page.get_by_role("checkbox", name=re.compile("^我已阅读并同意")).click()
    page.get_by_label("手机号", exact=True).fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text(f"验证码已发送至 {phone}").wait_for()
    code = server.http.get("/_sim/sms/last-code", params={"phone": phone}).json()["code"]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="退出登录").wait_for()


def _sent(name: str) -> Any:
    def matches(response: Any) -> bool:
        return response.url.endswith("/api/v1/events") and f'"event":"{name}"' in (
            (response.request.post_data or "").replace(" ", "")
        )

    return matches


def test_a_browsing_session_shows_up_in_the_funnel(
    server: Server, owner: Staff, context: Any, browser: Any
) -> None:
    product_id = _product_with_stock(server)
    before = _persons(server, owner, product_id)

    shop = browser.new_context(base_url=server.base, viewport=PHONE_WIDTH, locale="zh-CN")
    try:
        page = shop.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        watch_csp(page, errors)
        # Before consent nothing is recorded on H5.
        page.goto(page_url("home"))
        page.get_by_role("list", name="商品列表").wait_for()
        queued = page.evaluate("() => localStorage.getItem('shoplet.tracker.queue')")
        assert queued in (None, "", "[]")

        _sign_in(page, server, f"137{secrets.randbelow(10**8):08d}")
        page.goto(page_url("home"))
        page.get_by_role("list", name="商品列表").wait_for()
        page.goto(page_url("product", id=product_id))
        with page.expect_response(_sent("add_to_cart"), timeout=30_000) as sent:
            page.get_by_role("button", name="加入购物车").click()
        assert sent.value.status == 202
        batch = json.loads(sent.value.request.post_data)
        assert batch["platform"] == "h5"
        assert "member_id" not in json.dumps(batch)
        assert errors == []
    finally:
        shop.close()

    # The worker loop writes the queue every second: poll the report (bounded), no sleep.
    console = signed_in_page(context, owner)
    for _ in range(300):
        after = _persons(server, owner, product_id)
        if after[2] >= before[2] + 1:
            break
        console.wait_for_timeout(100)
    assert after[1] >= before[1] + 1
    assert after[2] >= before[2] + 1

    console.goto(f"{CONSOLE}/analytics/funnels")
    expect(console.get_by_role("heading", name="漏斗分析", exact=True)).to_be_visible()
    step2 = console.get_by_test_id("funnel-step-2")
    step2.get_by_role("combobox", name="步骤 2 事件").press("Enter")
    console.get_by_role("option", name="浏览页面").click()
    step2.get_by_label("步骤 2 属性名").fill("product_id")
    step2.get_by_label("步骤 2 属性值").fill(str(product_id))
    console.get_by_role("combobox", name="步骤 3 事件").press("Enter")
    console.get_by_role("option", name="加入购物车").click()
    console.get_by_test_id("funnel-run").click()
    table = console.get_by_test_id("funnel-table")
    expect(table).to_contain_text("加入购物车")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    assert int(rows.nth(2).locator("td").nth(2).inner_text()) >= 1
    assert_accessible(console, "console-funnels")

    with console.expect_download() as download_info:
        console.get_by_test_id("funnel-export").click()
    exported = download_info.value.path().read_text(encoding="utf-8")
    assert exported.splitlines()[0] == (
        "group,step,event,persons,conversion,step_conversion,drop_off"
    )
    assert ",3,add_to_cart," in exported

    console.goto(f"{CONSOLE}/analytics/retention")
    expect(console.get_by_role("heading", name="留存分析", exact=True)).to_be_visible()
    expect(console.get_by_test_id("retention-table")).to_contain_text("第 0 周")
    assert_accessible(console, "console-retention")

    # 事件分析: the shopper's 加入购物车 on the product page, as the member who signed in, with
    # the SKU it added; the day's trend drawn; the list as CSV.
    console.goto(f"{CONSOLE}/analytics/events")
    expect(console.get_by_role("heading", name="事件分析", exact=True)).to_be_visible()
    console.get_by_label("页面路径（前缀）").fill("pages/product/")
    console.get_by_test_id("events-run").click()
    added = console.get_by_test_id("events-rows").locator("tr").filter(has_text="加入购物车")
    expect(added.first).to_contain_text("会员 ")
    expect(added.first).to_contain_text("sku_id=")
    expect(added.first).to_contain_text("H5 商城")
    expect(console.get_by_test_id("events-chart")).to_be_visible()
    expect(console.get_by_test_id("events-totals")).to_contain_text("加入购物车")
    assert_accessible(console, "console-events")
    # Every chart downloads as a picture: its SVG drawn on a canvas in the browser.
    with console.expect_download() as picture:
        console.get_by_role("button", name="下载图片：每日事件趋势（次数）").click()
    assert picture.value.suggested_filename == "每日事件趋势（次数）.png"
    assert picture.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with console.expect_download() as download_info:
        console.get_by_test_id("events-export").click()
    listed = download_info.value.path().read_text(encoding="utf-8").splitlines()
    assert listed[0].startswith("ts,event,person,member_id,anonymous_id,platform,page")
    assert any(",add_to_cart,m:" in line for line in listed[1:])
