"""Catalog jobs: the console's bulk changes (``catalog.run_bulk_jobs`` in ``bulk.py``), the 360°
sprites of uploaded 3D models (``catalog.render_models``, service/models3d.py), and the cache
drop after a product import. Sales counts are updated in the order's transaction
(:func:`public.record_sales`), so there is nothing to recompute in the background."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.catalog import bulk  # noqa: F401  (bulk registers its job)
from shoplet.modules.catalog.events import PRODUCTS_IMPORTED
from shoplet.modules.catalog.service import (
    CACHE_BARCODE,
    CACHE_CATEGORIES,
    CACHE_PRODUCT,
    CACHE_PRODUCT_LIST,
    CACHE_PRODUCT_STOCK,
    CATEGORY_TREE_KEY,
    render_waiting_models,
)

RENDER_MODELS_JOB = "catalog.render_models"


@periodic(every_seconds=2, name=RENDER_MODELS_JOB)
async def render_models(ctx: AppContext) -> None:
    """Draw the 360° sprite of every uploaded 3D model still waiting for one."""
    await render_waiting_models(ctx)


@subscriber(PRODUCTS_IMPORTED, name="catalog.drop_imported_from_cache")
async def drop_imported_from_cache(event: Event, session: AsyncSession) -> None:
    """An import (maybe in another process) wrote products: drop what this shop cached of them."""
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)
    invalidate_after_commit(session, CACHE_CATEGORIES, CATEGORY_TREE_KEY)
    for product_id in event.payload.get("product_ids", []):
        invalidate_after_commit(session, CACHE_PRODUCT, int(product_id))
        invalidate_after_commit(session, CACHE_PRODUCT_STOCK, int(product_id))
    for barcode in event.payload.get("barcodes", []):
        invalidate_after_commit(session, CACHE_BARCODE, str(barcode))
