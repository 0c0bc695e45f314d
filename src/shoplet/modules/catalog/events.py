"""Catalog events.

``catalog.product_changed`` (payload :class:`ProductChanged`) announces that a product's
listing changed: created, edited, repriced, published, withdrawn. Search subscribes to it.
Every product write goes through ``create_product``, ``update_product``, ``set_product_status``
or ``change_product_prices``; each publishes it through the outbox in the write's own
transaction (``service/_common._announce``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PRODUCT_CHANGED: Final = "catalog.product_changed"
# An import batch committed (payload ``{"product_ids": [...], "barcodes": [...]}``): the
# catalog's own handler drops the cached lists, details and barcodes in every process, which
# an import running in another process (``shoplet catalog import``) cannot reach itself when
# there is no Redis.
PRODUCTS_IMPORTED: Final = "catalog.products_imported"


@dataclass(frozen=True, slots=True)
class ProductChanged:
    product_id: int
    status: str
    reason: str  # "created" | "updated" | "status" | "price"
