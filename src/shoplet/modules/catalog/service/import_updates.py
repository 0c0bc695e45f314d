"""Updating many existing products at once: a product import's batch (``importer.py``, ``shoplet
catalog import --update`` and the console's import jobs).

The console's ``update_product`` reads, checks and writes one product at a time (lock, media,
barcodes, then the product again for its response: ~10 statements a product). A batch here
costs a handful of statements whatever its size: the products and SKUs locked and loaded in id
order in one query, the barcodes of the batch checked in one, the media of each distinct new
image list resolved once (only when the images changed), one flush whose UPDATEs SQLAlchemy
sends as one executemany per set of changed columns, and one multi-row INSERT of price history.
The same rules as the console: spec matrix, original price not below price, barcodes free,
publishable when on sale. It announces nothing (the importer publishes each product's
``catalog.product_changed`` and the batch's ``catalog.products_imported``) and drops the caches
once for the batch.

Every failure names the file line it comes from (``ImportRowFailed``); the caller's transaction
is then rolled back, so a batch is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.db import utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import CategoryNotFound, ImportRowFailed, ProductNotFound
from shoplet.modules.catalog.models import Product, Sku

from ._common import (
    CACHE_BARCODE,
    CACHE_PRODUCT,
    CACHE_PRODUCT_LIST,
    CACHE_PRODUCT_STOCK,
    SpecPairs,
    _announce,
)
from .creation import _check_barcodes_free, _flush_skus
from .media import ProductMedia, apply_product_media, resolve_product_media
from .rules import (
    _price_fields,
    check_publishable,
    resolve_original_price,
    spec_key,
    spec_pairs,
    validate_sku_matrix,
)

PRICE_SOURCE = "import"


@dataclass(frozen=True, slots=True)
class SkuChange:
    """A row of the file: an existing SKU (``sku_id``) or a new one of the product."""

    line: int
    sku_id: int | None
    specs: SpecPairs
    price: int
    original_price: int | None
    barcode: str | None
    sku_code: str | None
    stock: int


@dataclass(frozen=True, slots=True)
class ProductChange:
    """What the file says of an existing product. ``update``: its columns and its existing SKUs
    are written (``--update``); otherwise only its new SKUs are added. A column left ``None``
    keeps the product's value."""

    line: int
    product_id: int
    update: bool
    title: str
    category_id: int
    subtitle: str | None = None
    description: str | None = None
    images: Sequence[str] | None = None
    brand: str | None = None
    tags: Sequence[str] | None = None
    skus: Sequence[SkuChange] = ()


@dataclass(slots=True)
class UpdatedBatch:
    """What the batch wrote: the new SKUs with their line's stock (their stock rows are the
    caller's, through inventory), the existing SKUs the file sets the stock of, the price
    changes recorded."""

    new_skus: list[tuple[Sku, SkuChange]] = field(default_factory=list)
    updated_skus: list[tuple[int, SkuChange]] = field(default_factory=list)
    price_changes: int = 0


def _failed(line: int, column: str | None, exc: ShopletError) -> ImportRowFailed:
    return ImportRowFailed(f"第 {line} 行: {exc.detail}", row=line, column=column, reason=exc.code)


async def update_products_rows(
    session: AsyncSession,
    changes: Sequence[ProductChange],
    *,
    actor: str,
    now: datetime | None = None,
) -> UpdatedBatch:
    """Write ``changes`` (module doc) in the caller's transaction; flush only."""
    now = now or utcnow()
    out = UpdatedBatch()
    if not changes:
        return out
    products = {
        p.id: p
        for p in await repo.lock_products_with_skus(session, [c.product_id for c in changes])
    }
    categories = {c.id for c in await repo.list_categories(session)}
    wanted: dict[str, int | None] = {}
    media: dict[tuple[object, ...], ProductMedia] = {}
    history: list[dict[str, Any]] = []
    old_barcodes: set[str] = set()
    # No flush until every product is changed: the reads in between (media, barcodes) must not
    # split the batch's UPDATEs into one flush per product.
    with session.no_autoflush:
        for change in changes:
            product = products.get(change.product_id)
            try:
                if product is None:
                    raise ProductNotFound(f"product {change.product_id} does not exist")
                old_barcodes.update(s.barcode for s in product.skus if s.barcode)
                history += _apply_skus(product, change, out, wanted, actor=actor, now=now)
                if change.update:
                    await _apply_columns(session, product, change, categories, media)
                else:
                    _check_matrix(product)
            except ImportRowFailed:
                raise
            except ShopletError as exc:
                raise _failed(change.line, None, exc) from exc
            product.updated_at = now
        try:
            await _check_barcodes_free(session, wanted, set())
        except ShopletError as exc:
            barcode = exc.extra.get("barcode")
            line = next(
                (s.line for c in changes for s in c.skus if barcode and s.barcode == barcode),
                changes[0].line,
            )
            raise _failed(line, "barcode", exc) from exc
    try:
        await _flush_skus(session)
    except ShopletError as exc:  # a concurrent writer took a barcode since the check
        raise _failed(changes[0].line, "barcode", exc) from exc
    await repo.add_price_history(session, history)
    out.price_changes = len(history)
    for change in changes:
        await _announce(session, products[change.product_id], "updated")
    _invalidate(session, list(products.values()), old_barcodes)
    return out


