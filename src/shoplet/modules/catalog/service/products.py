"""Managing products in the console: creating and changing a product with its SKUs, its status, the
lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import (
    CategoryNotFound,
    InvalidSkuMatrix,
    InvalidStatus,
    ProductNotFound,
    SkuNotFound,
    StockNotEditable,
)
from shoplet.modules.catalog.models import Product, Sku
from shoplet.modules.catalog.richtext import render_description
from shoplet.modules.catalog.schemas import (
    PRODUCT_STATUSES,
    ProductAdmin,
    ProductCreate,
    ProductUpdate,
    SkuAdmin,
    SkuUpdate,
    Spec,
)
from shoplet.modules.inventory import public as inventory

from ._common import SpecPairs, _announce, _invalidate_product, _keyword
from .categories import _require_category
from .creation import (
    ProductExtras,
    _build_product,
    _check_barcodes_free,
    _check_new_product,
    _flush_skus,
    _new_sku,
    _resolve_media,
)
from .media import all_image_sets, apply_product_media, resolve_product_media
from .price_changes import SOURCE_CONSOLE, history_rows, prices_of
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

# ---------------------------------------------------------------------------------------------
# Products: management


def _to_admin(product: Product, levels: Mapping[int, inventory.StockLevel]) -> ProductAdmin:
    skus = []
    for sku in product.skus:
        level = levels.get(sku.id)
        skus.append(
            SkuAdmin(
                id=sku.id,
                specs=[Spec(name=n, value=v) for n, v in spec_pairs(sku.specs)],
                price=sku.price,
                original_price=sku.original_price,
                barcode=sku.barcode,
                sku_code=sku.sku_code,
                weight_grams=sku.weight_grams,
                cost_price=sku.cost_price,
                is_active=sku.is_active,
                image=sku.image,
                on_hand=level.on_hand if level else 0,
                reserved=level.reserved if level else 0,
                available=level.available if level else 0,
            )
        )
    return ProductAdmin(
        id=product.id,
        category_id=product.category_id,
        title=product.title,
        subtitle=product.subtitle,
        brand=product.brand or "",
        tags=list(product.tags or []),
        description=render_description(product.description),
        images=list(product.images),
        turntable_images=list(product.turntable_images),
        detail_images=list(product.detail_images or []),
        video_url=product.video_url,
        video_poster=product.video_poster,
        image_sets=all_image_sets(product),
        status=product.status,  # type: ignore[arg-type]  # CHECK constraint keeps it in range
        sales_count=product.sales_count,
        min_price=product.min_price,
        max_price=product.max_price,
        original_price=product.list_original_price,
        created_at=product.created_at,
        updated_at=product.updated_at,
        published_at=product.published_at,
        skus=skus,
    )


async def get_product_admin(session: AsyncSession, product_id: int) -> ProductAdmin:
    product = await repo.get_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    levels = await inventory.get_levels(session, [s.id for s in product.skus])
    return _to_admin(product, levels)


async def create_product(
    session: AsyncSession,
    data: ProductCreate,
    *,
    actor: str,
    now: datetime | None = None,
    extras: ProductExtras | None = None,
) -> ProductAdmin:
    """Create a product, its SKUs and their initial stock. ``now`` sets the creation time
    (imports and the demo seed back-date products); ``extras`` as for
    :func:`create_product_rows`."""
    product = await create_product_rows(session, data, actor=actor, now=now, extras=extras)
    return await get_product_admin(session, product.id)


async def create_product_rows(
    session: AsyncSession,
    data: ProductCreate,
    *,
    actor: str,
    now: datetime | None = None,
    extras: ProductExtras | None = None,
) -> Product:
    """:func:`create_product` without reading the product back: returns the flushed row with
    its SKUs, in the order of ``data.skus``. ``extras`` carries what only imports set (brand,
    tags, the SKUs' merchant codes)."""
    product = _check_new_product(data)
    await _require_category(session, data.category_id)
    await _check_barcodes_free(session, {s.barcode: None for s in product.skus if s.barcode}, set())
    _build_product(product, data, await _resolve_media(session, data), now or utcnow(), extras)
    repo.add(session, product)
    await _flush_skus(session)
    for sku, sku_in in zip(product.skus, data.skus, strict=True):
        await inventory.set_initial_stock(session, sku_id=sku.id, on_hand=sku_in.stock, actor=actor)
    _invalidate_product(session, product)
    await _announce(session, product, "created")
    return product


@dataclass
class _SkuPlan:
    data: SkuUpdate
    pairs: SpecPairs
    original_price: int
    existing: Sku | None


def _plan_skus(product: Product, incoming: Sequence[SkuUpdate]) -> list[_SkuPlan]:
    """Match each incoming SKU to an existing one (by id, else barcode, else specs) or none."""
    combos = [spec_pairs(s.specs) for s in incoming]
    validate_sku_matrix(combos)
    if not any(s.is_active for s in incoming):
        raise InvalidSkuMatrix("at least one SKU must stay active")
    originals = [
        resolve_original_price(s.price, s.original_price, i) for i, s in enumerate(incoming)
    ]
    check_barcodes_unique([s.barcode for s in incoming])

    by_id = {s.id: s for s in product.skus}
    claimed: set[int] = set()
    matches: list[Sku | None] = []
    for sku_in in incoming:
        if sku_in.id is None:
            matches.append(None)
            continue
        existing = by_id.get(sku_in.id)
        if existing is None:
            raise SkuNotFound(f"SKU {sku_in.id} is not a SKU of product {product.id}")
        if existing.id in claimed:
            raise InvalidSkuMatrix(f"SKU {sku_in.id} is listed twice")
        claimed.add(existing.id)
        matches.append(existing)
    for index, sku_in in enumerate(incoming):
        if matches[index] is not None:
            continue
        key = spec_key(combos[index])
        candidates = [s for s in product.skus if s.id not in claimed]
        found = next(
            (s for s in candidates if sku_in.barcode and s.barcode == sku_in.barcode), None
        ) or next(
            (s for s in sorted(candidates, key=lambda s: not s.is_active) if s.spec_key == key),
            None,
        )
        if found is not None:
            claimed.add(found.id)
            matches[index] = found
    plans = []
    for sku_in, pairs, original, existing in zip(incoming, combos, originals, matches, strict=True):
        if existing is not None and sku_in.stock is not None:
            raise StockNotEditable(
                f"SKU {existing.id} exists: change its stock with a stock adjustment"
            )
        plans.append(_SkuPlan(sku_in, pairs, original, existing))
    return plans


async def _apply_sku_plans(
    session: AsyncSession, product: Product, plans: Sequence[_SkuPlan]
) -> list[tuple[Sku, int]]:
    """Write the planned SKUs; returns the new SKUs with their initial stock."""
    wanted = {
        p.data.barcode: (p.existing.id if p.existing else None)
        for p in plans
        if p.data.barcode is not None
    }
    kept = {p.existing.id for p in plans if p.existing is not None}
    releasing = {
        p.existing.id
        for p in plans
        if p.existing is not None and p.existing.barcode != p.data.barcode
    }
    await _check_barcodes_free(session, wanted, releasing)
    # Everything is valid: write. Barcodes that move between SKUs are cleared first, so the
    # unique index never sees one barcode on two rows mid-update.
    if releasing:
        for sku in product.skus:
            if sku.id in releasing:
                sku.barcode = None
        await _flush_skus(session)
    for sku in product.skus:
        if sku.id not in kept:
            sku.is_active = False
    new_skus: list[tuple[Sku, int]] = []
    for plan in plans:
        if plan.existing is None:
            sku = _new_sku(plan.data, plan.pairs, plan.original_price)
            product.skus.append(sku)
            new_skus.append((sku, plan.data.stock or 0))
            continue
        sku = plan.existing
        sku.specs = [{"name": n, "value": v} for n, v in plan.pairs]
        sku.spec_key = spec_key(plan.pairs)
        sku.price = plan.data.price
        sku.original_price = plan.original_price
        sku.barcode = plan.data.barcode
        sku.weight_grams = plan.data.weight_grams
        sku.cost_price = plan.data.cost_price
        sku.image = plan.data.image
        sku.is_active = plan.data.is_active
    for field, value in _price_fields(product.skus).items():
        setattr(product, field, value)
    return new_skus


_MEDIA_FIELDS = frozenset(
    {"images", "turntable_images", "detail_images", "video_url", "video_poster"}
)


async def update_product(
    session: AsyncSession,
    product_id: int,
    data: ProductUpdate,
    *,
    actor: str,
    now: datetime | None = None,
    price_source: str = SOURCE_CONSOLE,
) -> ProductAdmin:
    """Update the fields given; ``skus`` (when given) is the complete SKU list (see SkuUpdate).
    SKUs whose price changes get a price history row from ``price_source``."""
    now = now or utcnow()
    product = await repo.lock_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    plans = _plan_skus(product, data.skus) if data.skus is not None else None
    old_barcodes = [s.barcode for s in product.skus]
    old_prices = prices_of(product.skus)
    images = data.images if data.images is not None else product.images
    status = data.status or product.status
    if status == "on_sale":
        active = (
            sum(p.data.is_active for p in plans)
            if plans is not None
            else sum(s.is_active for s in product.skus)
        )
        check_publishable(images, active)
    if data.category_id is not None and data.category_id != product.category_id:
        await _require_category(session, data.category_id)
    given = data.model_fields_set
    video_url = data.video_url if "video_url" in given else product.video_url
    video_poster = data.video_poster if "video_poster" in given else product.video_poster
    detail_images = (
        data.detail_images if data.detail_images is not None else product.detail_images or []
    )
    resolved = None
    if plans is not None or given & _MEDIA_FIELDS:
        resolved = await resolve_product_media(
            session,
            images=images,
            turntable_images=(
                data.turntable_images
                if data.turntable_images is not None
                else product.turntable_images
            ),
            detail_images=detail_images,
            video_url=video_url,
            video_poster=video_poster,
            sku_images=[p.data.image for p in plans] if plans is not None else [],
        )
    new_skus = await _apply_sku_plans(session, product, plans) if plans is not None else []
    for field in ("category_id", "title", "subtitle", "description"):
        value = getattr(data, field)
        if value is not None:
            setattr(product, field, value)
    if data.images is not None:
        product.images = list(data.images)
    if data.turntable_images is not None:
        product.turntable_images = list(data.turntable_images)
    if resolved is not None:
        product.detail_images = list(detail_images)
        product.video_url = video_url
        product.video_poster = video_poster
        apply_product_media(product, resolved)
    _apply_status(product, status, now)
    product.updated_at = now
    await _flush_skus(session)
    await repo.add_price_history(
        session,
        history_rows(
            product.id, old_prices, product.skus, source=price_source, actor=actor, now=now
        ),
    )
    for sku, stock in new_skus:
        await inventory.set_initial_stock(session, sku_id=sku.id, on_hand=stock, actor=actor)
    _invalidate_product(session, product, *old_barcodes)
    await _announce(session, product, "updated")
    return await get_product_admin(session, product.id)


async def set_product_status(
    session: AsyncSession,
    product_id: int,
    status: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> ProductAdmin:
    """Publish (``on_sale``), withdraw (``off_sale``) or send back to ``draft``."""
    if status not in PRODUCT_STATUSES:
        raise InvalidStatus(f"status must be one of {', '.join(PRODUCT_STATUSES)}")
    now = now or utcnow()
    product = await repo.lock_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    if status == "on_sale":
        check_publishable(product.images, sum(s.is_active for s in product.skus))
    if product.status != status:
        _apply_status(product, status, now)
        product.updated_at = now
        await session.flush()
        _invalidate_product(session, product)
        await _announce(session, product, "status")
    levels = await inventory.get_levels(session, [s.id for s in product.skus])
    return _to_admin(product, levels)


async def list_products_admin(
    session: AsyncSession,
    *,
    q: str | None,
    status: str | None,
    category_id: int | None,
    cursor: str | None,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[ProductAdmin], str | None]:
    """Every product (any status), newest id first, for the console; created in
    ``[since, until)`` when given."""
    limit = max(1, min(limit, 100))
    where: list[ColumnElement[bool]] = []
    if status is not None:
        if status not in PRODUCT_STATUSES:
            raise InvalidStatus(f"status must be one of {', '.join(PRODUCT_STATUSES)}")
        where.append(Product.status == status)
    if category_id is not None:
        ids = await repo.category_and_children_ids(session, category_id, active_only=False)
        if not ids:
            raise CategoryNotFound(f"category {category_id} does not exist")
        where.append(Product.category_id.in_(ids))
    if q:
        where.append(_keyword(q))
    if since is not None:
        where.append(Product.created_at >= since)
    if until is not None:
        where.append(Product.created_at < until)
    if cursor is not None:
        where.append(Product.id < decode_id_cursor(cursor))
    products = await repo.list_products(session, where=where, limit=limit + 1)
    page = products[:limit]
    levels = await inventory.get_levels(session, [s.id for p in page for s in p.skus])
    next_cursor = encode_id_cursor(page[-1].id) if len(products) > limit else None
    return [_to_admin(p, levels) for p in page], next_cursor


async def has_products(session: AsyncSession) -> bool:
    return await repo.has_products(session)
