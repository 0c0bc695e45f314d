"""What other modules ask of the catalog: SKU snapshots for an order, sales counts after payment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.schemas import SkuSnapshot

from .rules import spec_pairs, spec_text

# ---------------------------------------------------------------------------------------------
# For other modules


async def get_sku_snapshots(
    session: AsyncSession, sku_ids: Sequence[int]
) -> dict[int, SkuSnapshot]:
    """What an order line copies at purchase time; unknown ids are absent."""
    if not sku_ids:
        return {}
    out = {}
    for row in await repo.sku_rows(session, sku_ids):
        images = row.images or []
        out[row.id] = SkuSnapshot(
            sku_id=row.id,
            product_id=row.product_id,
            product_title=row.title,
            spec_text=spec_text(spec_pairs(row.specs)),
            image=row.image or (images[0] if images else None),
            price=row.price,
            original_price=row.original_price,
            weight_grams=row.weight_grams,
            is_purchasable=row.status == "on_sale" and row.is_active,
            category_id=row.category_id,
            cost_price=row.cost_price,
        )
    return out


async def record_sales(session: AsyncSession, quantities: Mapping[int, int]) -> None:
    """``sales_count += units`` per product id (negative for refunds, floored at 0).

    No cache invalidation: this runs on every paid order, and dropping every list page (and
    the product) per order would empty the cache exactly during a sale. Cached details show
    the new count within DETAIL_TTL, lists (and the "sales" order) within LIST_TTL."""
    await repo.add_sales(session, quantities)
