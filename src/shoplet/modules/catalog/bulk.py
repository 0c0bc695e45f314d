"""Bulk changes of products from the console: publish, unpublish, change prices, import stock.

Like the order exports (``orders/exports.py``), a bulk change is a job row worked by a scheduled
job (``catalog.run_bulk_jobs``, every two seconds, one run at a time across replicas by its
lease), so it survives a restart of the API and runs in the worker role, and the console polls
the row for progress.

The whole input is checked when the job is asked for: an unknown product, a product that cannot
go on sale, a price beyond the maximum, or any bad row of a stock file is refused with a 400
listing every bad row (``errors``), and nothing is created or changed.

Publishing, unpublishing and price changes are applied ``BATCH_SIZE`` products per transaction.
Each transaction first advances ``progress`` with a conditional UPDATE (``progress`` must still
be where this run read it), which also locks the job row, so a batch is applied exactly once
even when two runs race. Each product is changed under its row lock through the same service
functions as single edits (same rules, same cache invalidation); a product that fails (it lost
its images meanwhile) is listed in ``result.failed`` and the others go on.

A product import (``product_import.py``, ``importer.py``) is checked as a whole against the shop
when asked for (400 with every bad row, nothing written); its items are the planned products,
applied about ``importer.ROWS_PER_BATCH`` rows (whole products) per step and transaction through
the same service functions as the console's single edits.

A stock import is atomic: one transaction locks the products of its SKUs in id order, reads the
stock levels and sets each SKU's units on hand through an inventory adjustment (ledgered), so
two imports of the same SKUs apply one after the other and each leaves exactly its figures. If
any SKU cannot be set (orders reserved more units meanwhile), nothing is changed and the job
fails with the reason.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.core.jobs import periodic
from shoplet.core.storage import get_storage
from shoplet.modules.inventory import public as inventory
from shoplet.modules.staff.public import StaffIdentity

from . import importer, service
from . import repository as repo
from .errors import BulkInputInvalid, BulkJobNotFound, TooManyBulkJobs
from .models import BulkJob
from .product_import import parse_products
from .schemas import MAX_BULK_PRODUCTS, BulkJobCreate, BulkJobOut, BulkResult
from .stock_import import MAX_IMPORT_BYTES, parse_stock_file

log = structlog.get_logger("shoplet.catalog.bulk")

BULK_JOB = "catalog.run_bulk_jobs"
BATCH_SIZE = 20
OPEN_STATUSES = ("queued", "running")
MAX_OPEN_PER_STAFF = 5
MAX_LISTED_ERRORS = 100
MAX_LISTED_IMPORT_ERRORS = 2_000  # the console offers them as a CSV to download
MAX_PRODUCT_IMPORT_ROWS = 50_000
STOCK_REASON = "批量导入库存"

__all__ = [
    "BULK_JOB",
    "MAX_IMPORT_BYTES",
    "request_import_job",
    "request_product_job",
    "request_stock_job",
    "run_bulk_job",
]


def job_out(job: BulkJob) -> BulkJobOut:
    return BulkJobOut(
        id=job.id,
        kind=job.kind,  # type: ignore[arg-type]  # CHECK constraint keeps it in range
        status=job.status,  # type: ignore[arg-type]
        params=job.params,
        progress=job.progress,
        total=job.total,
        result=BulkResult.model_validate(job.result or {}),
        error=job.error,
        created_by=job.staff_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _refuse(errors: list[dict[str, Any]], limit: int = MAX_LISTED_ERRORS) -> BulkInputInvalid:
    shown = errors[:limit]
    return BulkInputInvalid(
        f"{len(errors)} row(s) are invalid; nothing was changed",
        errors=shown,
        error_count=len(errors),
    )


async def _check_room(session: AsyncSession, staff: StaffIdentity) -> None:
    if await repo.count_open_bulk_jobs(session, staff.id, OPEN_STATUSES) >= MAX_OPEN_PER_STAFF:
        raise TooManyBulkJobs(f"at most {MAX_OPEN_PER_STAFF} bulk jobs may wait or run at once")


async def _new_job(
    session: AsyncSession,
    staff: StaffIdentity,
    kind: str,
    items: list[Any],
    params: dict[str, Any],
) -> BulkJob:
    now = utcnow()
    job = BulkJob(
        staff_id=staff.id,
        kind=kind,
        status="queued",
        params=params,
        items=items,
        progress=0,
        total=len(items),
        result={"changed": 0, "unchanged": 0, "failed": []},
        created_at=now,
        updated_at=now,
    )
    return await repo.add_bulk_job(session, job)


def _price_params(body: BulkJobCreate) -> dict[str, Any]:
    if body.action != "price":
        if body.price is not None:
            raise _refuse([_err(None, "bulk.bad_price", "a price change belongs to action=price")])
        return {}
    if body.price is None:
        raise _refuse([_err(None, "bulk.bad_price", "give the price change")])
    mode, value = body.price.mode, body.price.value
    if mode == "set" and not 1 <= value <= service.MAX_PRICE:
        raise _refuse([_err(None, "bulk.bad_price", "the new price must be at least 1 fen")])
    if mode == "percent" and not service.MIN_PERCENT <= value <= service.MAX_PERCENT:
        raise _refuse([_err(None, "bulk.bad_price", "the percentage is out of range")])
    return {"mode": mode, "value": value}


async def request_product_job(
    session: AsyncSession, staff: StaffIdentity, body: BulkJobCreate
) -> BulkJob:
    """Check the products and the change, then queue the job (nothing else is written)."""
    await _check_room(session, staff)
    ids = list(dict.fromkeys(body.product_ids))[:MAX_BULK_PRODUCTS]
    products = {p.id: p for p in await repo.products_with_skus(session, ids)}
    errors: list[dict[str, Any]] = []
    params = _price_params(body)
    for index, product_id in enumerate(ids, start=1):
        product = products.get(product_id)
        if product is None:
            errors.append(
                _err(index, "catalog.product_not_found", "no such product", product_id=product_id)
            )
            continue
        active = [s for s in product.skus if s.is_active]
        if body.action == "publish":
            try:
                service.check_publishable(product.images, len(active))
            except ShopletError as exc:
                errors.append(_err(index, exc.code, exc.detail, product_id=product_id))
        elif body.action == "price":
            for sku in active:
                new = service.changed_price(sku.price, params["mode"], params["value"])
                if new > service.MAX_PRICE:
                    errors.append(
                        _err(
                            index,
                            "bulk.bad_price",
                            "the new price is beyond the maximum",
                            product_id=product_id,
                            sku_id=sku.id,
                        )
                    )
    if errors:
        raise _refuse(errors)
    return await _new_job(session, staff, body.action, ids, params)


async def request_stock_job(
    session: AsyncSession, staff: StaffIdentity, filename: str, data: bytes
) -> BulkJob:
    """Check every row of a stock file against the catalog and stock, then queue the job."""
    await _check_room(session, staff)
    parsed = parse_stock_file(filename, data)
    errors = list(parsed.errors)
    known = await repo.skus_of(session, [r.sku_id for r in parsed.rows if r.sku_id is not None])
    by_barcode = await repo.skus_by_barcode(
        session, [r.barcode for r in parsed.rows if r.barcode is not None]
    )
    targets: dict[int, tuple[int, int]] = {}  # sku id -> (row, stock)
    for row in parsed.rows:
        sku_id = row.sku_id
        if row.barcode is not None:
            sku_id = by_barcode.get(row.barcode)
            if sku_id is None:
                errors.append(_err(row.row, "catalog.barcode_not_found", "no SKU has it"))
                continue
        elif sku_id is not None and sku_id not in known:
            errors.append(_err(row.row, "catalog.sku_not_found", "no such SKU", sku_id=sku_id))
            continue
        if sku_id is None or row.stock is None:
            continue  # already reported
        if sku_id in targets:
            errors.append(
                _err(
                    row.row,
                    "bulk.duplicate_sku",
                    f"the SKU is also on row {targets[sku_id][0]}",
                    sku_id=sku_id,
                )
            )
            continue
        targets[sku_id] = (row.row, row.stock)
    levels = await inventory.get_levels(session, list(targets))
    for sku_id, (line, stock) in targets.items():
        level = levels.get(sku_id)
        if level is not None and stock < level.reserved:
            errors.append(
                _err(
                    line,
                    "inventory.below_reserved",
                    f"{level.reserved} units are reserved for orders",
                    sku_id=sku_id,
                )
            )
    if errors:
        raise _refuse(sorted(errors, key=lambda e: e["row"] or 0))
    items = [[sku_id, stock] for sku_id, (_, stock) in sorted(targets.items())]
    return await _new_job(session, staff, "stock", items, {"file": filename[:100]})


async def request_import_job(
    session: AsyncSession,
    staff: StaffIdentity,
    filename: str,
    data: bytes,
    *,
    update: bool,
    image_hosts: tuple[str, ...],
) -> BulkJob:
    """Check every row of a product import file against the shop, then queue the job. Local
    image paths are refused here: the server cannot read the merchant's disk."""
    await _check_room(session, staff)
    parsed = parse_products(filename, data, max_rows=MAX_PRODUCT_IMPORT_ROWS)
    options = importer.ImportOptions(update=update, base_dir=None, image_hosts=image_hosts)
    plans, errors = await importer.plan_import(session, parsed, options)
    if errors:
        raise _refuse(errors, MAX_LISTED_IMPORT_ERRORS)
    params = {"file": filename[:100], "update": int(update), "rows": parsed.rows}
    return await _new_job(session, staff, "import", plans, params)


