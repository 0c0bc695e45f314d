"""What the catalog use cases share: the cache of the storefront reads and what every write drops
after commit, keyword search terms.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.events import publish
from shoplet.modules.catalog.events import PRODUCT_CHANGED, PRODUCTS_IMPORTED
from shoplet.modules.catalog.models import Product

SpecPairs = tuple[tuple[str, str], ...]

# ---------------------------------------------------------------------------------------------
# Cache of the storefront reads (api.py): namespaces, and what every write drops after commit.
#
# - ``catalog_product_stock`` (the detail's stock by product id) and ``catalog_barcode`` (by
#   barcode) show stock, which changes with every order: they live only DETAIL_TTL seconds
#   instead of being dropped on each reservation (inventory knows no catalog, and a hot product
#   would be invalidated on every order of a sale, on every replica, exactly when its cache
#   matters). Orders re-check stock atomically, so a figure a few seconds old can never
#   oversell. Catalog writes still drop them at once. Worst-case stock age: DETAIL_TTL (+10 %
#   jitter), embedded and with Redis alike (an L1 entry filled from L2 lives only as long as
#   the L2 entry has left).
# - ``catalog_product`` (the detail's body, stock left as placeholders: detail_parts.py) lives
#   BODY_TTL; product writes drop it (and its stock entry) after commit.
# - ``catalog_products`` (list pages by query) and ``catalog_categories`` (the tree) carry no
#   stock: catalog writes drop them after commit; sales counts refresh within LIST_TTL.

CACHE_PRODUCT = "catalog_product"
# The detail's stock and sales count (service/detail_parts.py): its body lives BODY_TTL.
CACHE_PRODUCT_STOCK = "catalog_product_stock"
CACHE_BARCODE = "catalog_barcode"
CACHE_PRODUCT_LIST = "catalog_products"
CACHE_CATEGORIES = "catalog_categories"
CATEGORY_TREE_KEY = "tree"
DETAIL_TTL = 3.0
BODY_TTL = 60.0  # the detail's body, as LIST_TTL: sales counts refresh as the lists' do
LIST_TTL = 60.0
CATEGORIES_TTL = 300.0


def _invalidate_product(session: AsyncSession, product: Product, *barcodes: str | None) -> None:
    """After commit: the product's detail, every list page, and its barcodes (old and new, so
    a barcode that moved or was cached as unknown is looked up afresh)."""
    invalidate_after_commit(session, CACHE_PRODUCT, product.id)
    invalidate_after_commit(session, CACHE_PRODUCT_STOCK, product.id)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)
    for barcode in {*barcodes, *(s.barcode for s in product.skus)}:
        if barcode is not None:
            invalidate_after_commit(session, CACHE_BARCODE, barcode)


def _invalidate_categories(session: AsyncSession) -> None:
    """After commit: the tree and the list pages (a category filter depends on the tree)."""
    invalidate_after_commit(session, CACHE_CATEGORIES, CATEGORY_TREE_KEY)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)


async def _announce(session: AsyncSession, product: Product, reason: str) -> None:
    """``catalog.product_changed`` in the write's transaction (search re-reads the product)."""
    await publish(
        session,
        PRODUCT_CHANGED,
        {"product_id": product.id, "status": product.status, "reason": reason},
        key=str(product.id),
    )


async def announce_products(session: AsyncSession, product_ids: list[int]) -> None:
    """``catalog.products_imported`` for a batch (an import, a stock import)."""
    if product_ids:
        await publish(session, PRODUCTS_IMPORTED, {"product_ids": product_ids, "barcodes": []})


# The product list's ``q`` (storefront ``GET /products?q=``): a higher module (search) may
# register a matcher returning the matching product ids, most relevant first, or None while it
# cannot answer (its index is still building); the catalog then matches title/subtitle in SQL.
KeywordMatcher = Callable[[str], list[int] | None]
_MATCHERS: list[KeywordMatcher] = []


def set_keyword_matcher(matcher: KeywordMatcher | None) -> None:
    _MATCHERS.clear()
    if matcher is not None:
        _MATCHERS.append(matcher)


def _matched_ids(q: str) -> list[int] | None:
    return _MATCHERS[0](q) if _MATCHERS else None


def _keyword(q: str) -> ColumnElement[bool]:
    return or_(
        Product.title.icontains(q, autoescape=True),
        Product.subtitle.icontains(q, autoescape=True),
    )
