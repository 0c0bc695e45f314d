"""Price changes of many SKUs at once (the console's bulk jobs, ``catalog/bulk.py``): the
arithmetic, and applying it to one product under its row lock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import ProductNotFound
from shoplet.modules.catalog.models import Sku
from shoplet.modules.catalog.schemas import PriceHistoryEntry

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
# ``catalog_price_history.source``: who changed the price, through what.
SOURCE_CONSOLE = "console"  # the product editor
SOURCE_BULK = "bulk"  # the console's bulk price change


def prices_of(skus: Iterable[Sku]) -> dict[int, tuple[int, int]]:
    """Each existing SKU's (price, original price), to compare after a change."""
    return {s.id: (s.price, s.original_price) for s in skus if s.id is not None}


def history_rows(
    product_id: int,
    before: Mapping[int, tuple[int, int]],
    skus: Iterable[Sku],
    *,
    source: str,
    actor: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The ``catalog_price_history`` rows of the SKUs (of ``before``) whose price or original
    price is no longer what it was; new SKUs have no history."""
    return [
        {
            "sku_id": sku.id,
            "product_id": product_id,
            "price_before": before[sku.id][0],
            "price_after": sku.price,
            "original_price_before": before[sku.id][1],
            "original_price_after": sku.original_price,
            "source": source,
            "actor": actor[:64],
            "changed_at": now,
        }
        for sku in skus
        if sku.id in before and before[sku.id] != (sku.price, sku.original_price)
    ]


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
    session: AsyncSession,
    product_id: int,
    mode: str,
    value: int,
    *,
    actor: str,
    now: datetime | None = None,
) -> bool:
    """Change the price of every active SKU of the product (under the product row lock, so
    two changes of the same product add up), with its price history; True when a price
    changed."""
    product = await repo.lock_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    before = prices_of(product.skus)
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
        now = now or utcnow()
        for field, field_value in _price_fields(product.skus).items():
            setattr(product, field, field_value)
        product.updated_at = now
        await session.flush()
        await repo.add_price_history(
            session,
            history_rows(
                product.id, before, product.skus, source=SOURCE_BULK, actor=actor, now=now
            ),
        )
        _invalidate_product(session, product)
        await _announce(session, product, "price")
    return changed


def invalidate_products(session: AsyncSession, products: list[int]) -> None:
    """After commit: the detail of these products (their stock changed) and the list pages."""
    for product_id in products:
        invalidate_after_commit(session, CACHE_PRODUCT, product_id)
        invalidate_after_commit(session, CACHE_PRODUCT_STOCK, product_id)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)


async def price_history(
    session: AsyncSession, product_id: int, *, cursor: str | None, limit: int
) -> tuple[list[PriceHistoryEntry], str | None]:
    """A product's price changes, newest first, a keyset page at a time (404 for no
    product)."""
    if await repo.get_product(session, product_id) is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    rows = await repo.list_price_history(
        session, product_id, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    items = [PriceHistoryEntry.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return items, encode_id_cursor(items[-1].id) if len(rows) > limit else None
