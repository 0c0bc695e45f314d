"""Browser tests of the storefront's product page, icons and tab badges (H5, phone viewport).

The product page's gallery swipes and opens the full-screen preview; the SKU sheet lists each
option's stock (sold-out options disabled, 仅剩 N 件 when low); adding to the cart updates the
cart badge on the tab bar; the main pages draw their icons from the icon set, never with text
glyphs. Every page a test checks is scanned with axe-core (no serious or critical violations).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import axe_scan, page_url, screenshot, wait_for_js, watch_csp

PHONE = {"width": 390, "height": 844}
# Characters that were once used as icons (check marks, chevrons, arrows, hearts, plus/minus).
GLYPHS = re.compile(r"[✓✔√‹›◀▶♥♡＋−⏱★☆]")
# The SKU sheet has slid in (its bottom edge on the viewport's).
SHEET_IN_JS = (
    "() => { const r = document.querySelector('.pd__sheet--in')?.getBoundingClientRect();"
    " return Boolean(r) && Math.abs(r.bottom - innerHeight) < 1 }"
)
SLIDE_JS = "() => document.querySelector('.pd__count').textContent.trim()"


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="zh-CN",
        device_scale_factor=1,
        has_touch=True,
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(p, errors)
    yield p
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _check(page: Any, name: str) -> None:
    page.wait_for_timeout(300)
    assert axe_scan(page, name=name) == []
    screenshot(page, f"storefront-{name}")


def _product_with_options(live_server: str) -> dict[str, Any]:
    """A product whose first spec has two values or more, with stock and two images or more."""
    items = httpx.get(f"{live_server}/api/v1/products", params={"limit": 50}, timeout=10).json()
    for item in items["items"]:
        detail: dict[str, Any] = httpx.get(
            f"{live_server}/api/v1/products/{item['id']}", timeout=10
        ).json()
        if (
            detail["specs"]
            and len(detail["specs"][0]["values"]) >= 2
            and len(detail["images"]) >= 2
            and any(sku["available"] > 0 for sku in detail["skus"])
        ):
            return detail
    raise AssertionError("the demo seed has no product with two options and two images")


def _swipe(page: Any, x0: float, x1: float, y: float, steps: int = 8) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y}]})
    for i in range(1, steps + 1):
        x = x0 + (x1 - x0) * i / steps
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _spec_value(sku: dict[str, Any], name: str) -> str | None:
    return next((s["value"] for s in sku["specs"] if s["name"] == name), None)


def test_gallery_swipes_and_opens_the_zoom_preview(page: Any, live_server: str) -> None:
    product = _product_with_options(live_server)
    page.goto(page_url("product", id=product["id"]))
    gallery = page.locator(".pd__swiper")
    gallery.wait_for()
    n = len(product.get("gallery") or product["images"])
    wait_for_js(page, f"() => document.querySelector('.pd__count')?.textContent.trim() === '1/{n}'")
    # Full width and square before any image loads: nothing below jumps.
    box = gallery.bounding_box()
    assert box is not None
    assert box["width"] == PHONE["width"]
    assert abs(box["height"] - box["width"]) <= 1

    # Swipe left with a finger (touch events through the DevTools protocol).
    _swipe(page, box["x"] + 320, box["x"] + 40, box["y"] + box["height"] / 2)
    wait_for_js(page, f"() => ({SLIDE_JS})() === '2/{n}'")
    # The labelled buttons move it too (keyboard and screen-reader users).
    page.get_by_role("button", name="上一张").click()
    wait_for_js(page, f"() => ({SLIDE_JS})() === '1/{n}'")
    _check(page, "product-gallery")

    # A tap opens the full-screen preview (pinch-zoom) on the zoom URLs.
    page.get_by_role("button", name=re.compile("图片 1，查看大图")).click()
    wait_for_js(page, "() => document.querySelectorAll('#u-a-p img').length > 0")
    zoom = [
        (s.get("zoom") if isinstance(s, dict) else s)
        for s in (product.get("gallery") or product["images"])
    ]
    srcs = page.evaluate("() => [...document.querySelectorAll('#u-a-p img')].map((i) => i.src)")
    assert {src.replace(live_server, "") for src in srcs} == set(zoom)


def test_sku_sheet_shows_stock_disables_sold_out_and_updates_the_cart_badge(
    page: Any, live_server: str
) -> None:
    product = _product_with_options(live_server)
    spec = product["specs"][0]
    gone, low = spec["values"][0], spec["values"][1]
    # The page as the API would send it with the first option sold out and the second nearly.
    skus = []
    for sku in product["skus"]:
        value = _spec_value(sku, spec["name"])
        available = 0 if value == gone else 3 if value == low else 50
        skus.append({**sku, "available": available})
    shaped = {**product, "skus": skus}

    def fulfil(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(shaped))

    page.route(re.compile(rf".*/api/v1/products/{product['id']}(\?.*)?$"), fulfil)
    page.goto(page_url("product", id=product["id"]))
    page.get_by_role("button", name=re.compile("^选择规格")).click()
    sheet = page.get_by_role("dialog", name="选择规格")
    sheet.wait_for()
    wait_for_js(page, SHEET_IN_JS)
    sold_out = sheet.get_by_role("radio", name=f"{gone}（无货）")
    assert sold_out.get_attribute("aria-disabled") == "true"
    assert sold_out.get_attribute("aria-checked") == "false"
    sold_out.click(force=True)
    assert sold_out.get_attribute("aria-checked") == "false"
    few = sheet.get_by_role("radio", name=f"{low}（仅剩 3 件）")
    assert few.get_attribute("aria-disabled") == "false"
    few.click()
    checked = "(el) => el.getAttribute('aria-checked') === 'true'"
    wait_for_js(page, checked, arg=few.element_handle())
    assert sheet.locator(".sku__stock").inner_text() == "仅剩 3 件"
    _check(page, "product-sku-stock")

    sheet.get_by_role("button", name="加入购物车").click()
    page.locator(".pd__badge").wait_for()
    assert page.locator(".pd__badge").inner_text().startswith("1")
    # The 已选 row says how few are left.
    assert page.locator(".pd__low").inner_text() == "仅剩 3 件"

    # The tab bar's cart badge follows the cart.
    page.locator(".pd__cart").click()
    page.get_by_role("list", name="购物车商品").wait_for()
    badge = page.locator(".uni-tabbar__badge")
    badge.first.wait_for()
    assert badge.first.inner_text() == "1"


def test_main_pages_draw_icons_not_text_glyphs(page: Any, live_server: str) -> None:
    product = _product_with_options(live_server)
    for path, ready in (
        ("/", "[aria-label='商品列表'] [role=listitem]"),
        (page_url("category"), "[role=tablist]"),
        (page_url("cart"), "[role=status]"),
        (page_url("me"), ".me__shortcuts"),
        (page_url("product", id=product["id"]), ".pd__bar"),
    ):
        page.goto(path)
        page.locator(ready).first.wait_for()
        page.wait_for_timeout(200)
        text = page.evaluate("() => document.body.innerText")
        assert not GLYPHS.findall(text), f"{path}: {GLYPHS.findall(text)}"
        # Icons are images of the set (data URIs), hidden from assistive technology.
        icons = page.evaluate(
            "() => [...document.querySelectorAll('uni-image.icon')].map((e) => "
            "[e.getAttribute('aria-hidden'), e.querySelector('div')?.style.backgroundImage || ''])"
        )
        # Home and the empty cart may draw illustrations only (static/empty/*.svg).
        if path not in ("/", page_url("cart")):
            assert icons, path
        assert all(hidden == "true" and "data:image/svg+xml" in bg for hidden, bg in icons), path


OVERLAPS_JS = """() => [...document.querySelectorAll('.card')].filter((card) => {
  const p = card.querySelector('.card__price')?.getBoundingClientRect()
  const s = card.querySelector('.card__sales')?.getBoundingClientRect()
  if (!p || !s) return false
  return p.left < s.right && s.left < p.right && p.top < s.bottom && s.top < p.bottom
}).length"""
CARD_IMAGE_JS = """() => [...document.querySelectorAll('.card__media')].map((m) => {
  const r = m.getBoundingClientRect()
  return Math.abs(r.width - r.height) <= 1
})"""


@pytest.mark.parametrize("width", [320, 390])
def test_product_cards_keep_price_and_sales_apart(
    browser: Any, live_server: str, width: int
) -> None:
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": 800}, locale="zh-CN"
    )
    page = context.new_page()
    try:
        page.goto("/")
        page.locator(".card__price").first.wait_for()
        assert page.evaluate(OVERLAPS_JS) == 0
        # Square image boxes sized before the images load.
        assert all(page.evaluate(CARD_IMAGE_JS))
        page.goto(page_url("category"))
        page.get_by_role("tab").nth(1).click()
        page.get_by_role("list", name="分类商品").locator(".card__price").first.wait_for()
        assert page.evaluate(OVERLAPS_JS) == 0
        # Elder mode's bigger type wraps 已售 under the price instead of overlapping it.
        page.evaluate(
            "() => localStorage.setItem('shoplet.prefs', JSON.stringify({elderMode: true}))"
        )
        page.reload()
        page.get_by_role("tab").nth(1).click()
        page.get_by_role("list", name="分类商品").locator(".card__price").first.wait_for()
        assert page.evaluate(OVERLAPS_JS) == 0
    finally:
        context.close()


def test_share_copies_the_product_link_without_web_share(browser: Any, live_server: str) -> None:
    product = _product_with_options(live_server)
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    try:
        page.goto(page_url("product", id=product["id"]))
        page.get_by_role("button", name="分享", exact=True).wait_for()
        # Headless Chromium on Linux has no Web Share API: the link is copied instead.
        page.evaluate("() => { delete Navigator.prototype.share; delete navigator.share }")
        page.get_by_role("button", name="分享", exact=True).click()
        # The share sheet: 分享给好友 falls back to copying the page's link.
        page.get_by_test_id("share-sheet").get_by_role("button", name="分享给好友").click()
        page.get_by_text("链接已复制，快去分享给好友吧").wait_for()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == f"{live_server}{page_url('product', id=product['id'])}"
    finally:
        context.close()
