"""Price changes of many SKUs at once (the console's bulk jobs, ``catalog/bulk.py``): the
arithmetic, and applying it to one product under its row lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.db import utcnow
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import ProductNotFound

from ._common import (
    CACHE_PRODUCT,
    CACHE_PRODUCT_LIST,
    CACHE_PRODUCT_STOCK,
    _announce,
    _invalidate_product,
)
from .rules import _price_fields

MIN_PRICE = 1
MAX_PRICE = 10_000_000_000  # core.schemas.Fen
PERCENT_SCALE = 10_000  # value of a "percent" change: hundredths of a percent
MIN_PERCENT = -9_999
MAX_PERCENT = 100_000


def changed_price(price: int, mode: str, value: int) -> int:
    """The new price in fen: never below 1 fen; ``percent`` rounds half up to the fen."""
    if mode == "set":
        new = value
    elif mode == "add":
        new = price + value
    elif mode == "percent":
        # Integer arithmetic: round half up of price * (1 + value / 10000).
        new = (price * (PERCENT_SCALE + value) * 2 + PERCENT_SCALE) // (2 * PERCENT_SCALE)
    else:
        raise ValueError(f"unknown price change {mode!r}")
    return max(MIN_PRICE, new)


async def change_product_prices(
    session: AsyncSession, product_id: int, mode: str, value: int, *, now: datetime | None = None
) -> bool:
    """Change the price of every active SKU of the product (under the product row lock, so
    two changes of the same product add up); True when a price changed."""
    product = await repo.lock_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    changed = False
    for sku in product.skus:
        if not sku.is_active:
            continue
        new = min(MAX_PRICE, changed_price(sku.price, mode, value))
        if new != sku.price:
            sku.price = new
            sku.original_price = max(sku.original_price, new)
            changed = True
    if changed:
        for field, field_value in _price_fields(product.skus).items():
            setattr(product, field, field_value)
        product.updated_at = now or utcnow()
        await session.flush()
        _invalidate_product(session, product)
        await _announce(session, product, "price")
    return changed


def invalidate_products(session: AsyncSession, products: list[int]) -> None:
    """After commit: the detail of these products (their stock changed) and the list pages."""
    for product_id in products:
        invalidate_after_commit(session, CACHE_PRODUCT, product_id)
        invalidate_after_commit(session, CACHE_PRODUCT_STOCK, product_id)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)