def _apply_skus(
    product: Product,
    change: ProductChange,
    out: UpdatedBatch,
    wanted: dict[str, int | None],
    *,
    actor: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Set the file's figures on the product's SKUs and add its new ones; the price history
    rows of the SKUs whose price or original price changed."""
    by_id = {s.id: s for s in product.skus}
    history: list[dict[str, Any]] = []
    for index, row in enumerate(change.skus):
        try:
            original = resolve_original_price(row.price, row.original_price, index)
        except ShopletError as exc:
            raise _failed(row.line, "original_price", exc) from exc
        if row.sku_id is None:
            new = _new_sku_of(row, original)
            product.skus.append(new)
            out.new_skus.append((new, row))
            if row.barcode:
                wanted[row.barcode] = None
            continue
        sku = by_id.get(row.sku_id)
        if sku is None:
            raise _failed(row.line, "sku_code", ProductNotFound(f"SKU {row.sku_id} is gone"))
        if not change.update:
            continue
        change_row = _update_sku(sku, row, original)
        if change_row is not None:
            history.append(
                {**change_row, "product_id": product.id, "actor": actor[:64], "changed_at": now}
            )
        if sku.barcode:
            wanted[sku.barcode] = sku.id
        out.updated_skus.append((sku.id, row))
    for name, value in _price_fields(product.skus).items():
        if getattr(product, name) != value:
            setattr(product, name, value)
    return history


def _update_sku(sku: Sku, row: SkuChange, original: int) -> dict[str, Any] | None:
    """The file's figures on an existing SKU; its price history row when a price changed."""
    changed = None
    if (sku.price, sku.original_price) != (row.price, original):
        changed = {
            "sku_id": sku.id,
            "price_before": sku.price,
            "price_after": row.price,
            "original_price_before": sku.original_price,
            "original_price_after": original,
            "source": PRICE_SOURCE,
        }
        sku.price, sku.original_price = row.price, original
    if row.barcode and row.barcode != sku.barcode:
        sku.barcode = row.barcode
    if row.sku_code and row.sku_code != sku.sku_code:
        sku.sku_code = row.sku_code
    if not sku.is_active:
        sku.is_active = True
    return changed


def _new_sku_of(row: SkuChange, original: int) -> Sku:
    return Sku(
        specs=[{"name": n, "value": v} for n, v in row.specs],
        spec_key=spec_key(row.specs),
        price=row.price,
        original_price=original,
        barcode=row.barcode,
        sku_code=row.sku_code,
        weight_grams=0,
        cost_price=None,
        image=None,
        is_active=True,
    )


def _check_matrix(product: Product) -> None:
    active = [s for s in product.skus if s.is_active]
    validate_sku_matrix([spec_pairs(s.specs) for s in active])


async def _apply_columns(
    session: AsyncSession,
    product: Product,
    change: ProductChange,
    categories: set[int],
    media: dict[tuple[object, ...], ProductMedia],
) -> None:
    """The product's own columns; the media resolved only when its image list changed."""
    _check_matrix(product)
    if change.category_id != product.category_id:
        if change.category_id not in categories:
            raise CategoryNotFound(f"category {change.category_id} does not exist")
        product.category_id = change.category_id
    if change.title != product.title:
        product.title = change.title
    for name in ("subtitle", "description", "brand"):
        value = getattr(change, name)
        if value is not None and value != getattr(product, name):
            setattr(product, name, value)
    if change.tags is not None and list(change.tags) != list(product.tags or []):
        product.tags = list(change.tags)
    active = sum(s.is_active for s in product.skus)
    if change.images is not None and list(change.images) != list(product.images):
        images = list(change.images)
        if product.status == "on_sale":
            check_publishable(images, active)
        key = (
            tuple(images),
            tuple(product.turntable_images or []),
            tuple(product.detail_images or []),
            product.video_url,
            product.video_poster,
            tuple(s.image for s in product.skus),
        )
        if key not in media:
            media[key] = await resolve_product_media(
                session,
                images=images,
                turntable_images=product.turntable_images or [],
                detail_images=product.detail_images or [],
                video_url=product.video_url,
                video_poster=product.video_poster,
                sku_images=[s.image for s in product.skus],
            )
        product.images = images
        apply_product_media(product, media[key])


def _invalidate(session: AsyncSession, products: Sequence[Product], barcodes: set[str]) -> None:
    """After commit, once for the batch: each product's detail, the list pages, the barcodes
    (old and new)."""
    for product in products:
        invalidate_after_commit(session, CACHE_PRODUCT, product.id)
        invalidate_after_commit(session, CACHE_PRODUCT_STOCK, product.id)
        barcodes.update(s.barcode for s in product.skus if s.barcode)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)
    for barcode in sorted(barcodes):
        invalidate_after_commit(session, CACHE_BARCODE, barcode)


__all__ = ["ProductChange", "SkuChange", "UpdatedBatch", "update_products_rows"]
