"""搜一搜 and web crawlers: the H5 shop's ``/sitemap.xml`` (every on-sale product's page and
every open store's page) and ``robots.txt`` pointing to it.

The list of paths is built from two keyset walks (products by id, then stores) and kept in the
shop's cache (memory + Redis) for ``CACHE_SECONDS``, so a crawler fetching every page of a large
sitemap costs one walk; the shop's origin (from the request) is added when a page is written.
Up to ``PAGE_URLS`` URLs, ``/sitemap.xml`` is the ``urlset``; beyond, it is a ``sitemapindex`` of
``/sitemap-<n>.xml`` pages of ``PAGE_URLS`` each (the protocol allows 50,000 a file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session
from shoplet.modules.catalog import public as catalog
from shoplet.modules.stores import public as stores

PAGE_URLS = 5000
CACHE_SECONDS = 600.0
WALK = 1000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# What crawlers may not index: the shopper's own pages and the APIs (the mini program's
# sitemap.json says the same to 搜一搜).
PRIVATE_PATHS = (
    "/api/",
    "/console/",
    "/pages/cart/",
    "/pages/me/",
    "/pages/login/",
    "/pkg-trade/checkout/",
    "/pkg-trade/pay/",
    "/pkg-trade/orders/",
    "/pkg-user/",
)


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    lastmod: datetime | None = None


CACHE_NAMESPACE = "search_sitemap"


async def _walk(session: AsyncSession) -> tuple[Entry, ...]:
    entries = [Entry("/")]
    after = 0
    while True:
        rows = await catalog.on_sale_stamps(session, after_id=after, limit=WALK)
        entries += [Entry(f"/pages/product/detail?id={pid}", at) for pid, at in rows]
        if len(rows) < WALK:
            break
        after = rows[-1][0]
    entries += [
        Entry(f"/pkg-trade/stores/index?id={sid}")
        for sid in await stores.active_store_names(session)
    ]
    return tuple(entries)


async def entries(ctx: AppContext) -> tuple[Entry, ...]:
    """Every URL path of the sitemap, from the cache or one walk."""

    async def load() -> bytes:
        async with read_session(ctx.sessionmaker) as session:
            walked = await _walk(session)
        return orjson.dumps([[e.path, e.lastmod] for e in walked])

    body = await ctx.cache.get_or_load(CACHE_NAMESPACE, "paths", load, ttl=CACHE_SECONDS)
    rows = orjson.loads(body or b"[]")
    return tuple(Entry(path, datetime.fromisoformat(at) if at else None) for path, at in rows)


def pages(count: int, per_page: int = PAGE_URLS) -> int:
    return max((count + per_page - 1) // per_page, 1)


def _lastmod(at: datetime | None) -> str:
    return (
        ""
        if at is None
        else f"<lastmod>{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod>"
    )


def urlset(origin: str, rows: tuple[Entry, ...]) -> str:
    base = origin.rstrip("/")
    urls = "".join(
        f"<url><loc>{escape(base + e.path)}</loc>{_lastmod(e.lastmod)}</url>" for e in rows
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">{urls}</urlset>\n'


def index(origin: str, count: int) -> str:
    base = origin.rstrip("/")
    maps = "".join(
        f"<sitemap><loc>{escape(f'{base}/sitemap-{n}.xml')}</loc></sitemap>"
        for n in range(1, count + 1)
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<sitemapindex xmlns="{NS}">{maps}</sitemapindex>\n'


async def sitemap(ctx: AppContext, origin: str, *, per_page: int = PAGE_URLS) -> str:
    """``/sitemap.xml``: the urlset, or the index of its pages when there are more."""
    rows = await entries(ctx)
    if len(rows) <= per_page:
        return urlset(origin, rows)
    return index(origin, pages(len(rows), per_page))


async def sitemap_page(
    ctx: AppContext, origin: str, n: int, *, per_page: int = PAGE_URLS
) -> str | None:
    """``/sitemap-<n>.xml`` (None past the last page)."""
    rows = await entries(ctx)
    if n < 1 or n > pages(len(rows), per_page) or len(rows) <= per_page:
        return None
    return urlset(origin, rows[(n - 1) * per_page : n * per_page])


def robots(origin: str) -> str:
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in PRIVATE_PATHS), "Allow: /"]
    lines.append(f"Sitemap: {origin.rstrip('/')}/sitemap.xml")
    return "\n".join(lines) + "\n"
