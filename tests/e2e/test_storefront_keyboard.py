"""Every storefront page in a phone viewport, used with the keyboard only (H5).

On each page: every element with a click handler (Vue's listeners on the element, or the tab bar)
is focusable and has an accessible name, Tab reaches the page's primary action, and axe finds no
serious or critical violation. The purchase is made with the keyboard only: Enter on 加入购物车,
the cart, 提交订单, the payment sheet. The SKU sheet and the region picker keep focus inside,
close with Escape and give focus back to the control that opened them. High contrast (高对比度)
is measured: text 7:1, icons and the focus ring 3:1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    SERVER_DATA_DIRS,
    STOREFRONT_PAGES,
    axe_scan,
    screenshot,
    wait_for_js,
    wait_for_settled,
    watch_csp,
)
from tests.e2e.test_console import (
    RUN,
    Server,
    api_login,
    create_staff_cli,
    enrol_mfa_via_api,
)

# Every H5 page by this test's name for it, addressed through the one table of page paths.
_NAMES = {
    "home": "home",
    "category": "category",
    "search": "search",
    "product": "product",
    "cart": "cart",
    "checkout": "checkout",
    "pay": "pay",
    "pay-result": "pay_result",
    "orders": "orders",
    "order-detail": "order",
    "aftersale": "aftersale",
    "me": "me",
    "login": "login",
    "legal": "legal",
    "settings": "settings",
    "favorites": "favorites",
    "address-list": "addresses",
    "address-edit": "address_edit",
    "flash-list": "flash",
    "flash-detail": "flash_detail",
}
PAGES = {name: STOREFRONT_PAGES[page] for name, page in _NAMES.items()}

API = "/api/v1"
JS_DIR = Path(__file__).resolve().parent / "js"
PHONE = {"width": 390, "height": 844}
SHOPPER = "13900008888"

# Elements the shopper can click (Vue's listeners on the element; the tab bar is
# uni-app's own) that are visible and not hidden from assistive technology, and what is wrong
# with each: not reachable by Tab, or no accessible name.
AUDIT_JS = (JS_DIR / "keyboard_audit.js").read_text()

# Contrast of an element's text (colour on the nearest opaque background), WCAG 2.1.
CONTRAST_JS = (JS_DIR / "text_contrast.js").read_text()

# The colour an icon is drawn in: its data-URI SVG's stroke/fill colours.
ICON_COLOURS_JS = (JS_DIR / "icon_colours.js").read_text()


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    out = []
    for i in (0, 2, 4):
        c = int(h[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server,
        viewport=PHONE,
        locale="zh-CN",
        device_scale_factor=1,
        reduced_motion="reduce",
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(p, errors)
    yield p
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _audit(page: Any, name: str) -> None:
    """Every clickable element focusable and named; axe serious/critical = 0."""
    result = page.evaluate(AUDIT_JS)
    assert result["problems"] == [], f"{name}: {result['problems']}"
    assert axe_scan(page, name=name) == [], name


def _tab_to(page: Any, locator: Any, presses: int = 80) -> int:
    """Press Tab from the top of the page until `locator` has focus; the number of presses."""
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0) }"
    )
    handle = locator.element_handle()
    for n in range(1, presses + 1):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(el) => document.activeElement === el || el.contains(document.activeElement)", handle
        ):
            return n
    raise AssertionError(f"Tab never reached {locator}")


def _sign_in(page: Any, http: httpx.Client) -> dict[str, Any]:
    tokens: dict[str, Any] = http.post(
        f"{API}/auth/wechat-login", json={"code": f"test-{SHOPPER}"}
    ).json()
    saved = {
        "accessToken": tokens["access_token"],
        "refreshToken": tokens["refresh_token"],
        "expiresAt": 0,
        "member": tokens["member"],
    }
    page.goto(PAGES["settings"])
    page.evaluate("(v) => localStorage.setItem('shoplet.auth', v)", json.dumps(saved))
    return tokens


def _product_with_specs(http: httpx.Client) -> dict[str, Any]:
    listing = http.get(f"{API}/products", params={"limit": 50}).json()
    for item in listing["items"]:
        detail: dict[str, Any] = http.get(f"{API}/products/{item['id']}").json()
        if len(detail["specs"]) >= 1 and any(s["available"] >= 3 for s in detail["skus"]):
            return detail
    raise AssertionError("the demo seed has no product with specs and stock")


def _flash_campaign(live_server: str, sku_id: int, price: int) -> int:
    server = Server(live_server, SERVER_DATA_DIRS[live_server])
    owner = create_staff_cli(server, f"e2e_kb_{RUN}", "owner")
    api_login(server, owner)
    enrol_mfa_via_api(server, owner)
    starts = datetime.now(UTC) + timedelta(hours=1)
    created = server.http.post(
        f"{API}/console/flash-sales",
        headers=owner.auth,
        json={
            "title": f"键盘秒杀 {RUN}",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "items": [{"sku_id": sku_id, "flash_price": max(1, price // 2), "stock": 2}],
        },
    )
    assert created.status_code == 201, created.text
    campaign_id: int = created.json()["id"]
    return campaign_id


def _visit(page: Any, name: str, query: str = "", ready: str = "uni-page-body") -> None:
    page.goto(PAGES[name] + query)
    page.locator(ready).first.wait_for()


def test_every_page_by_keyboard_and_a_purchase_with_keys_only(page: Any, live_server: str) -> None:
    http = httpx.Client(base_url=live_server, timeout=15)
    product = _product_with_specs(http)
    sku = next(s for s in product["skus"] if s["available"] >= 3)
    campaign_id = _flash_campaign(live_server, sku["id"], sku["price"])

    # Signed-out pages first.
    _visit(page, "login", ready="[role=checkbox]")
    _audit(page, "login")
    consent = page.get_by_role("checkbox", name=re.compile("^我已阅读并同意"))
    _tab_to(page, consent)
    page.keyboard.press("Space")
    assert consent.get_attribute("aria-checked") == "true"
    _visit(page, "legal", ready="[role=tab]")
    _audit(page, "legal")

    tokens = _sign_in(page, http)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    address = http.post(
        f"{API}/me/addresses",
        headers=auth,
        json={
            "recipient": "王键盘",
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

    _visit(page, "home", ready="[aria-label='商品列表'] [role=listitem]")
    _audit(page, "home")
    _visit(page, "category", ready="[role=tab]")
    _audit(page, "category")
    _visit(page, "search", "?q=手机", ready="uni-input input")
    _audit(page, "search")
    _visit(page, "settings", ready="[role=switch]")
    _audit(page, "settings")
    _visit(page, "me", ready="[role=button]")
    _audit(page, "me")
    _visit(page, "address-list", ready="[role=button]")
    _audit(page, "address-list")
    _visit(page, "address-edit", ready="uni-input input")
    _audit(page, "address-edit")
    _visit(page, "flash-list", ready=f"a[href*='{PAGES['flash-detail']}']")
    _audit(page, "flash-list")
    _visit(page, "flash-detail", f"?id={campaign_id}", ready="[data-testid=flash-countdown]")
    _audit(page, "flash-detail")

    # Product detail: the SKU sheet by keyboard, then add to cart with Enter.
    _visit(page, "product", f"?id={product['id']}", ready="text=加入购物车")
    _audit(page, "product")
    add = page.get_by_role("button", name="加入购物车")
    _tab_to(page, add)
    page.keyboard.press("Enter")
    page.locator(".pd__badge").wait_for()
    _visit(page, "favorites", ready="uni-page-body")
    _audit(page, "favorites")

    _visit(page, "cart", ready="[aria-label='购物车商品'] [role=listitem]")
    _audit(page, "cart")
    settle = page.get_by_role("button", name=re.compile(r"结算\(\d+\)"))
    _tab_to(page, settle)
    page.keyboard.press("Enter")

    place = page.get_by_role("button", name="提交订单")
    place.wait_for()
    page.get_by_role("group", name="价格明细").wait_for()
    _audit(page, "checkout")
    _tab_to(page, place)
    page.keyboard.press("Enter")

    pay = page.get_by_role("button", name=re.compile("微信支付"))
    pay.wait_for()
    _audit(page, "pay")
    _tab_to(page, pay)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    confirm = page.get_by_role("button", name="确认支付")
    wait_for_js(
        page, "() => !!document.activeElement && !!document.activeElement.closest('[role=dialog]')"
    )
    for _ in range(6):
        if page.evaluate("(el) => document.activeElement === el", confirm.element_handle()):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="支付成功").wait_for(timeout=20000)
    _audit(page, "pay-result")
    order_no = parse_order_no(page.url)

    _visit(page, "order-detail", f"?order_no={order_no}", ready="[aria-label='订单进度']")
    _audit(page, "order-detail")
    _visit(page, "aftersale", f"?order_no={order_no}", ready="[role=radio]")
    _audit(page, "aftersale")
    _visit(page, "orders", ready=".oc")
    _audit(page, "orders")


def parse_order_no(url: str) -> str:
    match = re.search(r"order_no=([\w-]+)", url)
    assert match, url
    return match.group(1)


FOCUS_IN_DIALOG_JS = (
    "(name) => { const d = document.querySelector(`[role=dialog][aria-label='${name}']`);"
    " return !!d && d.contains(document.activeElement) }"
)
RING_JS = r"""() => {
  const s = getComputedStyle(document.activeElement)
  return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor }
}"""


def _rgb_hex(css: str) -> str:
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def test_sku_sheet_and_preview_trap_focus_close_on_escape_and_return_it(
    page: Any, live_server: str
) -> None:
    http = httpx.Client(base_url=live_server, timeout=15)
    product = _product_with_specs(http)
    _visit(page, "product", f"?id={product['id']}", ready="text=加入购物车")

    opener = page.get_by_role("button", name=re.compile("^选择规格"))
    _tab_to(page, opener)
    page.keyboard.press("Enter")
    page.get_by_role("dialog", name="选择规格").wait_for()
    wait_for_js(page, FOCUS_IN_DIALOG_JS, "选择规格")
    stops = page.evaluate(
        "() => document.querySelectorAll(\"[role=dialog] [tabindex='0']\").length"
    )
    for _ in range(stops + 2):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_IN_DIALOG_JS, "选择规格"), "Tab left the SKU sheet"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_IN_DIALOG_JS, "选择规格"), "Shift+Tab left the SKU sheet"

    # A spec option with the focus ring, for the docs.
    option = page.get_by_role("dialog").get_by_role("radio").first
    option.focus()
    page.keyboard.press("ArrowRight")
    option.focus()
    wait_for_settled(page)
    ring = page.evaluate(RING_JS)
    assert ring["style"] != "none"
    assert ring["width"] >= 2
    assert _contrast(_rgb_hex(ring["color"]), "#ffffff") >= 3
    assert page.evaluate(AUDIT_JS)["problems"] == []
    assert axe_scan(page, name="sku-sheet") == []
    screenshot(page, "storefront-focus-ring")

    page.keyboard.press("Escape")
    page.get_by_role("dialog", name="选择规格").wait_for(state="detached")
    wait_for_js(page, "(el) => document.activeElement === el", opener.element_handle())

    # The gallery's image opens uni-app's preview: a named dialog, Escape closes it, focus returns.
    image = page.get_by_role("button", name=re.compile("图片 1，查看大图"))
    image.focus()
    page.keyboard.press("Enter")
    page.get_by_role("dialog", name="图片预览").wait_for()
    wait_for_js(page, FOCUS_IN_DIALOG_JS, "图片预览")
    assert page.get_by_role("button", name="关闭预览").is_visible()
    page.keyboard.press("Escape")
    page.get_by_role("dialog", name="图片预览").wait_for(state="detached")
    wait_for_js(page, "(el) => document.activeElement === el", image.element_handle())


def test_high_contrast_reaches_text_icons_tab_bar_and_focus_ring(
    page: Any, live_server: str
) -> None:
    http = httpx.Client(base_url=live_server, timeout=15)
    product = _product_with_specs(http)
    _visit(page, "settings", ready="[role=switch]")
    switch = page.get_by_role("switch", name="高对比度")
    _tab_to(page, switch)
    page.keyboard.press("Enter")
    assert switch.get_attribute("aria-checked") == "true"

    # The tab bar: black icons (a filter over the PNGs), black labels.
    _visit(page, "home", ready="[aria-label='商品列表'] [role=listitem]")
    styles_js = (
        "([selector, prop]) => [...document.querySelectorAll(selector)]"
        ".map((el) => getComputedStyle(el)[prop])"
    )
    filters = page.evaluate(styles_js, [".uni-tabbar__icon img", "filter"])
    assert len(filters) == 4
    assert set(filters) == {"brightness(0)"}
    labels = page.evaluate(styles_js, [".uni-tabbar__label", "color"])
    assert {_rgb_hex(c) for c in labels} <= {"#000000", "#8a0000"}

    _visit(page, "product", f"?id={product['id']}", ready="text=加入购物车")
    for selector in (".pd__title", ".pd__price", ".pd__spec-k", ".pd__spec-v", ".pd__cart-label"):
        ratio = page.evaluate(CONTRAST_JS, [selector, "color"])
        assert ratio is not None, selector
        assert ratio >= 7, f"{selector}: {ratio}"
    colours = page.evaluate(ICON_COLOURS_JS, "uni-image.icon")
    drawn = {c for found in colours if found for c in found}
    assert drawn, "no icon found on the product page"
    assert drawn <= {"#000000", "#8a0000", "#064d29", "#595959", "#ffffff"}, drawn
    for colour in drawn - {"#ffffff"}:
        assert _contrast(colour, "#ffffff") >= 3, colour

    add = page.get_by_role("button", name="加入购物车")
    _tab_to(page, add)
    # The ring is drawn a frame or a transition after focus moves: wait for it to settle black.
    wait_for_settled(page)
    wait_for_js(
        page,
        "() => getComputedStyle(document.activeElement).outlineColor === 'rgb(0, 0, 0)'",
        timeout_ms=5_000,
    )
    ring = page.evaluate(RING_JS)
    assert ring["style"] != "none"
    assert ring["width"] >= 3
    assert _contrast(_rgb_hex(ring["color"]), "#ffffff") >= 3
    _audit(page, "product-high-contrast")
    screenshot(page, "storefront-product-high-contrast")
