"""Catalog business rules: the SKU matrix, price denormalisation, publishing, storefront reads.

Writes validate everything before touching a row, so a rejected request leaves nothing behind
even if the caller commits. Product writes take the product row lock (``lock_product``) first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.cache import invalidate_after_commit
from shoplet.core.db import utcnow
from shoplet.core.pagination import (
    InvalidCursor,
    decode_cursor,
    decode_id_cursor,
    encode_cursor,
    encode_id_cursor,
)
from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import (
    BarcodeNotFound,
    BarcodeTaken,
    CategoryNotFound,
    CategoryTooDeep,
    InvalidOriginalPrice,
    InvalidPriceRange,
    InvalidSkuMatrix,
    InvalidStatus,
    NotPublishable,
    ProductNotFound,
    SkuNotFound,
    StockNotEditable,
)
from shoplet.modules.catalog.models import Category as CategoryRow
from shoplet.modules.catalog.models import Product, Sku
from shoplet.modules.catalog.schemas import (
    PRODUCT_STATUSES,
    BarcodeMatch,
    Category,
    CategoryCreate,
    CategoryUpdate,
    ProductAdmin,
    ProductCreate,
    ProductDetail,
    ProductPage,
    ProductSort,
    ProductSummary,
    ProductUpdate,
    SkuAdmin,
    SkuCreate,
    SkuPublic,
    SkuSnapshot,
    SkuUpdate,
    Spec,
    SpecOption,
)
from shoplet.modules.inventory import public as inventory

SpecPairs = tuple[tuple[str, str], ...]

# ---------------------------------------------------------------------------------------------
# Cache of the storefront reads (api.py): namespaces, and what every write drops after commit.
#
# - ``catalog_product`` (detail by product id) and ``catalog_barcode`` (by barcode) show stock,
#   which changes with every order: they live only DETAIL_TTL seconds instead of being dropped
#   on each reservation (inventory knows no catalog, and a hot product would be invalidated on
#   every order of a sale, on every replica, exactly when its cache matters). Orders re-check
#   stock atomically, so a figure a few seconds old can never oversell. Catalog writes still
#   drop them at once. Worst-case stock age: DETAIL_TTL (+10 % jitter) embedded; twice that
#   with Redis, where an L1 may be refilled from an L2 entry near the end of its life.
# - ``catalog_products`` (list pages by query) and ``catalog_categories`` (the tree) carry no
#   stock: catalog writes drop them after commit; sales counts refresh within LIST_TTL.

CACHE_PRODUCT = "catalog_product"
CACHE_BARCODE = "catalog_barcode"
CACHE_PRODUCT_LIST = "catalog_products"
CACHE_CATEGORIES = "catalog_categories"
CATEGORY_TREE_KEY = "tree"
DETAIL_TTL = 3.0
LIST_TTL = 60.0
CATEGORIES_TTL = 300.0


def _invalidate_product(session: AsyncSession, product: Product, *barcodes: str | None) -> None:
    """After commit: the product's detail, every list page, and its barcodes (old and new, so
    a barcode that moved or was cached as unknown is looked up afresh)."""
    invalidate_after_commit(session, CACHE_PRODUCT, product.id)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)
    for barcode in {*barcodes, *(s.barcode for s in product.skus)}:
        if barcode is not None:
            invalidate_after_commit(session, CACHE_BARCODE, barcode)


def _invalidate_categories(session: AsyncSession) -> None:
    """After commit: the tree and the list pages (a category filter depends on the tree)."""
    invalidate_after_commit(session, CACHE_CATEGORIES, CATEGORY_TREE_KEY)
    invalidate_after_commit(session, CACHE_PRODUCT_LIST)


# ---------------------------------------------------------------------------------------------
# Pure rules (no database)


def spec_pairs(specs: Sequence[Any]) -> SpecPairs:
    """Specs as (name, value) pairs, from request models or stored dicts."""
    pairs = []
    for spec in specs:
        if isinstance(spec, Mapping):
            pairs.append((str(spec["name"]), str(spec["value"])))
        else:
            pairs.append((spec.name, spec.value))
    return tuple(pairs)


def spec_key(pairs: SpecPairs) -> str:
    """Canonical, collision-free key of a spec combination (values may contain any text)."""
    return orjson.dumps([list(p) for p in pairs]).decode()


def spec_text(pairs: SpecPairs) -> str:
    """``颜色:黑 / 尺码:M`` (empty for a product without specs)."""
    return " / ".join(f"{name}:{value}" for name, value in pairs)


def validate_sku_matrix(combinations: Sequence[SpecPairs]) -> None:
    """Every SKU has the same spec names in the same order, no name twice, and no combination
    twice (so a shopper's pick of one value per name identifies exactly one SKU)."""
    if not combinations:
        raise InvalidSkuMatrix("a product needs at least one SKU")
    names = tuple(name for name, _ in combinations[0])
    if len(set(names)) != len(names):
        raise InvalidSkuMatrix(f"spec names repeat within a SKU: {', '.join(names)}")
    seen: set[SpecPairs] = set()
    for index, pairs in enumerate(combinations):
        these = tuple(name for name, _ in pairs)
        if these != names:
            raise InvalidSkuMatrix(
                f"SKU #{index + 1} has specs ({', '.join(these) or 'none'}); every SKU needs "
                f"({', '.join(names) or 'none'}) in that order"
            )
        if pairs in seen:
            raise InvalidSkuMatrix(
                f"SKU #{index + 1} repeats the combination {spec_text(pairs) or '(no specs)'}"
            )
        seen.add(pairs)


def spec_options(combinations: Sequence[SpecPairs]) -> list[SpecOption]:
    """Spec dimensions with their values in first-seen order, for the SKU picker."""
    values: dict[str, list[str]] = {}
    for pairs in combinations:
        for name, value in pairs:
            bucket = values.setdefault(name, [])
            if value not in bucket:
                bucket.append(value)
    return [SpecOption(name=name, values=vals) for name, vals in values.items()]


def resolve_original_price(price: int, original_price: int | None, index: int) -> int:
    if original_price is None:
        return price
    if original_price < price:
        raise InvalidOriginalPrice(
            f"SKU #{index + 1}: original price {original_price} is below price {price}"
        )
    return original_price


def check_barcodes_unique(barcodes: Sequence[str | None]) -> None:
    seen: set[str] = set()
    for barcode in barcodes:
        if barcode is None:
            continue
        if barcode in seen:
            raise BarcodeTaken(f"barcode {barcode} is given to two SKUs", barcode=barcode)
        seen.add(barcode)


def check_publishable(images: Sequence[str], active_skus: int) -> None:
    if not images:
        raise NotPublishable("a product on sale needs at least one image")
    if active_skus == 0:
        raise NotPublishable("a product on sale needs at least one active SKU")


def _price_fields(skus: Sequence[Sku]) -> dict[str, int]:
    active = [s for s in skus if s.is_active] or list(skus)
    cheapest = min(active, key=lambda s: (s.price, s.id or 0))
    return {
        "min_price": cheapest.price,
        "max_price": max(s.price for s in active),
        "list_original_price": cheapest.original_price,
    }


def _apply_status(product: Product, status: str, now: datetime) -> None:
    if status == "on_sale" and product.status != "on_sale":
        product.published_at = now
    product.status = status


# ---------------------------------------------------------------------------------------------
# Categories


def _category_tree(rows: Sequence[CategoryRow], *, active_only: bool) -> list[Category]:
    visible = [r for r in rows if r.is_active or not active_only]
    tops = [
        Category(
            id=r.id,
            parent_id=None,
            name=r.name,
            icon=r.icon,
            sort_order=r.sort_order,
            is_active=r.is_active,
        )
        for r in visible
        if r.parent_id is None
    ]
    by_id = {c.id: c for c in tops}
    for r in visible:
        if r.parent_id is not None and r.parent_id in by_id:
            by_id[r.parent_id].children.append(
                Category(
                    id=r.id,
                    parent_id=r.parent_id,
                    name=r.name,
                    icon=r.icon,
                    sort_order=r.sort_order,
                    is_active=r.is_active,
                )
            )
    return tops


async def list_categories(session: AsyncSession, *, active_only: bool = False) -> list[Category]:
    """The category tree (top level with children), by ``sort_order`` then id."""
    return _category_tree(await repo.list_categories(session), active_only=active_only)


def _category_out(row: CategoryRow) -> Category:
    return Category(
        id=row.id,
        parent_id=row.parent_id,
        name=row.name,
        icon=row.icon,
        sort_order=row.sort_order,
        is_active=row.is_active,
    )


async def create_category(session: AsyncSession, data: CategoryCreate) -> Category:
    if data.parent_id is not None:
        parent = await repo.get_category(session, data.parent_id)
        if parent is None:
            raise CategoryNotFound(f"category {data.parent_id} does not exist")
        if parent.parent_id is not None:
            raise CategoryTooDeep("a sub-category cannot have children")
    row = CategoryRow(
        parent_id=data.parent_id,
        name=data.name,
        icon=data.icon,
        sort_order=data.sort_order,
        is_active=data.is_active,
    )
    repo.add(session, row)
    await session.flush()
    _invalidate_categories(session)
    return _category_out(row)


async def update_category(
    session: AsyncSession, category_id: int, data: CategoryUpdate
) -> Category:
    row = await repo.get_category(session, category_id)
    if row is None:
        raise CategoryNotFound(f"category {category_id} does not exist")
    for field in ("name", "icon", "sort_order", "is_active"):
        if field in data.model_fields_set and (field == "icon" or getattr(data, field) is not None):
            setattr(row, field, getattr(data, field))
    await session.flush()
    _invalidate_categories(session)
    return _category_out(row)


async def _require_category(session: AsyncSession, category_id: int) -> None:
    if await repo.get_category(session, category_id) is None:
        raise CategoryNotFound(f"category {category_id} does not exist")


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
                weight_grams=sku.weight_grams,
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
        description=product.description,
        images=list(product.images),
        turntable_images=list(product.turntable_images),
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


async def get_product_admin(session: AsyncSession, product_id: int) -> ProductAdmin:
    product = await repo.get_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    levels = await inventory.get_levels(session, [s.id for s in product.skus])
    return _to_admin(product, levels)


async def create_product(
    session: AsyncSession, data: ProductCreate, *, actor: str, now: datetime | None = None
) -> ProductAdmin:
    """Create a product, its SKUs and their initial stock. ``now`` sets the creation time
    (imports and the demo seed back-date products)."""
    now = now or utcnow()
    combos = [spec_pairs(s.specs) for s in data.skus]
    validate_sku_matrix(combos)
    originals = [
        resolve_original_price(s.price, s.original_price, i) for i, s in enumerate(data.skus)
    ]
    barcodes = [s.barcode for s in data.skus]
    check_barcodes_unique(barcodes)
    if data.status == "on_sale":
        check_publishable(data.images, len(data.skus))
    await _require_category(session, data.category_id)
    await _check_barcodes_free(session, {b: None for b in barcodes if b is not None}, set())

    product = Product(
        category_id=data.category_id,
        title=data.title,
        subtitle=data.subtitle,
        description=data.description,
        images=list(data.images),
        turntable_images=list(data.turntable_images),
        status="draft",
        sales_count=0,
        created_at=now,
        updated_at=now,
        published_at=None,
    )
    _apply_status(product, data.status, now)
    skus = [
        _new_sku(sku, pairs, original)
        for sku, pairs, original in zip(data.skus, combos, originals, strict=True)
    ]
    product.skus = skus
    for field, value in _price_fields(skus).items():
        setattr(product, field, value)
    repo.add(session, product)
    await _flush_skus(session)
    for sku, sku_in in zip(skus, data.skus, strict=True):
        await inventory.set_initial_stock(session, sku_id=sku.id, on_hand=sku_in.stock, actor=actor)
    _invalidate_product(session, product)
    return await get_product_admin(session, product.id)


def _new_sku(data: SkuCreate | SkuUpdate, pairs: SpecPairs, original_price: int) -> Sku:
    return Sku(
        specs=[{"name": n, "value": v} for n, v in pairs],
        spec_key=spec_key(pairs),
        price=data.price,
        original_price=original_price,
        barcode=data.barcode,
        weight_grams=data.weight_grams,
        image=data.image,
        is_active=data.is_active if isinstance(data, SkuUpdate) else True,
    )


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
        sku.image = plan.data.image
        sku.is_active = plan.data.is_active
    for field, value in _price_fields(product.skus).items():
        setattr(product, field, value)
    return new_skus


async def update_product(
    session: AsyncSession,
    product_id: int,
    data: ProductUpdate,
    *,
    actor: str,
    now: datetime | None = None,
) -> ProductAdmin:
    """Update the fields given; ``skus`` (when given) is the complete SKU list (see SkuUpdate)."""
    now = now or utcnow()
    product = await repo.lock_product(session, product_id)
    if product is None:
        raise ProductNotFound(f"product {product_id} does not exist")
    plans = _plan_skus(product, data.skus) if data.skus is not None else None
    old_barcodes = [s.barcode for s in product.skus]
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
    new_skus = await _apply_sku_plans(session, product, plans) if plans is not None else []
    for field in ("category_id", "title", "subtitle", "description"):
        value = getattr(data, field)
        if value is not None:
            setattr(product, field, value)
    if data.images is not None:
        product.images = list(data.images)
    if data.turntable_images is not None:
        product.turntable_images = list(data.turntable_images)
    _apply_status(product, status, now)
    product.updated_at = now
    await _flush_skus(session)
    for sku, stock in new_skus:
        await inventory.set_initial_stock(session, sku_id=sku.id, on_hand=stock, actor=actor)
    _invalidate_product(session, product, *old_barcodes)
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
) -> tuple[list[ProductAdmin], str | None]:
    """Every product (any status), newest id first, for the console."""
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
    if cursor is not None:
        where.append(Product.id < decode_id_cursor(cursor))
    products = await repo.list_products(session, where=where, limit=limit + 1)
    page = products[:limit]
    levels = await inventory.get_levels(session, [s.id for p in page for s in p.skus])
    next_cursor = encode_id_cursor(page[-1].id) if len(products) > limit else None
    return [_to_admin(p, levels) for p in page], next_cursor