def _import_end(job: BulkJob, start: int, rows: int) -> int:
    """The end of the step starting at product ``start``: whole products, about ``rows`` rows."""
    end, seen = start, 0
    while end < job.total and seen < rows:
        seen += len(job.items[end]["skus"])
        end += 1
    return end


async def _apply_import(
    ctx: AppContext,
    session: AsyncSession,
    job: BulkJob,
    *,
    start: int,
    end: int,
    result: dict[str, Any],
) -> None:
    state = importer.ApplyState(storage=get_storage(ctx, "media"), actor=f"staff:{job.staff_id}")
    batch = job.items[start:end]
    counts = await importer.apply_products(
        session, batch, state, update=bool(job.params.get("update"))
    )
    written = counts.products_created + counts.products_updated
    result["changed"] += written
    result["unchanged"] += len(batch) - written
    summary = importer.Counts()
    summary.add(result.get("summary") or {})
    summary.add(counts.as_dict())
    started = job.started_at or utcnow()
    result["summary"] = {
        **summary.as_dict(),
        "seconds": round((utcnow() - started).total_seconds(), 3),
    }


def _err(row: int | None, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"row": row, "code": code, "detail": detail, **extra}


async def get_visible_job(session: AsyncSession, staff: StaffIdentity, job_id: int) -> BulkJob:
    """Owners see every job; other staff their own."""
    job = await repo.get_bulk_job(session, job_id)
    if job is None or (staff.role != "owner" and job.staff_id != staff.id):
        raise BulkJobNotFound()
    return job


