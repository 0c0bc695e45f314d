"""搜一搜 and crawlers: ``/sitemap.xml`` lists every on-sale product's page and every open
store's page (drafts and closed stores left out), parses as the sitemap protocol says, is kept
in the cache, turns into an index of pages when large; ``robots.txt`` points to it and keeps
crawlers out of the cart, checkout and the shopper's own pages."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree

from shoplet.core.context import AppContext
from shoplet.modules.search import sitemap
from tests.modules.catalog.factories import make_category, simple_product
from tests.modules.stores.factories import console, make_store

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ORIGIN = "http://test"  # the index and pages are written for any origin


def parse(text: str) -> Element:
    root: Element = ElementTree.fromstring(text.encode())
    return root


def locs(root: Element) -> list[str]:
    return [str(e.text) for e in root.findall("s:*/s:loc", NS)]


async def test_the_sitemap_lists_on_sale_products_and_open_stores(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx, "服饰")
    on_sale = await simple_product(ctx, category, "纯棉T恤", 5900)
    await simple_product(ctx, category, "草稿商品", 100, status="draft")
    staff = await console(client, ctx, "ops")
    store_id = await make_store(client, staff)

    response = await client.get("/sitemap.xml")
    origin = str(client.base_url).rstrip("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "max-age=600" in response.headers["cache-control"]
    root = parse(response.text)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    assert locs(root) == [
        f"{origin}/",
        f"{origin}/pages/product/detail?id={on_sale}",
        f"{origin}/pkg-trade/stores/index?id={store_id}",
    ]
    [product_url] = [u for u in root.findall("s:url", NS) if "product" in str(u[0].text)]
    lastmod = product_url.find("s:lastmod", NS)
    assert lastmod is not None
    assert str(lastmod.text).endswith("Z")

    # Kept in the cache: a product published now waits for the next walk.
    await simple_product(ctx, category, "新品", 200)
    assert (await client.get("/sitemap.xml")).text == response.text


async def test_a_large_sitemap_is_an_index_of_pages(
    client: httpx.AsyncClient, ctx: AppContext
) -> None:
    category = await make_category(ctx, "服饰")
    ids = [await simple_product(ctx, category, f"商品{i}", 100 + i) for i in range(5)]

    index = parse(await sitemap.sitemap(ctx, ORIGIN, per_page=2))
    pages = [await sitemap.sitemap_page(ctx, ORIGIN, n, per_page=2) for n in (1, 2, 3, 4)]

    assert index.tag.endswith("sitemapindex")
    assert locs(index) == [f"{ORIGIN}/sitemap-{n}.xml" for n in (1, 2, 3)]
    assert pages[3] is None
    listed = [loc for page in pages[:3] if page for loc in locs(parse(page))]
    assert listed == [f"{ORIGIN}/"] + [f"{ORIGIN}/pages/product/detail?id={i}" for i in ids]
    assert (await client.get("/sitemap-1.xml")).status_code == 404  # small: no pages


async def test_robots_txt_points_to_the_sitemap(client: httpx.AsyncClient) -> None:
    response = await client.get("/robots.txt")

    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {str(client.base_url).rstrip('/')}/sitemap.xml" in lines
    for private in ("/pages/cart/", "/pkg-trade/checkout/", "/pages/me/", "/api/"):
        assert f"Disallow: {private}" in lines
