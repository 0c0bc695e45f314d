"""Catalog events.

``catalog.product_changed`` (payload :class:`ProductChanged`) announces that a product's
listing changed: created, edited, published, withdrawn. Search, recommendation and cache layers
subscribe to it. Every product write in ``service/products.py`` goes through ``create_product``,
``update_product`` or ``set_product_status``; those three are where the payload is published
through the outbox, in the write's own transaction, once ``shoplet.core.events`` provides it.
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
    reason: str  # "created" | "updated" | "status"
