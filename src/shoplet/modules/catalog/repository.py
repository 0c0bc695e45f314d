"""Every catalog query. Relationships are ``lazy="raise"``: each query says what it loads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, delete, func, or_, select, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.elements import ColumnElement

from shoplet.modules.catalog.models import (
    BulkJob,
    Category,
    Media,
    PriceHistory,
    Product,
    ProductModel,
    Sku,
)


async def list_categories(session: AsyncSession) -> list[Category]:
    rows = await session.execute(select(Category).order_by(Category.sort_order, Category.id))
    return list(rows.scalars())


async def get_category(session: AsyncSession, category_id: int) -> Category | None:
    return await session.get(Category, category_id)


async def category_has_children(session: AsyncSession, category_id: int) -> bool:
    found = await session.execute(
        select(Category.id).where(Category.parent_id == category_id).limit(1)
    )
    return found.first() is not None


async def category_and_children_ids(
    session: AsyncSession, category_id: int, *, active_only: bool
) -> list[int]:
    """The category and, for a top-level one, its children (one statement)."""
    stmt = select(Category.id).where(
        or_(Category.id == category_id, Category.parent_id == category_id)
    )
    if active_only:
        stmt = stmt.where(Category.is_active.is_(True))
    ids = list((await session.execute(stmt)).scalars())
    if active_only and category_id not in ids:
        return []  # an inactive parent hides its children too
    return ids


async def get_product(
    session: AsyncSession, product_id: int, *, status: str | None = None
) -> Product | None:
    stmt = (
        select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.skus))
        .execution_options(populate_existing=True)
    )
    if status is not None:
        stmt = stmt.where(Product.status == status)
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_product(session: AsyncSession, product_id: int) -> Product | None:
    """The product row, locked until the transaction ends (no-op on SQLite, which serialises
    writers), so concurrent edits of one product's SKUs cannot interleave."""
    stmt = (
        select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.skus))
        .with_for_update(of=Product)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_summaries(
    session: AsyncSession,
    *,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int,
    sort_key: Any,
) -> Sequence[Row[Any]]:
    stmt = (
        select(
            Product.id,
            Product.title,
            Product.subtitle,
            Product.images,
            Product.cover,
            Product.min_price,
            Product.list_original_price,
            Product.sales_count,
            Product.category_id,
            Product.model3d,
            sort_key.label("sort_key"),
        )
        .where(*where)
        .order_by(*order_by)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def list_products(
    session: AsyncSession,
    *,
    where: Sequence[ColumnElement[bool]],
    limit: int,
) -> list[Product]:
    stmt = (
        select(Product)
        .where(*where)
        .options(selectinload(Product.skus))
        .order_by(Product.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def find_sku_by_barcode(session: AsyncSession, barcode: str) -> tuple[int, int] | None:
    """(sku_id, product_id) of the active SKU with ``barcode`` on an on-sale product."""
    stmt = (
        select(Sku.id, Sku.product_id)
        .join(Product, Product.id == Sku.product_id)
        .where(Sku.barcode == barcode, Sku.is_active.is_(True), Product.status == "on_sale")
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def barcode_holders(session: AsyncSession, barcodes: Sequence[str]) -> dict[str, int]:
    """barcode -> id of the SKU that holds it now."""
    if not barcodes:
        return {}
    rows = await session.execute(select(Sku.barcode, Sku.id).where(Sku.barcode.in_(barcodes)))
    return {barcode: sku_id for barcode, sku_id in rows if barcode is not None}


async def sku_rows(session: AsyncSession, sku_ids: Sequence[int]) -> Sequence[Row[Any]]:
    stmt = (
        select(
            Sku.id,
            Sku.product_id,
            Sku.specs,
            Sku.image,
            Sku.price,
            Sku.original_price,
            Sku.weight_grams,
            Sku.cost_price,
            Sku.is_active,
            Product.title,
            Product.images,
            Product.status,
            Product.category_id,
        )
        .join(Product, Product.id == Sku.product_id)
        .where(Sku.id.in_(sorted(set(sku_ids))))
    )
    return (await session.execute(stmt)).all()


async def add_sales(session: AsyncSession, quantities: Mapping[int, int]) -> None:
    """Atomic increments, in ascending product id order (the lock order)."""
    for product_id in sorted(quantities):
        units = quantities[product_id]
        if units == 0:
            continue
        await session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(
                sales_count=case(
                    (Product.sales_count + units < 0, 0), else_=Product.sales_count + units
                )
            )
            .execution_options(synchronize_session=False)
        )


async def has_products(session: AsyncSession) -> bool:
    found = await session.execute(select(Product.id).limit(1))
    return found.first() is not None


async def find_media(session: AsyncSession, urls: Sequence[str]) -> dict[str, Media]:
    """The uploaded media among ``urls``, by URL (one statement; none for no URL)."""
    if not urls:
        return {}
    rows = await session.execute(select(Media).where(Media.url.in_(sorted(set(urls)))))
    return {m.url: m for m in rows.scalars()}


async def record_media(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Insert a media row; a row for the same URL (the same bytes) already there is kept."""
    insert = (
        postgresql.insert(Media)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(Media)
    )
    await session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["url"]))


def add(session: AsyncSession, row: Category | Product) -> None:
    """Stage a new category or product (with its SKUs) for the next flush."""
    session.add(row)


# -- bulk jobs (catalog_bulk_job) -------------------------------------------------------------


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


async def products_with_skus(session: AsyncSession, product_ids: Sequence[int]) -> list[Product]:
    if not product_ids:
        return []
    stmt = (
        select(Product)
        .where(Product.id.in_(product_ids))
        .options(selectinload(Product.skus))
        .order_by(Product.id)
    )
    return list((await session.execute(stmt)).scalars())


async def lock_products(session: AsyncSession, product_ids: Sequence[int]) -> list[int]:
    """Lock the product rows in id order (no-op on SQLite); returns the ids found."""
    if not product_ids:
        return []
    stmt = (
        select(Product.id)
        .where(Product.id.in_(sorted(set(product_ids))))
        .order_by(Product.id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def skus_of(session: AsyncSession, sku_ids: Sequence[int]) -> dict[int, int]:
    """SKU id -> product id for the SKUs that exist."""
    if not sku_ids:
        return {}
    rows = await session.execute(select(Sku.id, Sku.product_id).where(Sku.id.in_(sku_ids)))
    return {row[0]: row[1] for row in rows}


async def skus_by_barcode(session: AsyncSession, barcodes: Sequence[str]) -> dict[str, int]:
    """Barcode -> SKU id for the barcodes carried by a SKU."""
    if not barcodes:
        return {}
    rows = await session.execute(select(Sku.barcode, Sku.id).where(Sku.barcode.in_(barcodes)))
    return {row[0]: row[1] for row in rows if row[0] is not None}


async def add_bulk_job(session: AsyncSession, job: BulkJob) -> BulkJob:
    session.add(job)
    await session.flush()
    return job


async def get_bulk_job(session: AsyncSession, job_id: int) -> BulkJob | None:
    """The job as stored now (not a copy the session's identity map may hold)."""
    return await session.get(BulkJob, job_id, populate_existing=True)


async def count_open_bulk_jobs(
    session: AsyncSession, staff_id: int, statuses: Sequence[str]
) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(BulkJob)
        .where(BulkJob.staff_id == staff_id, BulkJob.status.in_(statuses))
    )
    return count or 0


async def next_open_bulk_job(session: AsyncSession, statuses: Sequence[str]) -> int | None:
    return await session.scalar(
        select(BulkJob.id).where(BulkJob.status.in_(statuses)).order_by(BulkJob.id).limit(1)
    )


async def start_bulk_job(session: AsyncSession, job_id: int, *, now: datetime) -> bool:
    """Queued -> running; True for the one run that moved it."""
    started = await session.execute(
        update(BulkJob)
        .where(BulkJob.id == job_id, BulkJob.status == "queued")
        .values(status="running", started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(started) == 1


async def claim_bulk_batch(
    session: AsyncSession, job_id: int, *, progress_from: int, progress_to: int, now: datetime
) -> bool:
    """Advance a running job's progress, only if no other run advanced it meanwhile; the row
    stays locked until the transaction ends, so the batch is applied exactly once."""
    claimed = await session.execute(
        update(BulkJob)
        .where(
            BulkJob.id == job_id,
            BulkJob.status == "running",
            BulkJob.progress == progress_from,
        )
        .values(progress=progress_to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(claimed) == 1


async def set_bulk_result(
    session: AsyncSession, job_id: int, *, result: dict[str, Any], done: bool, now: datetime
) -> None:
    values: dict[str, Any] = {"result": result, "updated_at": now}
    if done:
        values |= {"status": "done", "finished_at": now}
    await session.execute(
        update(BulkJob)
        .where(BulkJob.id == job_id, BulkJob.status == "running")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def fail_bulk_job(
    session: AsyncSession, job_id: int, *, error: str, open_statuses: Sequence[str], now: datetime
) -> None:
    await session.execute(
        update(BulkJob)
        .where(BulkJob.id == job_id, BulkJob.status.in_(open_statuses))
        .values(status="failed", error=error, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


# -- product imports (importer.py) ------------------------------------------------------------

_CHUNK = 1000  # values per IN list (SQLite and asyncpg cap bound parameters)


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    unique = sorted(set(values))
    return [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


async def product_ids_by_title(
    session: AsyncSession, titles: Sequence[str]
) -> dict[str, list[int]]:
    """Title -> ids of the products with exactly that title (index ``ix_catalog_product_title``)."""
    out: dict[str, list[int]] = {}
    for chunk in _chunks(titles):
        rows = await session.execute(
            select(Product.title, Product.id).where(Product.title.in_(chunk)).order_by(Product.id)
        )
        for title, product_id in rows:
            out.setdefault(title, []).append(product_id)
    return out


async def skus_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Merchant SKU code -> (SKU id, product id) for the codes carried by a SKU."""
    out: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(codes):
        rows = await session.execute(
            select(Sku.sku_code, Sku.id, Sku.product_id).where(Sku.sku_code.in_(chunk))
        )
        for code, sku_id, product_id in rows:
            if code is not None:
                out[code] = (sku_id, product_id)
    return out


async def barcode_holders_many(session: AsyncSession, barcodes: Sequence[str]) -> dict[str, int]:
    """Barcode -> SKU id, for any number of barcodes."""
    out: dict[str, int] = {}
    for chunk in _chunks(barcodes):
        out.update(await skus_by_barcode(session, list(chunk)))
    return out


async def products_with_skus_many(
    session: AsyncSession, product_ids: Sequence[int]
) -> list[Product]:
    out: list[Product] = []
    for chunk in _chunks(product_ids):
        out.extend(await products_with_skus(session, list(chunk)))
    return out


async def lock_products_with_skus(
    session: AsyncSession, product_ids: Sequence[int]
) -> list[Product]:
    """The products with their SKUs, their rows locked in id order until the transaction ends
    (no-op on SQLite), for a product import's batch of updates."""
    out: list[Product] = []
    for chunk in _chunks(product_ids):
        stmt = (
            select(Product)
            .where(Product.id.in_(chunk))
            .options(selectinload(Product.skus))
            .order_by(Product.id)
            .with_for_update(of=Product)
            .execution_options(populate_existing=True)
        )
        out.extend((await session.execute(stmt)).scalars())
    return out


async def add_price_history(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append price changes (``catalog_price_history``) in one multi-row INSERT."""
    if rows:
        await session.execute(sql_insert(PriceHistory), list(rows))


async def list_price_history(
    session: AsyncSession, product_id: int, *, before_id: int | None, limit: int
) -> list[PriceHistory]:
    """A product's price changes, newest first (by id, below ``before_id`` when given)."""
    stmt = select(PriceHistory).where(PriceHistory.product_id == product_id)
    if before_id is not None:
        stmt = stmt.where(PriceHistory.id < before_id)
    stmt = stmt.order_by(PriceHistory.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def sku_price_changes(
    session: AsyncSession, sku_ids: Sequence[int]
) -> dict[int, list[tuple[datetime, int, int]]]:
    """{sku id: [(changed_at, price before, price after), …] oldest first}: the price history
    insights' clearance planner estimates elasticities from."""
    out: dict[int, list[tuple[datetime, int, int]]] = {i: [] for i in sku_ids}
    if not sku_ids:
        return out
    rows = await session.execute(
        select(
            PriceHistory.sku_id,
            PriceHistory.changed_at,
            PriceHistory.price_before,
            PriceHistory.price_after,
        )
        .where(PriceHistory.sku_id.in_(sorted(set(sku_ids))))
        .order_by(PriceHistory.sku_id, PriceHistory.changed_at, PriceHistory.id)
    )
    for sku_id, changed_at, before, after in rows:
        out[sku_id].append((changed_at, before, after))
    return out


async def set_product_extras(
    session: AsyncSession, product_id: int, *, brand: str, tags: list[str]
) -> None:
    await session.execute(
        update(Product).where(Product.id == product_id).values(brand=brand, tags=tags)
    )


async def set_sku_codes(session: AsyncSession, codes: Mapping[int, str]) -> None:
    """SKU id -> its merchant code."""
    for sku_id, code in codes.items():
        await session.execute(update(Sku).where(Sku.id == sku_id).values(sku_code=code))


async def search_rows(
    session: AsyncSession,
    *,
    product_ids: Sequence[int] | None,
    after_id: int,
    limit: int,
) -> Sequence[Row[Any]]:
    """Products as search indexes them: the given ids whatever their status, else on-sale
    products after ``after_id`` in id order."""
    stmt = select(
        Product.id,
        Product.title,
        Product.subtitle,
        Product.brand,
        Product.tags,
        Product.images,
        Product.cover,
        Product.min_price,
        Product.list_original_price,
        Product.sales_count,
        Product.category_id,
        Product.status,
        Product.created_at,
    )
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    else:
        stmt = stmt.where(Product.status == "on_sale", Product.id > after_id)
    return (await session.execute(stmt.order_by(Product.id).limit(limit))).all()


async def category_rows(session: AsyncSession) -> Sequence[Row[int, int | None, str, bool]]:
    """Every category: id, parent, name, active."""
    stmt = select(Category.id, Category.parent_id, Category.name, Category.is_active)
    return (await session.execute(stmt)).all()


async def active_sku_ids_of(
    session: AsyncSession, product_ids: Sequence[int]
) -> Sequence[Row[int, int]]:
    """(sku id, product id) of the active SKUs of these products."""
    stmt = select(Sku.id, Sku.product_id).where(
        Sku.product_id.in_(product_ids), Sku.is_active.is_(True)
    )
    return (await session.execute(stmt)).all()


async def on_sale_summaries(
    session: AsyncSession, product_ids: Sequence[int]
) -> Sequence[Row[Any]]:
    """Card columns of the given products that are on sale (any order)."""
    if not product_ids:
        return []
    stmt = select(
        Product.id,
        Product.title,
        Product.subtitle,
        Product.images,
        Product.cover,
        Product.min_price,
        Product.list_original_price,
        Product.sales_count,
        Product.category_id,
        Product.model3d,
    ).where(Product.id.in_(product_ids), Product.status == "on_sale")
    return (await session.execute(stmt)).all()


async def active_skus_of(
    session: AsyncSession, product_ids: Sequence[int]
) -> list[tuple[int, int]]:
    """(SKU id, product id) of the active SKUs of the given products."""
    if not product_ids:
        return []
    rows = await session.execute(
        select(Sku.id, Sku.product_id).where(Sku.product_id.in_(product_ids), Sku.is_active)
    )
    return [(row[0], row[1]) for row in rows]


async def on_sale_stamps(
    session: AsyncSession, *, after_id: int, limit: int
) -> list[tuple[int, datetime]]:
    """``(id, updated_at)`` of the next ``limit`` on-sale products after ``after_id`` in id
    order (keyset: the sitemap walks every product page this way)."""
    stmt = (
        select(Product.id, Product.updated_at)
        .where(Product.status == "on_sale", Product.id > after_id)
        .order_by(Product.id)
        .limit(limit)
    )
    return [(int(i), at) for i, at in (await session.execute(stmt)).all()]


async def best_seller_ids(session: AsyncSession, limit: int) -> list[int]:
    """On-sale products by sales count (then id), the storefront's "热销" order."""
    stmt = (
        select(Product.id)
        .where(Product.status == "on_sale")
        .order_by(Product.sales_count.desc(), Product.id.asc())
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


def sku_costs() -> Select[int, int | None]:
    """``(sku_id, cost_price)`` of every SKU, for reports that join it to order lines in SQL
    (``cost_price`` is null where the merchant never entered one)."""
    return select(Sku.id.label("sku_id"), Sku.cost_price.label("cost_price"))


async def product_category_names(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, tuple[str, str]]:
    """{product id: (its category's name, the top-level category's name)} (the same name twice
    for a product filed under a top-level category)."""
    if not product_ids:
        return {}
    parent = aliased(Category)
    stmt = (
        select(Product.id, Category.name, func.coalesce(parent.name, Category.name))
        .join(Category, Product.category_id == Category.id)
        .outerjoin(parent, Category.parent_id == parent.id)
        .where(Product.id.in_(sorted(set(product_ids))))
    )
    return {int(p): (leaf, top) for p, leaf, top in await session.execute(stmt)}


def product_categories() -> Select[int, int]:
    """``(product_id, category_id)`` of every product, for reports that group order lines by
    category in SQL."""
    return select(Product.id.label("product_id"), Product.category_id.label("category_id"))


# -- 3D models (catalog_model) -----------------------------------------------------------------


async def get_model(session: AsyncSession, product_id: int) -> ProductModel | None:
    return await session.get(ProductModel, product_id, populate_existing=True)


async def upsert_model(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Insert or replace the product's model row (one statement: two uploads racing leave one
    whole row, the later)."""
    insert = (
        postgresql.insert(ProductModel)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(ProductModel)
    )
    stmt = insert.values(**values)
    changed = {k: stmt.excluded[k] for k in values if k not in {"product_id", "created_at"}}
    await session.execute(stmt.on_conflict_do_update(index_elements=["product_id"], set_=changed))


async def delete_model(session: AsyncSession, product_id: int) -> bool:
    result = await session.execute(
        delete(ProductModel).where(ProductModel.product_id == product_id)
    )
    return _rowcount(result) > 0


async def next_model_to_render(
    session: AsyncSession, *, stale_before: datetime
) -> tuple[int, str] | None:
    """The oldest model waiting for its sprite, or one whose render stopped moving (a dead
    worker): (product id, url)."""
    stmt = (
        select(ProductModel.product_id, ProductModel.url)
        .where(
            or_(
                ProductModel.status == "queued",
                (ProductModel.status == "rendering") & (ProductModel.updated_at < stale_before),
            )
        )
        .order_by(ProductModel.updated_at, ProductModel.product_id)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return (int(row[0]), str(row[1])) if row else None


async def claim_model_render(
    session: AsyncSession, product_id: int, url: str, *, stale_before: datetime, now: datetime
) -> bool:
    """Take the render of ``url`` (conditional UPDATE: one claimant wins)."""
    result = await session.execute(
        update(ProductModel)
        .where(
            ProductModel.product_id == product_id,
            ProductModel.url == url,
            or_(
                ProductModel.status == "queued",
                (ProductModel.status == "rendering") & (ProductModel.updated_at < stale_before),
            ),
        )
        .values(status="rendering", frames_done=0, error=None, updated_at=now)
    )
    return _rowcount(result) == 1


async def advance_model_render(
    session: AsyncSession, product_id: int, url: str, *, done: int, now: datetime
) -> bool:
    """Record ``done`` frames while the render of ``url`` is still the product's."""
    result = await session.execute(
        update(ProductModel)
        .where(
            ProductModel.product_id == product_id,
            ProductModel.url == url,
            ProductModel.status == "rendering",
        )
        .values(frames_done=done, updated_at=now)
    )
    return _rowcount(result) == 1


async def end_model_render(
    session: AsyncSession,
    product_id: int,
    url: str,
    *,
    sprite: dict[str, Any] | None,
    error: str | None,
    now: datetime,
) -> bool:
    """Ready (``sprite``) or failed (``error``), while the render of ``url`` is the product's."""
    values: dict[str, Any] = {"updated_at": now, "sprite": sprite, "error": error}
    if sprite is not None:
        values |= {"status": "ready", "frames_done": ProductModel.frames_total, "rendered_at": now}
    else:
        values["status"] = "failed"
    result = await session.execute(
        update(ProductModel)
        .where(
            ProductModel.product_id == product_id,
            ProductModel.url == url,
            ProductModel.status == "rendering",
        )
        .values(**values)
    )
    return _rowcount(result) == 1


async def set_product_model3d(
    session: AsyncSession, product_id: int, model3d: dict[str, Any] | None, *, now: datetime
) -> None:
    await session.execute(
        update(Product).where(Product.id == product_id).values(model3d=model3d, updated_at=now)
    )
