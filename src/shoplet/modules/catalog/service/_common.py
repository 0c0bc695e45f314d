"""What the catalog use cases share: the cache of the storefront reads and what every write drops
after commit, keyword search terms.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.modules.catalog.models import Product

SpecPairs = tuple[tuple[str, str], ...]

# ---------------------------------------------------------------------------------------------
# Cache of the storefront reads (api.py): namespaces, and what every write drops after commit.
#
# - ``catalog_product`` (detail by product id) and ``catalog_barcode`` (by barcode) show stock,
#   which changes with every order: they live only DETAIL_TTL seconds instead of being dropped
#   on each reservation (inventory knows no catalog, and a hot product would be invalidated on
#   every order of a sale, on every replica, exactly when its cache matters). Orders re-check
#   stock atomically, so a figure a few seconds old can never oversell. Catalog writes still
#   drop them at once. Worst-case stock age: DETAIL_TTL (+10 % jitter), embedded and with
#   Redis alike (an L1 entry filled from L2 lives only as long as the L2 entry has left).
# - ``catalog_products`` (list pages by query) and ``catalog_categories`` (the tree) carry no
#   stock: catalog writes drop them after commit; sales counts refresh within LIST_TTL.

CACHE_PRODUCT = "catalog_product"
CACHE_BARCODE = "catalog_barcode"
CACHE_PRODUCT_LIST = "catalog_products"
CACHE_CATEGORIES = "catalog_categories"
CATEGORY_TREE_KEY = "tree"
DETAIL_TTL = 3.0
LIST_TTL = 60.0
CATEGORIES_TTL = 300.0


def _invalidate_product(session: AsyncSession, product: Product, *barcodes: str | None) -> None:
    """After commit: the product's detail, every list page, and its barcodes (old and new, so
    a barcode that moved or was cached as unknown is looked up afresh)."""
    invalidate_after_commit(session, CACHE_PRODUCT, product.id)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)
    for barcode in {*barcodes, *(s.barcode for s in product.skus)}:
        if barcode is not None:
            invalidate_after_commit(session, CACHE_BARCODE, barcode)


def _invalidate_categories(session: AsyncSession) -> None:
    """After commit: the tree and the list pages (a category filter depends on the tree)."""
    invalidate_after_commit(session, CACHE_CATEGORIES, CATEGORY_TREE_KEY)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)


def _keyword(q: str) -> ColumnElement[bool]:
    return or_(
        Product.title.icontains(q, autoescape=True),
        Product.subtitle.icontains(q, autoescape=True),
    )
