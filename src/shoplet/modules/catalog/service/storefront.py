"""The storefront reads: product lists with their sorts and cursors, a product's detail, lookup by
barcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import Cache, to_json_bytes
from shoplet.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import (
    BarcodeNotFound,
    CategoryNotFound,
    InvalidPriceRange,
    ProductNotFound,
)
from shoplet.modules.catalog.models import Product
from shoplet.modules.catalog.richtext import render_description
from shoplet.modules.catalog.schemas import (
    BarcodeMatch,
    ProductDetail,
    ProductPage,
    ProductSort,
    ProductSummary,
    SkuPublic,
    Spec,
)
from shoplet.modules.inventory import public as inventory

from ._common import CACHE_BARCODE, DETAIL_TTL, _keyword, _matched_ids
from .media import image_set_of, image_sets_for, video_of
from .models3d import model3d_of
from .rules import spec_options, spec_pairs

# ---------------------------------------------------------------------------------------------
# Storefront reads

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class _Sort:
    column: Any
    descending: bool
    is_time: bool = False


SORTS: dict[str, _Sort] = {
    # "综合": most recently published first.
    "default": _Sort(Product.published_at, descending=True, is_time=True),
    "sales": _Sort(Product.sales_count, descending=True),
    "price_asc": _Sort(Product.min_price, descending=False),
    "price_desc": _Sort(Product.min_price, descending=True),
    "newest": _Sort(Product.created_at, descending=True, is_time=True),
}


def _encode_key(value: Any, sort: _Sort) -> int:
    if sort.is_time:
        return int((value - _EPOCH) // _MICROSECOND)
    return int(value)


def _decode_sort_cursor(cursor: str, sort_name: str) -> tuple[Any, int]:
    name, key, last_id = decode_cursor(cursor, length=3)
    if name != sort_name or not isinstance(key, int) or not isinstance(last_id, int):
        raise InvalidCursor("cursor is not one this API issued (or for another sort)")
    sort = SORTS[sort_name]
    if sort.is_time:
        try:
            return _EPOCH + key * _MICROSECOND, last_id
        except OverflowError as exc:
            raise InvalidCursor("cursor is not one this API issued") from exc
    return key, last_id


async def list_products(
    session: AsyncSession,
    *,
    category_id: int | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    q: str | None = None,
    sort: ProductSort = "default",
    cursor: str | None = None,
    limit: int = 20,
) -> ProductPage:
    """On-sale products for the storefront, keyset-paged in ``sort`` order (ties by id)."""
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidPriceRange(f"min_price {min_price} is above max_price {max_price}")
    spec = SORTS[sort]
    where: list[ColumnElement[bool]] = [Product.status == "on_sale"]
    if category_id is not None:
        ids = await repo.category_and_children_ids(session, category_id, active_only=True)
        if not ids:
            raise CategoryNotFound(f"category {category_id} does not exist")
        where.append(Product.category_id.in_(ids))
    if min_price is not None:
        where.append(Product.min_price >= min_price)
    if max_price is not None:
        where.append(Product.min_price <= max_price)
    if q:
        matched = _matched_ids(q)
        where.append(_keyword(q) if matched is None else Product.id.in_(matched))
    column = spec.column
    if cursor is not None:
        key, last_id = _decode_sort_cursor(cursor, sort)
        if spec.descending:
            where.append(or_(column < key, and_(column == key, Product.id < last_id)))
        else:
            where.append(or_(column > key, and_(column == key, Product.id > last_id)))
    order = (
        (column.desc(), Product.id.desc()) if spec.descending else (column.asc(), Product.id.asc())
    )
    rows = await repo.list_summaries(
        session, where=where, order_by=order, limit=limit + 1, sort_key=column
    )
    page = rows[:limit]
    # Columns straight from typed SQL rows: construct without re-validating (a cache fill's
    # CPU, on every list page); the response schema is still ProductSummary's.
    items = [
        ProductSummary.model_construct(
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
        for r in page
    ]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([sort, _encode_key(last.sort_key, spec), last.id])
    return ProductPage(items=items, next_cursor=next_cursor)


async def _detail(
    session: AsyncSession, product: Product, *, stock: int | None = None
) -> ProductDetail:
    active = [s for s in product.skus if s.is_active]
    levels = (
        {} if stock is not None else await inventory.get_levels(session, [s.id for s in active])
    )
    combos = [spec_pairs(s.specs) for s in active]
    return ProductDetail(
        id=product.id,
        category_id=product.category_id,
        title=product.title,
        subtitle=product.subtitle,
        description=render_description(product.description),
        images=list(product.images),
        turntable_images=list(product.turntable_images),
        gallery=image_sets_for(product, product.images),
        detail_images=image_sets_for(product, product.detail_images or []),
        video=video_of(product),
        model3d=model3d_of(product.model3d),
        price=product.min_price,
        max_price=product.max_price,
        original_price=product.list_original_price,
        sales_count=product.sales_count,
        specs=spec_options(combos),
        skus=[
            SkuPublic(
                id=sku.id,
                specs=[Spec(name=n, value=v) for n, v in pairs],
                price=sku.price,
                original_price=sku.original_price,
                barcode=sku.barcode,
                available=stock
                if stock is not None
                else (levels[sku.id].available if sku.id in levels else 0),
                image=sku.image,
            )
            for sku, pairs in zip(active, combos, strict=True)
        ],
    )


async def get_product_detail(
    session: AsyncSession, product_id: int, *, stock: int | None = None
) -> ProductDetail:
    """``stock``: that figure as every SKU's ``available`` instead of reading the stock (the
    cached body's placeholder, service/detail_parts.py)."""
    product = await repo.get_product(session, product_id, status="on_sale")
    if product is None:
        raise ProductNotFound(f"product {product_id} is not on sale")
    return await _detail(session, product, stock=stock)


