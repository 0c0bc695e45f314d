"""Product cards for other modules' shelves (recommendations): the storefront list's fields, only
for products a shopper can buy now (on sale, at least one active SKU with available stock)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.schemas import ProductSummary
from shoplet.modules.inventory import public as inventory

from .media import image_set_of


async def buyable_cards(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, ProductSummary]:
    """Cards of the products among ``product_ids`` that are on sale and in stock, by id.
    Three queries whatever the number of ids (products, active SKUs, stock levels)."""
    ids = list(dict.fromkeys(product_ids))
    rows = await repo.on_sale_summaries(session, ids)
    if not rows:
        return {}
    skus = await repo.active_skus_of(session, [r.id for r in rows])
    levels = await inventory.get_levels(session, [sku for sku, _ in skus])
    in_stock = {
        product for sku, product in skus if (level := levels.get(sku)) and level.available > 0
    }
    return {
        r.id: ProductSummary.model_construct(
            id=r.id,
            title=r.title,
            subtitle=r.subtitle,
            image=r.images[0] if r.images else None,
            image_set=image_set_of(r.cover),
            price=r.min_price,
            original_price=r.list_original_price,
            sales_count=r.sales_count,
            category_id=r.category_id,
            has_model=bool(r.model3d),
        )
        for r in rows
        if r.id in in_stock
    }


async def product_ids_of_skus(session: AsyncSession, sku_ids: Sequence[int]) -> dict[int, int]:
    """SKU id -> product id for the SKUs that exist."""
    return await repo.skus_of(session, list(dict.fromkeys(sku_ids)))


async def best_seller_ids(session: AsyncSession, limit: int) -> list[int]:
    """On-sale products by sales count, then id: the shelf of last resort before any training."""
    return await repo.best_seller_ids(session, limit)
