"""线下码 and 搜一搜 end to end in Debian's Chromium against a real Shoplet server.

- 线下码: an operator makes a shelf code for a store and a product on the console page (an
  unknown product refused on the page first, nothing made), sees its printable mini-program code;
  a shopper scans the H5 QR code (``?c=``) and lands on the product, and the console's row and
  the per-store totals count the scan.
- 搜一搜: the product page carries its title, description, Open Graph and a JSON-LD ``Product``
  with its price and availability; ``/sitemap.xml`` parses and lists the product, and
  ``robots.txt`` points to it.

Every page is scanned with axe."""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from playwright.sync_api import expect

from tests.e2e.conftest import page_url, pick_option, wait_for_js, write_shopper_session

from .test_console import (
    API,
    CONSOLE,
    RUN,
    Server,
    Staff,
    assert_accessible,
    context,
    create_staff_api,
    owner,
    server,
    signed_in_page,
)
from .test_coupons import _check, phone

__all__ = ["context", "owner", "phone", "server"]  # shared fixtures

ALL_DAY = [{"closed": False, "open": "00:00", "close": "23:59"}] * 7
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _product(server: Server) -> dict[str, Any]:
    for item in server.http.get(f"{API}/products", params={"limit": 30}).json()["items"]:
        detail: dict[str, Any] = server.http.get(f"{API}/products/{item['id']}").json()
        if any(s["available"] > 0 for s in detail["skus"]):
            return detail
    raise AssertionError("no product in stock in the seeded shop")


def test_a_shelf_code_made_on_the_console_brings_a_shopper_to_the_product(
    server: Server, owner: Staff, context: Any, phone: Any
) -> None:
    operator = create_staff_api(server, owner, f"e2e_codes_op_{RUN}", "operator")
    store_name = f"线下码门店{RUN}"
    store = server.http.post(
        f"{API}/console/stores",
        headers=operator.auth,
        json={"name": store_name, "address": "上海市黄浦区南京东路1号", "phone": "021-63210000",
              "lat": 31.232, "lng": 121.475, "hours": ALL_DAY, "staff_ids": []},
    )  # fmt: skip
    assert store.status_code == 201, store.text
    store_id = store.json()["id"]
    product = _product(server)
    label = f"货架A3-{RUN}"

    page = signed_in_page(context, operator)
    page.goto(f"{CONSOLE}/stores/offline-codes")
    expect(page.get_by_role("heading", name="线下码", exact=True)).to_be_visible()
    page.get_by_test_id("oc-label").fill(label)
    pick_option(page, page.get_by_test_id("oc-placement"), "货架")
    pick_option(page, page.get_by_test_id("oc-store"), store_name)
    pick_option(page, page.get_by_test_id("oc-target-kind"), "商品页")
    page.get_by_label("目标 ID").fill("999999999")
    page.get_by_test_id("oc-create").click()
    expect(page.get_by_test_id("oc-error")).to_contain_text("不存在或已下架")
    listed = server.http.get(f"{API}/console/offline-codes", headers=operator.auth).json()
    assert [c for c in listed["items"] if c["label"] == label] == []

    page.get_by_label("目标 ID").fill(str(product["id"]))
    page.get_by_test_id("oc-create").click()
    row = page.get_by_test_id("oc-codes").locator("tr").filter(has_text=label)
    expect(row).to_contain_text(store_name)
    expect(row).to_contain_text("启用中")
    expect(page.get_by_test_id("oc-preview").locator("img")).to_be_visible()
    assert_accessible(page, "console-offline-codes")

    [code] = [
        c
        for c in server.http.get(
            f"{API}/console/offline-codes", headers=operator.auth, params={"store_id": store_id}
        ).json()["items"]
        if c["label"] == label
    ]
    h5_path = code["h5_url"].split("://", 1)[1].split("/", 1)[1]
    tokens = server.http.post(f"{API}/auth/wechat-login", json={"code": f"test-codes{RUN}"}).json()
    write_shopper_session(phone, tokens)
    phone.goto(f"/{h5_path}")
    phone.wait_for_url(f"**/pages/product/detail?id={product['id']}*")
    expect(phone.get_by_text(product["title"]).first).to_be_visible()

    # 搜一搜: the page's metadata, JSON-LD Product with price and availability.
    wait_for_js(phone, "() => !!document.querySelector('script[type=\"application/ld+json\"]')")
    ld = json.loads(
        phone.locator('script[type="application/ld+json"]').first.text_content() or "{}"
    )
    assert ld["@type"] == "Product"
    assert ld["name"] == product["title"]
    assert ld["offers"]["priceCurrency"] == "CNY"
    low = ld["offers"].get("price") or ld["offers"].get("lowPrice")
    assert low == f"{product['price'] / 100:.2f}"
    assert ld["offers"]["availability"] == "https://schema.org/InStock"
    assert phone.title().startswith(product["title"])
    og = phone.locator('meta[property="og:title"]').first.get_attribute("content")
    assert og == product["title"]
    _check(phone, "product-page-metadata")

    counted = server.http.get(
        f"{API}/console/offline-codes", headers=operator.auth, params={"store_id": store_id}
    ).json()["items"]
    assert [(c["scans"], c["visitors"]) for c in counted if c["label"] == label] == [(1, 1)]
    page.reload()
    by_store = page.get_by_test_id("oc-by-store").locator("tr").filter(has_text=store_name)
    expect(by_store).to_contain_text("1")


def _parse(text: str) -> Element:
    root: Element = ElementTree.fromstring(text.encode())
    return root


def test_the_sitemap_and_robots_txt_list_the_shop(server: Server) -> None:
    product = _product(server)
    sitemap = server.http.get("/sitemap.xml")
    robots = server.http.get("/robots.txt")

    assert sitemap.status_code == 200, sitemap.text
    root = _parse(sitemap.text)
    if root.tag.endswith("sitemapindex"):
        pages = [str(e.text) for e in root.findall("s:sitemap/s:loc", SITEMAP_NS)]
        root = _parse(server.http.get("/" + pages[0].split("/", 3)[3]).text)
    locs = [str(e.text) for e in root.findall("s:url/s:loc", SITEMAP_NS)]
    assert any(loc.endswith(page_url("product", id=product["id"])) for loc in locs)
    assert f"{server.base}/sitemap.xml" in robots.text
    assert "Disallow: /pages/cart/" in robots.text
