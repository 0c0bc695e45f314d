"""The storefront's flash-sale pages in headless Chromium against a real Shoplet server.

An owner (``shoplet create-staff`` + TOTP enrolment through the API) creates a campaign that
starts a few seconds later through the console API. A shopper with a default address sees it on
the home page and the flash-sale list, opens it, watches the server-time countdown reach the
start, buys, and follows the ticket from queued to the created order (the embedded server's
in-process worker creates it), then opens the existing pay page for that order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    SERVER_DATA_DIRS,
    axe_scan,
    page_url,
    screenshot,
    write_shopper_session,
)
from tests.e2e.test_console import (
    RUN,
    Server,
    api_login,
    create_staff_cli,
    enrol_mfa_via_api,
)

API = "/api/v1"
PHONE_WIDTH = {"width": 390, "height": 844}
SHOPPER_PHONE = "13900007777"
START_IN_SECONDS = 12  # the in-process warm-up runs every 5 s
STATUS_LOG_JS = """() => {
  window.__flashStates = []
  const el = document.querySelector('[data-testid="flash-status"]')
  const record = () => {
    const text = el.innerText.trim()
    if (text && window.__flashStates[window.__flashStates.length - 1] !== text) {
      window.__flashStates.push(text)
    }
  }
  new MutationObserver(record).observe(el, { childList: true, subtree: true, characterData: true })
}"""


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE_WIDTH,
        locale="zh-CN",
        device_scale_factor=1,
        reduced_motion="reduce",  # the live buy button pulses otherwise
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    yield p
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _check(page: Any, name: str) -> None:
    page.wait_for_timeout(300)
    assert axe_scan(page, name=name) == []
    screenshot(page, f"storefront-{name}")


def _sku_for_sale(http: httpx.Client) -> dict[str, Any]:
    listing = http.get(f"{API}/products", params={"limit": 50}).json()
    for item in listing["items"]:
        detail = http.get(f"{API}/products/{item['id']}").json()
        for sku in detail["skus"]:
            if sku["available"] >= 3 and sku["price"] >= 200:
                return {"product": detail, "sku": sku}
    raise AssertionError("the demo seed has no SKU with 3 units in stock")


def _shopper(http: httpx.Client) -> dict[str, Any]:
    tokens: dict[str, Any] = http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-{SHOPPER_PHONE}"}
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "李秒杀",
            "phone": "13800138000",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
            "region_code": "440305",
            "detail": "科技园科苑路 15 号 3 栋 101",
            "is_default": True,
        },
    )
    assert address.status_code == 201, address.text
    return tokens


def test_shopper_counts_down_buys_and_gets_the_order(page: Any, live_server: str) -> None:
    server = Server(live_server, SERVER_DATA_DIRS[live_server])
    owner = create_staff_cli(server, f"e2e_flash_{RUN}", "owner")
    assert api_login(server, owner)["mfa_enrollment_required"] is True
    enrol_mfa_via_api(server, owner)

    chosen = _sku_for_sale(server.http)
    sku = chosen["sku"]
    flash_price = sku["price"] // 2
    title = f"限时秒杀 {RUN}"
    starts = datetime.now(UTC) + timedelta(seconds=START_IN_SECONDS)
    created = server.http.post(
        f"{API}/console/flash-sales",
        headers=owner.auth,
        json={
            "title": title,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "items": [{"sku_id": sku["id"], "flash_price": flash_price, "stock": 2}],
        },
    )
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]

    tokens = _shopper(server.http)
    write_shopper_session(page, tokens)

    # Home: an entry to the flash sales (it names the sale that starts or ends first, which is
    # another test's when several run on this server); the list names this one.
    page.goto(page_url("home"))
    entry = page.get_by_test_id("home-flash")
    entry.wait_for()
    assert "限时秒杀" in entry.inner_text()
    page.goto(page_url("flash"))
    link = page.get_by_role("link", name=title)
    link.wait_for()
    assert "即将开始" in link.inner_text()
    assert "距开始 00:00:" in link.inner_text()
    _check(page, "flashsale-list")
    link.click()

    # The campaign page counts down to the start on server time; buying is not open yet.
    page.get_by_role("heading", name=title).wait_for()
    timer = page.get_by_test_id("flash-countdown")
    assert timer.inner_text().startswith("距开始 00:00:")
    item = page.get_by_role("radio", name=f"{chosen['product']['title']}", exact=False)
    assert item.get_attribute("aria-checked") == "true"
    label = item.get_attribute("aria-label") or ""
    assert f"秒杀价 ¥{flash_price // 100:,}.{flash_price % 100:02d}" in label
    assert "剩余 2 件" in label
    assert page.get_by_role("button", name="即将开始").is_disabled()
    page.evaluate(STATUS_LOG_JS)

    # At the start (server time) the button opens: buy, queued, then the order.
    buy = page.get_by_role("button", name="立即抢购")
    buy.wait_for(timeout=(START_IN_SECONDS + 10) * 1000)
    assert page.get_by_test_id("flash-countdown").inner_text().startswith("距结束 00:59:")
    assert "fs__btn--pulse" not in (buy.get_attribute("class") or "")
    deadline = time.monotonic() + 20
    while buy.is_disabled() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    buy.click()
    page.get_by_role("heading", name="抢购成功，订单已创建").wait_for(timeout=30_000)
    states = page.evaluate("() => window.__flashStates")
    assert states[0] == "排队中，正在为你创建订单…"
    assert states[-1].startswith("抢购成功，订单已创建")
    _check(page, "flashsale")

    ticket_text = page.get_by_test_id("flash-status").inner_text()
    order_no = ticket_text.split("订单号 ")[1].split("，")[0]
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    order = server.http.get(f"{API}/orders/{order_no}", headers=auth).json()
    assert order["status"] == "pending_payment"

    # The order is paid on the existing pay page.
    page.get_by_role("button", name="去支付").click()
    page.get_by_role("button", name="微信支付", exact=False).wait_for()
    assert order_no in page.locator(".pay__no").inner_text()

    # The campaign page now shows one unit left.
    detail = server.http.get(f"{API}/flash-sales/{campaign_id}").json()
    assert detail["items"][0]["remaining"] == 1