async def has_products(session: AsyncSession) -> bool:
    return await repo.has_products(session)


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


def _keyword(q: str) -> ColumnElement[bool]:
    return or_(
        Product.title.icontains(q, autoescape=True),
        Product.subtitle.icontains(q, autoescape=True),
    )


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
        where.append(_keyword(q))
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
            price=r.min_price,
            original_price=r.list_original_price,
            sales_count=r.sales_count,
            category_id=r.category_id,
        )
        for r in page
    ]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([sort, _encode_key(last.sort_key, spec), last.id])
    return ProductPage(items=items, next_cursor=next_cursor)


async def _detail(session: AsyncSession, product: Product) -> ProductDetail:
    active = [s for s in product.skus if s.is_active]
    levels = await inventory.get_levels(session, [s.id for s in active])
    combos = [spec_pairs(s.specs) for s in active]
    return ProductDetail(
        id=product.id,
        category_id=product.category_id,
        title=product.title,
        subtitle=product.subtitle,
        description=product.description,
        images=list(product.images),
        turntable_images=list(product.turntable_images),
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
                available=levels[sku.id].available if sku.id in levels else 0,
                image=sku.image,
            )
            for sku, pairs in zip(active, combos, strict=True)
        ],
    )


async def get_product_detail(session: AsyncSession, product_id: int) -> ProductDetail:
    product = await repo.get_product(session, product_id, status="on_sale")
    if product is None:
        raise ProductNotFound(f"product {product_id} is not on sale")
    return await _detail(session, product)


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
        )
    return out


async def record_sales(session: AsyncSession, quantities: Mapping[int, int]) -> None:
    """``sales_count += units`` per product id (negative for refunds, floored at 0).

    No cache invalidation: this runs on every paid order, and dropping every list page (and
    the product) per order would empty the cache exactly during a sale. Cached details show
    the new count within DETAIL_TTL, lists (and the "sales" order) within LIST_TTL."""
    await repo.add_sales(session, quantities)
