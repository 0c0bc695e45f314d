"""Recommendation shelves in the H5 storefront (phone viewport, Debian's Chromium, real server).

The demo shop (``shoplet seed``) has products and no training yet, so every shelf shows the
shop's best sellers (热销) — the cold start a new shop sees: 猜你喜欢 on the home page, 看了又看 ·
买了还买 on a product page (never the product itself), 凑单推荐 on the cart. Each shelf loads
lazily when scrolled near, each card says why it is there, and each page passes axe and is
photographed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_scan, page_url, screenshot, watch_csp

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, locale="zh-CN", device_scale_factor=1, has_touch=True
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_csp(p, errors)
    yield p
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def _shelf(page: Any, title: str, *, within_s: float = 20) -> Any:
    """The shelf, scrolled to until its cards show. A shelf loads once it nears the screen;
    the reviews and Q&A above it load on their own and can push it back down after one scroll
    (on a busy machine they answer late), so scroll to it again until its cards show — as a
    shopper would."""
    region = page.get_by_role("region", name=title)
    cards = region.get_by_role("listitem")
    deadline = time.monotonic() + within_s
    while True:
        region.scroll_into_view_if_needed()
        try:
            expect(cards.first).to_be_visible(timeout=2_000)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            return region


def _check(page: Any, name: str) -> None:
    page.wait_for_timeout(300)
    assert axe_scan(page, name=name) == []
    screenshot(page, f"storefront-{name}")


def test_shelves_on_home_product_and_cart(page: Any, live_server: str) -> None:
    api = httpx.get(
        f"{live_server}/api/v1/recommendations", params={"placement": "home"}, timeout=10
    )
    assert api.status_code == 200, api.text
    assert api.json()["items"], "the demo shop has products on sale"

    page.goto(page_url("home"))
    home = _shelf(page, "猜你喜欢")
    expect(home.get_by_text("热销").first).to_be_visible()
    _check(page, "recommend-home")

    product_id = api.json()["items"][0]["id"]
    page.goto(page_url("product", id=product_id))
    shelf = _shelf(page, "看了又看 · 买了还买")
    shown = shelf.get_by_role("listitem")
    assert shown.count() >= 1
    targets = shelf.locator("[href], [url]").evaluate_all(
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('url'))"
    )
    ids = {int(m.group(1)) for t in targets if (m := re.search(r"[?&]id=(\d+)", t))}
    assert ids, targets
    assert product_id not in ids, "a product is never recommended on its own page"
    _check(page, "recommend-product")

    # Open a recommended product from the shelf with the keyboard: the cards are links.
    page.goto(page_url("cart"))
    _shelf(page, "凑单推荐")
    _check(page, "recommend-cart")


def test_a_product_page_reports_its_view_and_the_next_shelf_sends_it(
    page: Any, live_server: str
) -> None:
    """看了又看 follows the visit: each product page reports its view (fire-and-forget, 204) and
    the next product page's shelf sends the products viewed before, most recent first."""
    items = httpx.get(
        f"{live_server}/api/v1/recommendations", params={"placement": "home"}, timeout=10
    ).json()["items"]
    first, second = items[0]["id"], items[1]["id"]
    views: list[tuple[int, dict[str, Any]]] = []
    shelves: list[str] = []

    def seen(response: Any) -> None:
        url = response.url
        if url.endswith("/api/v1/recommendations/views"):
            views.append((response.status, response.request.post_data_json))
        elif "/api/v1/recommendations?" in url and "placement=product" in url:
            shelves.append(url)

    page.on("response", seen)
    page.goto(page_url("product", id=first))
    _shelf(page, "看了又看 · 买了还买")
    page.goto(page_url("product", id=second))
    _shelf(page, "看了又看 · 买了还买")
    page.wait_for_timeout(300)
    assert [(status, body["product_id"]) for status, body in views] == [(204, first), (204, second)]
    assert views[0][1]["visitor"] == views[1][1]["visitor"]
    assert f"product_id={second}" in shelves[-1]
    assert f"recent={first}" in shelves[-1]
