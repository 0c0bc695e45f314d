"""Search handlers and jobs: catalog events become rows of the change feed (``search_change``),
which every server process follows (``runtime.py``); old rows are deleted hourly."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.catalog.public import PRODUCT_CHANGED, PRODUCTS_IMPORTED
from shoplet.modules.search import images, vectors
from shoplet.modules.search import repository as repo
from shoplet.modules.search.clicks import rollup as rollup_search_clicks

CHANGE_RETENTION = timedelta(days=1)
log = structlog.get_logger("shoplet.search")


@subscriber(PRODUCT_CHANGED, name="search.product_changed")
async def product_changed(event: Event, session: AsyncSession) -> None:
    """A product was created, edited, repriced, published or withdrawn: re-read everywhere."""
    await repo.add_changes(session, "product", [int(event.payload["product_id"])], utcnow())


@subscriber(PRODUCTS_IMPORTED, name="search.products_imported")
async def products_imported(event: Event, session: AsyncSession) -> None:
    """An import or a stock import wrote a batch of products."""
    ids = sorted({int(p) for p in event.payload.get("product_ids", [])})
    await repo.add_changes(session, "product", ids, utcnow())


@periodic(every_seconds=3600, name="search.cleanup_changes")
async def cleanup_changes(ctx: AppContext) -> None:
    """Drop change-feed rows older than a day (every process has long applied them)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.delete_changes_before(session, utcnow() - CHANGE_RETENTION)


@periodic(every_seconds=300, name="search.rollup_clicks")
async def rollup_clicks(ctx: AppContext) -> None:
    """Rewrite the last days of the click-through rollup (``search_daily``, ``clicks.py``)."""
    await rollup_search_clicks(ctx)


@periodic(every_seconds=5, name="search.embed_products")
async def embed_products(ctx: AppContext) -> None:
    """Product vectors for semantic search: a full pass (resumed run after run), then the
    products of the change feed; only texts whose hash changed are embedded (``vectors.py``)."""
    report = await vectors.sync_vectors(ctx)
    if report.embedded:
        log.info("search_vectors_synced", checked=report.checked, embedded=report.embedded)


@periodic(every_seconds=10, name="search.image_features")
async def image_features(ctx: AppContext) -> None:
    """Image features for search by photo: a full pass (resumed run after run), then the
    products of the change feed; only products whose first image changed (``images.py``)."""
    report = await images.sync_images(ctx)
    if report.computed or report.removed:
        log.info("search_images_synced", computed=report.computed, removed=report.removed)
