"""Creating products: the checks and rows shared by the console's editor
(``products.create_product_rows``, one product) and a product import's batch
(``create_products_rows``, many in a handful of statements)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import BarcodeTaken, CategoryNotFound
from shoplet.modules.catalog.models import Product, Sku
from shoplet.modules.catalog.schemas import ProductCreate, SkuCreate, SkuUpdate
from shoplet.modules.inventory import public as inventory

from ._common import SpecPairs, _invalidate_product
from .media import ProductMedia, apply_product_media, resolve_product_media
from .rules import (
    _apply_status,
    _price_fields,
    check_barcodes_unique,
    check_publishable,
    resolve_original_price,
    spec_key,
    spec_pairs,
    validate_sku_matrix,
)


@dataclass(frozen=True, slots=True)
class ProductExtras:
    brand: str = ""
    tags: Sequence[str] = ()
    sku_codes: Sequence[str | None] = ()


async def _flush_skus(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race for a barcode to a concurrent write
        if "barcode" in str(exc.orig):
            raise BarcodeTaken("barcode is already used by another SKU") from exc
        raise


async def _check_barcodes_free(
    session: AsyncSession, wanted: Mapping[str, int | None], releasing: set[int]
) -> None:
    """``wanted`` maps barcode -> the SKU id that will carry it (None: a new SKU). A barcode is
    free if nobody holds it, its future owner holds it, or its holder gives it up."""
    holders = await repo.barcode_holders(session, list(wanted))
    for barcode, holder in holders.items():
        if holder != wanted[barcode] and holder not in releasing:
            raise BarcodeTaken(f"barcode {barcode} is used by SKU {holder}", barcode=barcode)


def _new_sku(data: SkuCreate | SkuUpdate, pairs: SpecPairs, original_price: int) -> Sku:
    return Sku(
        specs=[{"name": n, "value": v} for n, v in pairs],
        spec_key=spec_key(pairs),
        price=data.price,
        original_price=original_price,
        barcode=data.barcode,
        weight_grams=data.weight_grams,
        cost_price=data.cost_price,
        image=data.image,
        is_active=data.is_active if isinstance(data, SkuUpdate) else True,
    )


async def create_products_rows(
    session: AsyncSession,
    items: Sequence[tuple[ProductCreate, ProductExtras | None]],
    *,
    actor: str,
) -> list[Product]:
    """:func:`create_product_rows` for a product import's batch, in a handful of statements
    whatever its size: the same checks per product, then one query per kind for all of them
    (categories, barcodes, the media of each distinct set of images), one batched INSERT per
    table at the flush and the stock through ``inventory.set_initial_stocks``. It announces
    nothing: the import's ``catalog.products_imported`` names the batch's products."""
    now = utcnow()
    products = [_check_new_product(data) for data, _ in items]
    barcodes = [s.barcode for p in products for s in p.skus]
    check_barcodes_unique(barcodes)
    categories = {c.id for c in await repo.list_categories(session)}
    for data, _ in items:
        if data.category_id not in categories:
            raise CategoryNotFound(f"category {data.category_id} does not exist")
    await _check_barcodes_free(session, {b: None for b in barcodes if b is not None}, set())
    media: dict[tuple[object, ...], ProductMedia] = {}
    for product, (data, extras) in zip(products, items, strict=True):
        key = (
            tuple(data.images),
            tuple(data.turntable_images),
            tuple(data.detail_images),
            data.video_url,
            data.video_poster,
            tuple(s.image for s in data.skus),
        )
        if key not in media:
            media[key] = await _resolve_media(session, data)
        _build_product(product, data, media[key], now, extras)
        repo.add(session, product)
    await _flush_skus(session)
    stock = {
        sku.id: sku_in.stock
        for product, (data, _) in zip(products, items, strict=True)
        for sku, sku_in in zip(product.skus, data.skus, strict=True)
    }
    await inventory.set_initial_stocks(session, stock, actor=actor)
    for product in products:
        _invalidate_product(session, product)
    return products


def _check_new_product(data: ProductCreate) -> Product:
    """The checks that need no database; an unsaved product holding the new SKUs."""
    combos = [spec_pairs(s.specs) for s in data.skus]
    validate_sku_matrix(combos)
    originals = [
        resolve_original_price(s.price, s.original_price, i) for i, s in enumerate(data.skus)
    ]
    check_barcodes_unique([s.barcode for s in data.skus])
    if data.status == "on_sale":
        check_publishable(data.images, len(data.skus))
    return Product(
        skus=[
            _new_sku(sku, pairs, original)
            for sku, pairs, original in zip(data.skus, combos, originals, strict=True)
        ]
    )


async def _resolve_media(session: AsyncSession, data: ProductCreate) -> ProductMedia:
    return await resolve_product_media(
        session,
        images=data.images,
        turntable_images=data.turntable_images,
        detail_images=data.detail_images,
        video_url=data.video_url,
        video_poster=data.video_poster,
        sku_images=[s.image for s in data.skus],
    )


def _build_product(
    product: Product,
    data: ProductCreate,
    resolved: ProductMedia,
    now: datetime,
    extras: ProductExtras | None,
) -> None:
    product.category_id = data.category_id
    product.title = data.title
    product.subtitle = data.subtitle
    product.description = data.description
    product.images = list(data.images)
    product.turntable_images = list(data.turntable_images)
    product.detail_images = list(data.detail_images)
    product.video_url = data.video_url
    product.video_poster = data.video_poster
    product.status = "draft"
    product.sales_count = 0
    product.created_at = now
    product.updated_at = now
    product.published_at = None
    apply_product_media(product, resolved)
    _apply_status(product, data.status, now)
    for field, value in _price_fields(product.skus).items():
        setattr(product, field, value)
    if extras is not None:
        product.brand = extras.brand
        product.tags = list(extras.tags)
        for sku, code in zip(product.skus, extras.sku_codes, strict=True):
            sku.sku_code = code