async def get_product_by_barcode(session: AsyncSession, barcode: str) -> BarcodeMatch:
    found = await repo.find_sku_by_barcode(session, barcode)
    if found is None:
        raise BarcodeNotFound(f"no product on sale has barcode {barcode}")
    sku_id, product_id = found
    product = await repo.get_product(session, product_id, status="on_sale")
    if product is None:  # withdrawn between the two reads
        raise BarcodeNotFound(f"no product on sale has barcode {barcode}")
    detail = await _detail(session, product)
    return BarcodeMatch.model_construct(**dict(detail), sku_id=sku_id)


async def cached_product_by_barcode(
    cache: Cache, session: AsyncSession, barcode: str
) -> dict[str, Any]:
    """The storefront's barcode look-up (``GET /products/by-barcode/{code}``) for another module:
    the same ``catalog_barcode`` cache entry, decoded; 404 ``catalog.barcode_not_found``."""

    async def load() -> bytes | None:
        try:
            return to_json_bytes(await get_product_by_barcode(session, barcode))
        except BarcodeNotFound:
            return None

    entry = await cache.get_or_load_entry(CACHE_BARCODE, barcode, load, ttl=DETAIL_TTL)
    if entry.body is None:
        raise BarcodeNotFound(f"no product on sale has barcode {barcode}")
    found: dict[str, Any] = orjson.loads(entry.body)
    return found


# ---------------------------------------------------------------------------------------------
# What search indexes


@dataclass(frozen=True, slots=True)
class SearchSource:
    """A product as the search module indexes it (``on_sale`` False: drop it from the index)."""

    id: int
    title: str
    subtitle: str
    brand: str
    tags: tuple[str, ...]
    category_id: int
    # The category and its parent (filters match either), and their names (indexed).
    category_ids: tuple[int, ...]
    category_names: tuple[str, ...]
    image: str | None
    image_set: dict[str, Any] | None
    price: int
    original_price: int
    sales_count: int
    created_at: datetime
    on_sale: bool
    sku_ids: tuple[int, ...]


async def search_sources(
    session: AsyncSession,
    *,
    product_ids: list[int] | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[SearchSource]:
    """The given products (any status), or the next ``limit`` on-sale ones after ``after_id``,
    in id order: three statements per call."""
    rows = await repo.search_rows(session, product_ids=product_ids, after_id=after_id, limit=limit)
    if not rows:
        return []
    categories = {r.id: r for r in await repo.category_rows(session)}
    skus: dict[int, list[int]] = {}
    for sku in await repo.active_sku_ids_of(session, [r.id for r in rows]):
        skus.setdefault(sku.product_id, []).append(sku.id)
    out: list[SearchSource] = []
    for r in rows:
        chain: list[Any] = []
        category = categories.get(r.category_id)
        while category is not None and len(chain) < 3:
            chain.append(category)
            category = categories.get(category.parent_id) if category.parent_id else None
        visible = all(c.is_active for c in chain)
        out.append(
            SearchSource(
                id=r.id,
                title=r.title,
                subtitle=r.subtitle or "",
                brand=r.brand or "",
                tags=tuple(r.tags or ()),
                category_id=r.category_id,
                category_ids=tuple(c.id for c in chain),
                category_names=tuple(c.name for c in chain),
                image=r.images[0] if r.images else None,
                image_set=r.cover,
                price=r.min_price,
                original_price=r.list_original_price,
                sales_count=r.sales_count,
                created_at=r.created_at,
                on_sale=r.status == "on_sale" and visible,
                sku_ids=tuple(sorted(skus.get(r.id, ()))),
            )
        )
    return out
