"""Storefront flows in headless Chromium (phone viewport, axe serious/critical = 0 on every page):
live search never shows a stale answer, login asks for consent and returns to where the shopper
was, 大字版 and 高对比度 persist, keyboard-only add-to-cart is announced, category cards keep
price and 已售 apart."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import httpx
import pytest

from tests.e2e.conftest import (
    axe_scan,
    old_page_url,
    page_url,
    screenshot,
    wait_for_js,
    watch_csp,
)

PHONE_WIDTH = {"width": 390, "height": 844}
CONSENT = re.compile("^我已阅读并同意")
CONSENT_MISSING = "请先阅读并勾选同意《用户协议》和《隐私政策》"
LIVE_TEXT_JS = (
    "() => [...document.querySelectorAll('[aria-live=polite][role=status]')]"
    ".map((e) => e.textContent.trim()).filter(Boolean)"
)
RESULT_TITLES_JS = (
    "() => [...document.querySelectorAll('[aria-label=\"搜索结果\"] [role=listitem]')]"
    ".map((e) => e.innerText)"
)


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, viewport=PHONE_WIDTH, locale="zh-CN", device_scale_factor=1
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


def _product_with_stock(live_server: str) -> dict[str, Any]:
    items = httpx.get(f"{live_server}/api/v1/products", params={"limit": 50}, timeout=10).json()
    for item in items["items"]:
        detail = httpx.get(f"{live_server}/api/v1/products/{item['id']}", timeout=10).json()
        # Every option well stocked: earlier tests on the same server buy some, and a test
        # adds the page's default option more than once.
        if detail["skus"] and all(sku["available"] >= 5 for sku in detail["skus"]):
            return dict(detail)
    raise AssertionError("the demo seed has no product in stock")


def _sms_login(page: Any, live_server: str, phone: str) -> None:
    """On the login page: agree, ask for a code, read it from the SMS simulator, sign in."""
    page.get_by_role("checkbox", name=CONSENT).click()
    page.get_by_label("手机号", exact=True).fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text(f"验证码已发送至 {phone}").wait_for()
    res = httpx.get(f"{live_server}/_sim/sms/last-code", params={"phone": phone}, timeout=10)
    code = res.json()["code"]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()


def test_fast_typing_never_shows_stale_results(page: Any, live_server: str) -> None:
    """The answer to 「手」 is held back and released only after 「手机」 has been answered: the
    list keeps showing the 手机 results (the old request is aborted or its answer dropped)."""
    sample = httpx.get(
        f"{live_server}/api/v1/products", params={"q": "手机", "limit": 10}, timeout=10
    ).json()
    assert sample["items"], "the demo seed has no 手机 product"
    stale = {**sample["items"][0], "id": 987654321, "title": "过期的搜索结果"}
    held: list[Any] = []
    queries: list[str] = []

    def on_products(route: Any) -> None:
        q = parse_qs(urlparse(route.request.url).query).get("q", [""])[0]
        queries.append(q)
        if q == "手":
            held.append(route)  # answered later, after the newer search
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/search\?"), on_products)
    page.goto(page_url("search"))
    box = page.get_by_label("搜索商品", exact=True)
    box.wait_for()
    box.press_sequentially("手")
    for _ in range(100):  # the debounced request for 「手」 goes out after the typing pause
        if held:
            break
        page.wait_for_timeout(50)
    assert held, f"no search for 手 was sent (saw {queries})"
    # While a search is due or on its way, the page shows its loading state, not old results.
    page.get_by_role("status", name="正在加载").wait_for()

    box.press_sequentially("机")
    results = page.get_by_role("list", name="搜索结果").get_by_role("listitem")
    results.first.wait_for()
    wait_for_js(page, "() => document.querySelector('[data-query]')?.dataset.query === '手机'")
    fresh = page.evaluate(RESULT_TITLES_JS)

    # Now the old answer arrives, late.
    # If the app already aborted that request, Playwright refuses to answer it: even better.
    with contextlib.suppress(Exception):
        held[0].fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"items": [stale], "next_cursor": None, "total": 1, "facets": None}),
        )
    page.wait_for_timeout(500)
    assert page.get_by_text("过期的搜索结果").count() == 0
    assert page.evaluate(RESULT_TITLES_JS) == fresh
    assert queries[-1] == "手机"
    assert "手" in queries
    _check(page, "search-live")


def test_search_shows_an_illustrated_empty_state(page: Any, live_server: str) -> None:
    # Letters no word, pinyin or product is near: lexically and semantically empty. (A Chinese
    # phrase such as 没有这种东西 can reach a product's vector once the model answers in time.)
    page.goto(page_url("search", q="qxzvkwjp"))
    empty = page.get_by_role("status").filter(has_text="没有找到相关商品")
    empty.wait_for()
    assert empty.locator("img, uni-image").count() >= 1
    _check(page, "search-empty")


def test_consent_is_required_before_any_sign_in(page: Any, live_server: str) -> None:
    sms_requests: list[str] = []
    page.on("request", lambda r: "/auth/sms" in r.url and sms_requests.append(r.url))
    page.goto(page_url("login"))
    consent = page.get_by_role("checkbox", name=CONSENT)
    consent.wait_for()
    assert consent.get_attribute("aria-checked") == "false"
    page.get_by_label("手机号", exact=True).fill("13900005555")
    page.get_by_role("button", name="获取验证码").click()
    assert page.get_by_role("alert").inner_text() == CONSENT_MISSING
    page.get_by_role("button", name="登录", exact=True).click()
    assert page.get_by_role("alert").first.inner_text() == CONSENT_MISSING
    assert sms_requests == []
    _check(page, "login-consent-missing")

    # Both texts are one tap away, real text, and keyboard-reachable.
    page.get_by_text("查看《隐私政策》").click()
    page.get_by_role("tabpanel", name="隐私政策").wait_for()
    assert len(page.get_by_role("tabpanel").inner_text()) > 400
    _check(page, "legal-privacy")
    page.get_by_role("tab", name="用户协议").press("Enter")
    page.get_by_role("tabpanel", name="用户协议").wait_for()
    page.go_back()

    consent = page.get_by_role("checkbox", name=CONSENT)
    consent.focus()
    page.keyboard.press("Space")
    assert consent.get_attribute("aria-checked") == "true"
    page.get_by_label("手机号", exact=True).fill("13900005555")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至 13900005555").wait_for()
    assert len(sms_requests) == 1


def test_login_from_checkout_returns_to_checkout_with_the_same_items(
    page: Any, live_server: str
) -> None:
    product = _product_with_stock(live_server)
    page.goto(page_url("product", id=product["id"]))
    page.get_by_role("button", name="加入购物车").click()
    wait_for_js(page, f"() => ({LIVE_TEXT_JS})().some((t) => t.includes('已加入购物车'))")

    page.goto(page_url("cart"))
    lines = page.get_by_role("list", name="购物车商品").get_by_role("listitem")
    lines.first.wait_for()
    assert product["title"] in lines.first.inner_text()
    page.get_by_role("button", name=re.compile(r"结算\(\d+\)")).click()

    page.get_by_role("checkbox", name=CONSENT).wait_for()
    redirect = parse_qs(urlparse(page.url).query).get("redirect", [""])[0]
    assert unquote(redirect) == page_url("checkout")
    _sms_login(page, live_server, "13900006666")

    page.wait_for_url(re.compile(re.escape(page_url("checkout"))))
    items = page.get_by_role("list", name="商品清单")
    items.wait_for()
    assert product["title"] in items.inner_text()
    assert page.get_by_role("group", name="价格明细").is_visible()
    _check(page, "checkout-after-login")

    # A page with a query comes back with its query (here: an order list tab, after logout).
    page.goto(page_url("me"))
    page.get_by_role("button", name="退出登录").click()
    # Signing out revokes the token on the server first: wait until the page shows it is done.
    page.get_by_role("button", name="退出登录").wait_for(state="detached")
    page.goto(page_url("orders", status="paid"))
    page.get_by_role("checkbox", name=CONSENT).wait_for()
    assert unquote(parse_qs(urlparse(page.url).query)["redirect"][0]) == (
        page_url("orders", status="paid")
    )
    _sms_login(page, live_server, "13900006667")  # a new number: codes are rate limited
    page.wait_for_url(re.compile(re.escape(page_url("orders", status="paid"))))
    tab = page.get_by_role("tab", name="待发货")
    tab.wait_for()
    assert tab.get_attribute("aria-selected") == "true"


def test_bookmarks_from_before_the_subpackages_open_the_moved_pages(page: Any) -> None:
    # The secondary pages moved from pages/ into subpackages; a shopper's old bookmark (history
    # form, or the hash form of older links) lands on the same page, query kept.
    page.goto(old_page_url("settings"))
    page.wait_for_url(re.compile(re.escape(page_url("settings")) + "$"))
    page.get_by_role("switch", name="高对比度").wait_for()

    page.goto("/#" + old_page_url("legal", doc="privacy"))
    page.wait_for_url(re.compile(re.escape(page_url("legal", doc="privacy")) + "$"))
    page.get_by_text("隐私政策").first.wait_for()

    # A guest's order list goes on to login, which will return to the new address.
    page.goto(old_page_url("orders", status="paid"))
    page.get_by_role("checkbox", name=CONSENT).wait_for()
    assert unquote(parse_qs(urlparse(page.url).query)["redirect"][0]) == (
        page_url("orders", status="paid")
    )


def test_elder_and_high_contrast_modes_persist_and_inputs_never_clip(
    page: Any, live_server: str
) -> None:
    page.goto(page_url("settings"))
    elder = page.get_by_role("switch", name="大字版")
    contrast = page.get_by_role("switch", name="高对比度")
    elder.wait_for()
    _check(page, "settings")
    elder.focus()
    page.keyboard.press("Space")
    contrast.focus()
    page.keyboard.press("Enter")
    assert elder.get_attribute("aria-checked") == "true"
    assert contrast.get_attribute("aria-checked") == "true"

    page.reload()
    page.get_by_role("switch", name="大字版").wait_for()
    assert page.get_by_role("switch", name="大字版").get_attribute("aria-checked") == "true"
    assert page.get_by_role("switch", name="高对比度").get_attribute("aria-checked") == "true"
    assert page.locator(".shell.elder.high-contrast").count() >= 1
    assert page.evaluate("() => document.documentElement.classList.contains('sl-high-contrast')")
    text_colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.shell .tr__label')).color"
    )
    assert text_colour == "rgb(0, 0, 0)"
    _check(page, "settings-elder-high-contrast")

    # Every page follows; text fields are tall enough for the large type.
    clipped_js = (
        "() => [...document.querySelectorAll('.shell uni-input, .shell uni-textarea')]"
        ".filter((host) => host.offsetParent !== null).map((host) => {"
        " const field = host.querySelector('input, textarea');"
        " const size = parseFloat(getComputedStyle(field).fontSize);"
        " return { h: host.getBoundingClientRect().height, size,"
        " overflow: field.scrollHeight - field.clientHeight }; })"
        ".filter((f) => f.h < f.size * 1.3 || f.overflow > 1)"
    )
    for path, field in (
        (page_url("search"), "搜索商品"),
        (page_url("login"), "手机号"),
    ):
        page.goto(path)
        box = page.get_by_label(field, exact=True)
        box.wait_for()
        box.fill("13912345678" if field == "手机号" else "大字版搜索")
        assert page.locator(".shell.elder.high-contrast").count() >= 1
        assert page.evaluate(clipped_js) == [], f"a clipped text field on {path}"
        _check(page, f"{path.split('/')[2]}-elder-high-contrast")

    page.goto("/")
    page.get_by_role("list", name="商品列表").get_by_role("listitem").first.wait_for()
    _check(page, "home-elder-high-contrast")


def test_keyboard_only_add_to_cart_is_announced(page: Any, live_server: str) -> None:
    product = _product_with_stock(live_server)
    page.goto(page_url("product", id=product["id"]))
    add = page.get_by_role("button", name="加入购物车")
    add.wait_for()
    focused_js = "() => (document.activeElement?.textContent || '').trim()"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(focused_js) == "加入购物车":
            break
    assert page.evaluate(focused_js) == "加入购物车", "加入购物车 is not reachable with Tab"
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert ring != "none", "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    wait_for_js(page, f"() => ({LIVE_TEXT_JS})().includes('已加入购物车，共 1 件')")
    # Focus stays on the button while it is busy (aria-busy, never disabled: a disabled button
    # would drop the keyboard user's focus); the next press counts once it is free again.
    wait_for_js(page, "() => document.activeElement?.getAttribute('aria-busy') === 'false'")
    assert page.evaluate(focused_js) == "加入购物车", "focus left the button after adding"
    page.keyboard.press("Space")
    wait_for_js(page, f"() => ({LIVE_TEXT_JS})().includes('已加入购物车，共 2 件')")
    _check(page, "product-added-announced")


def test_category_cards_keep_price_and_sales_apart(page: Any, live_server: str) -> None:
    overlaps_js = (
        "() => [...document.querySelectorAll('[aria-label=\"分类商品\"] .card__meta')].map((m) => {"
        " const p = m.querySelector('.card__price'), s = m.querySelector('.card__sales');"
        " if (!p || !s) return false;"
        " const a = p.getBoundingClientRect(), b = s.getBoundingClientRect();"
        " const inside = b.right <= m.getBoundingClientRect().right + 0.5;"
        " return !inside || !(a.right <= b.left || b.right <= a.left"
        " || a.bottom <= b.top || b.bottom <= a.top); }).filter(Boolean).length"
    )
    for elder in (False, True):
        if elder:
            page.goto(page_url("settings"))
            page.get_by_role("switch", name="大字版").click()
        page.goto(page_url("category"))
        cards = page.get_by_role("list", name="分类商品").get_by_role("listitem")
        cards.first.wait_for()
        assert page.evaluate(overlaps_js) == 0, f"price and 已售 overlap (elder={elder})"
    _check(page, "category-elder")


def test_long_search_results_render_only_a_window(page: Any, live_server: str) -> None:
    """Two hundred results: the page holds only the rows near the visible part, and scrolling
    brings later rows in (the list keeps its full length for assistive technology)."""
    sample = httpx.get(f"{live_server}/api/v1/products", params={"limit": 1}, timeout=10).json()
    base = sample["items"][0]
    many = [{**base, "id": 900000 + i, "title": f"长列表商品 {i + 1}"} for i in range(200)]

    def on_search(route: Any) -> None:
        body = {"items": many, "next_cursor": None, "total": len(many), "facets": None}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r"/api/v1/search\?"), on_search)
    page.goto(page_url("search", q="长列表"))
    items = page.get_by_role("list", name="搜索结果").get_by_role("listitem")
    items.first.wait_for()
    rendered = items.count()
    print(f"virtual list: {rendered} of 200 results rendered at the top")
    assert 2 <= rendered <= 40
    assert items.first.get_attribute("aria-setsize") == "200"
    scroller_js = (
        "() => [...document.querySelectorAll('.sr__list .uni-scroll-view')]"
        ".find((e) => e.scrollHeight > e.clientHeight + 10)"
    )
    page.evaluate(
        f"() => {{ const s = ({scroller_js})(); s.scrollTop = s.scrollHeight * 0.75;"
        " s.dispatchEvent(new Event('scroll')); }"
    )
    wait_for_js(
        page,
        "() => [...document.querySelectorAll('[aria-label=\"搜索结果\"] [role=listitem]')]"
        ".some((e) => Number(e.getAttribute('aria-posinset')) > 140)",
    )
    assert page.get_by_text("长列表商品 1", exact=True).count() == 0
    assert items.count() <= 40
    _check(page, "search-long-list")