# -- the background worker --------------------------------------------------------------------


async def _apply_product(
    session: AsyncSession, job: BulkJob, product_id: int, result: dict[str, Any]
) -> None:
    actor = f"staff:{job.staff_id}"
    try:
        if job.kind == "price":
            changed = await service.change_product_prices(
                session, product_id, job.params["mode"], job.params["value"], actor=actor
            )
        else:
            status = "on_sale" if job.kind == "publish" else "off_sale"
            before = await repo.get_product(session, product_id)
            was = before.status if before is not None else None
            await service.set_product_status(session, product_id, status, actor=actor)
            changed = was != status
    except ShopletError as exc:
        result["failed"].append({"product_id": product_id, "code": exc.code, "detail": exc.detail})
        return
    result["changed" if changed else "unchanged"] += 1


async def bulk_step(ctx: AppContext, job_id: int, *, batch_size: int = BATCH_SIZE) -> bool:
    """Apply the next batch of job ``job_id``; True once it is finished (or not open)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        job = await repo.get_bulk_job(session, job_id)
        if job is None or job.status not in OPEN_STATUSES:
            return True
        now = utcnow()
        if job.status == "queued" and not await repo.start_bulk_job(session, job_id, now=now):
            return False
        start = job.progress
        if job.kind == "stock":
            end = job.total
        elif job.kind == "import":
            end = _import_end(job, start, importer.ROWS_PER_BATCH)
        else:
            end = min(job.total, start + batch_size)
        if not await repo.claim_bulk_batch(
            session, job_id, progress_from=start, progress_to=end, now=now
        ):
            return False  # another run took this batch: look again
        result: dict[str, Any] = {
            "changed": 0,
            "unchanged": 0,
            "failed": [],
            **(job.result or {}),
        }
        result["failed"] = list(result["failed"])
        if job.kind == "stock":
            await _apply_stock(session, job, result)
        elif job.kind == "import":
            await _apply_import(ctx, session, job, start=start, end=end, result=result)
        else:
            for product_id in job.items[start:end]:
                await _apply_product(session, job, int(product_id), result)
        done = end >= job.total
        await repo.set_bulk_result(session, job_id, result=result, done=done, now=utcnow())
    if done:
        log.info(
            "bulk_job_done",
            job_id=job_id,
            kind=job.kind,
            **{k: (len(v) if isinstance(v, list) else v) for k, v in result.items()},
        )
    return done


async def _apply_stock(session: AsyncSession, job: BulkJob, result: dict[str, Any]) -> None:
    targets = {int(sku_id): int(stock) for sku_id, stock in job.items}
    owners = await repo.skus_of(session, list(targets))
    products = sorted(set(owners.values()))
    await repo.lock_products(session, products)
    levels = await inventory.get_levels(session, sorted(targets))
    reason = f"{STOCK_REASON}（任务 {job.id}）"
    for sku_id in sorted(targets):
        level = levels.get(sku_id)
        on_hand = level.on_hand if level is not None else 0
        delta = targets[sku_id] - on_hand
        if level is None:
            await inventory.set_initial_stock(
                session, sku_id=sku_id, on_hand=targets[sku_id], actor=f"staff:{job.staff_id}"
            )
            result["changed"] += 1
        elif delta == 0:
            result["unchanged"] += 1
        else:
            await inventory.adjust_stock(
                session, sku_id=sku_id, delta=delta, reason=reason, actor=f"staff:{job.staff_id}"
            )
            result["changed"] += 1
    service.invalidate_products(session, products)
    await service.announce_products(session, products)


async def _fail(ctx: AppContext, job_id: int, error: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.fail_bulk_job(
            session, job_id, error=error[:500], open_statuses=OPEN_STATUSES, now=utcnow()
        )


async def run_bulk_job(ctx: AppContext, job_id: int, *, batch_size: int = BATCH_SIZE) -> None:
    """Work job ``job_id`` to the end; an error fails it (its last batch rolled back)."""
    try:
        while not await bulk_step(ctx, job_id, batch_size=batch_size):
            pass
    except ShopletError as exc:
        log.warning("bulk_job_failed", job_id=job_id, code=exc.code)
        await _fail(ctx, job_id, f"{exc.code}: {exc.detail}")
    except Exception as exc:
        log.exception("bulk_job_failed", job_id=job_id)
        await _fail(ctx, job_id, f"{type(exc).__name__}: the bulk change failed")


async def _next_open_job(ctx: AppContext) -> int | None:
    async with read_session(ctx.sessionmaker) as session:
        return await repo.next_open_bulk_job(session, OPEN_STATUSES)


@periodic(every_seconds=2, name=BULK_JOB)
async def run_bulk_jobs(ctx: AppContext) -> None:
    """Work every waiting bulk job, oldest first, resuming any a dead worker left running."""
    while (job_id := await _next_open_job(ctx)) is not None:
        await run_bulk_job(ctx, job_id)
