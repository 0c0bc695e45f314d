"""Console routes of the catalog: categories, products, media uploads (``media.py``).

Thin: each route checks a permission (``staff.public``), calls the service and appends an audit
entry in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryDay, QueryId, day_range
from shoplet.core.schemas import Page
from shoplet.core.storage import get_storage
from shoplet.core.uploads import MULTIPART_OVERHEAD, read_upload, upload_body
from shoplet.modules.risk import public as risk
from shoplet.modules.staff.public import (
    StaffIdentity,
    StepUpCheck,
    origin_of,
    record_audit,
    require_permission,
)

from . import bulk, importer, media, model3d, service
from . import public as catalog
from .errors import (
    BulkFileInvalid,
    ImportFileTooLarge,
    MediaInvalid,
    MediaTooLarge,
    ModelInvalid,
    ModelTooLarge,
    VideoInvalid,
    VideoTooLarge,
)
from .schemas import (
    BulkJobCreate,
    BulkJobOut,
    Category,
    CategoryCreate,
    CategoryUpdate,
    MediaOut,
    PriceHistoryEntry,
    ProductAdmin,
    ProductCreate,
    ProductModelAdmin,
    ProductStatusChange,
    ProductUpdate,
    VideoOut,
)

router = APIRouter()

ProductReader = Annotated[StaffIdentity, Depends(require_permission("products:read"))]
ProductWriter = Annotated[StaffIdentity, Depends(require_permission("products:write"))]
StockImporter = Annotated[StaffIdentity, Depends(require_permission("stock:adjust"))]
ProductId = PathId
CategoryId = PathId


def actor_of(staff: StaffIdentity) -> str:
    """How the stock ledger names a console actor (products created with stock)."""
    return f"staff:{staff.id}"


@router.get("/categories")
async def list_categories(_: ProductReader, session: DbSession) -> list[Category]:
    """Every category (active or not) as a tree: top level with children."""
    return await catalog.list_categories(session)


@router.post(
    "/categories", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 404)
)
async def create_category(
    body: CategoryCreate, staff: ProductWriter, request: Request, session: DbSession
) -> Category:
    """Create a category (top level, or under a top-level one)."""
    category = await catalog.create_category(session, body)
    await record_audit(
        session,
        staff,
        "category.create",
        f"category:{category.id}",
        body.model_dump(mode="json"),
        origin_of(request),
    )
    return category


@router.patch("/categories/{category_id}", responses=problem_responses(400, 404))
async def update_category(
    category_id: CategoryId,
    body: CategoryUpdate,
    staff: ProductWriter,
    request: Request,
    session: DbSession,
) -> Category:
    """Rename, reorder, change the icon of, or hide a category."""
    category = await catalog.update_category(session, category_id, body)
    await record_audit(
        session,
        staff,
        "category.update",
        f"category:{category_id}",
        body.model_dump(mode="json", exclude_unset=True),
        origin_of(request),
    )
    return category


@router.get("/products", responses=problem_responses(400, 404))
async def list_products(
    _: ProductReader,
    session: DbSession,
    *,
    q: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    product_status: Annotated[catalog.ProductStatus | None, Query(alias="status")] = None,
    category_id: QueryId = None,
    created_from: QueryDay = None,
    created_to: QueryDay = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ProductAdmin]:
    """Every product in any status, newest first; filter by keyword, status, category and the
    days it was created (``created_from`` .. ``created_to``, Asia/Shanghai days, included)."""
    since, until = day_range(created_from, created_to)
    items, next_cursor = await catalog.list_products_admin(
        session,
        q=q,
        status=product_status,
        category_id=category_id,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/products", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 404, 409)
)
async def create_product(
    body: ProductCreate, staff: ProductWriter, request: Request, session: DbSession
) -> ProductAdmin:
    """Create a product with its SKU matrix and initial stock."""
    product = await catalog.create_product(session, body, actor=actor_of(staff))
    await record_audit(
        session,
        staff,
        "product.create",
        f"product:{product.id}",
        {
            "title": product.title,
            "status": product.status,
            "category_id": product.category_id,
            "sku_ids": [s.id for s in product.skus],
        },
        origin_of(request),
    )
    return product


@router.get("/products/{product_id}", responses=problem_responses(404))
async def get_product(product_id: ProductId, _: ProductReader, session: DbSession) -> ProductAdmin:
    """One product in any status, with every SKU and its stock."""
    return await catalog.get_product_admin(session, product_id)


@router.patch("/products/{product_id}", responses=problem_responses(400, 403, 404, 409))
async def update_product(  # noqa: PLR0917  (FastAPI dependencies)
    product_id: ProductId,
    body: ProductUpdate,
    staff: ProductWriter,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
    step_up: StepUpCheck,
) -> ProductAdmin:
    """Change the fields given; ``skus``, when given, is the complete SKU list. A price change
    is scored by the risk engine first: ``review`` queues it in 风控, ``challenge`` asks for a
    step-up (403 ``auth.step_up_required``), ``block`` refuses it (403 ``risk.blocked``)."""
    if body.skus is not None:
        cut = _largest_price_change(await catalog.get_product_admin(session, product_id), body)
        if cut is not None:
            try:
                await risk.guard(
                    session,
                    ctx,
                    risk.RiskRequest(
                        action="price_change",
                        subject=f"staff:{staff.id}",
                        staff_id=staff.id,
                        ip=client.ip,
                        device_id=client.device_id,
                        user_agent=client.user_agent,
                        change_pct=cut,
                        challenge_passed=step_up.granted,
                    ),
                    staff=staff,
                )
            except risk.ChallengeRequired:
                step_up.require()
                raise
    product = await catalog.update_product(session, product_id, body, actor=actor_of(staff))
    changed = sorted(body.model_dump(exclude_unset=True))
    await record_audit(
        session,
        staff,
        "product.update",
        f"product:{product_id}",
        {"fields": changed, "status": product.status, "sku_ids": [s.id for s in product.skus]},
        origin_of(request),
    )
    return product


def _largest_price_change(before: ProductAdmin, body: ProductUpdate) -> float | None:
    """The change of the SKU price that moves most (in percent, -50 = halved), or None."""
    old = {sku.id: sku.price for sku in before.skus}
    changes = [
        (sku.price - old[sku.id]) * 100 / old[sku.id]
        for sku in body.skus or []
        if sku.id is not None and old.get(sku.id) and sku.price != old[sku.id]
    ]
    return max(changes, key=abs) if changes else None


@router.get("/products/{product_id}/price-history", responses=problem_responses(400, 404))
async def product_price_history(
    product_id: ProductId,
    _: ProductReader,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[PriceHistoryEntry]:
    """The product's price changes, newest first: every SKU whose price or original price the
    editor, a bulk price change or an import changed, with who and when (调价记录)."""
    items, next_cursor = await service.price_history(
        session, product_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/products/{product_id}/status", responses=problem_responses(400, 404))
async def set_product_status(
    product_id: ProductId,
    body: ProductStatusChange,
    staff: ProductWriter,
    request: Request,
    session: DbSession,
) -> ProductAdmin:
    """Publish (``on_sale``), withdraw (``off_sale``) or send back to ``draft``."""
    before = await catalog.get_product_admin(session, product_id)
    product = await catalog.set_product_status(
        session, product_id, body.status, actor=actor_of(staff)
    )
    await record_audit(
        session,
        staff,
        "product.status",
        f"product:{product_id}",
        {"from": before.status, "to": product.status},
        origin_of(request),
    )
    return product


# -- bulk jobs (bulk.py) -----------------------------------------------------------------------


@router.post(
    "/products/bulk-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 409),
)
async def create_bulk_job(
    body: BulkJobCreate, staff: ProductWriter, request: Request, session: DbSession
) -> BulkJobOut:
    """Publish, unpublish or change the prices of the products given, in the background; the
    whole request is checked first (400 ``catalog.bulk_input_invalid`` lists every bad product
    and nothing changes). Poll ``GET /products/bulk-jobs/{id}`` for progress."""
    job = await bulk.request_product_job(session, staff, body)
    await record_audit(
        session,
        staff,
        "product.bulk",
        f"bulk_job:{job.id}",
        {"action": body.action, "product_ids": job.items, "params": job.params},
        origin_of(request),
    )
    return bulk.job_out(job)


@router.post(
    "/products/bulk-jobs/stock-import",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 409, 413),
    openapi_extra=upload_body(
        "CSV (UTF-8 or GBK) or XLSX with the columns sku_id or barcode, and stock; "
        "at most 5000 rows, 2 MB"
    ),
    max_body_size=bulk.MAX_IMPORT_BYTES + MULTIPART_OVERHEAD,
)
async def import_stock(staff: StockImporter, request: Request, session: DbSession) -> BulkJobOut:
    """Set the units on hand of many SKUs from a CSV or XLSX file, atomically, in the
    background; every row is checked first (400 with the bad rows, nothing changed)."""
    upload = await read_upload(
        request,
        bulk.MAX_IMPORT_BYTES,
        too_large=lambda: BulkFileInvalid("the file is larger than 2 MB"),
        invalid=BulkFileInvalid,
    )
    data, filename = upload.data, upload.filename
    job = await bulk.request_stock_job(session, staff, filename, data)
    await record_audit(
        session,
        staff,
        "stock.bulk_import",
        f"bulk_job:{job.id}",
        {"filename": filename[:100], "rows": job.total, "bytes": len(data)},
        origin_of(request),
    )
    return bulk.job_out(job)


MAX_PRODUCT_IMPORT_CEILING = 100 * 1024 * 1024  # SHOPLET_CATALOG_IMPORT_MAX_BYTES is capped here
IMPORT_TEMPLATE = (
    "title,category,price,stock,original_price,spec,sku_code,barcode,subtitle,brand,tags,image,"
    "description\r\n"
    "小米电饭煲 3L,家电/厨房电器,299.00,50,399.00,,MI-RC-3L,6901234567892,智能预约 IH 加热,小米,"
    '"厨房,电饭煲",,"3 升容量，适合 2-4 人"\r\n'
    "纯棉圆领T恤,服饰/男装,59.00,120,,颜色:白;尺码:L,TS-WHITE-L,,,,,,\r\n"
)


@router.get(
    "/products/bulk-jobs/product-import/template",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the template (UTF-8 CSV)"}},
)
async def product_import_template(_: ProductReader) -> Response:
    """A CSV with every column of a product import and two example rows (UTF-8 with a BOM,
    so Excel opens it in Chinese)."""
    return Response(
        content="\ufeff".encode() + IMPORT_TEMPLATE.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="product-import-template.csv"'},
    )


@router.post(
    "/products/bulk-jobs/product-import",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 409, 413),
    openapi_extra=upload_body(
        "CSV (UTF-8 or GBK) or XLSX with the columns title, category, price, stock and the "
        "optional ones (docs/catalog-import.md); at most SHOPLET_CATALOG_IMPORT_MAX_BYTES. "
        "A form field update=true updates SKUs already in the shop instead of skipping them"
    ),
    max_body_size=MAX_PRODUCT_IMPORT_CEILING + MULTIPART_OVERHEAD,
)
async def import_products(
    staff: ProductWriter, request: Request, session: DbSession, ctx: Ctx
) -> BulkJobOut:
    """Create (or, with ``update``, update) products from a CSV or XLSX file in the background;
    every row is checked first (400 ``catalog.bulk_input_invalid`` whose ``errors`` list each
    bad row's line, column, code and reason; nothing changed). Poll the job for progress."""
    limit = min(ctx.settings.catalog_import_max_bytes, MAX_PRODUCT_IMPORT_CEILING)
    upload = await read_upload(
        request, limit, too_large=ImportFileTooLarge, invalid=BulkFileInvalid
    )
    data, filename = upload.data, upload.filename
    update = upload.fields.get("update", "").lower() in {"1", "true", "yes", "on"}
    job = await bulk.request_import_job(
        session,
        staff,
        filename,
        data,
        update=update,
        image_hosts=importer.parse_hosts(ctx.settings.catalog_import_image_hosts),
    )
    await record_audit(
        session,
        staff,
        "product.import",
        f"bulk_job:{job.id}",
        {"filename": filename[:100], "rows": job.params["rows"], "update": update},
        origin_of(request),
    )
    return bulk.job_out(job)


@router.get("/products/bulk-jobs/{job_id}", responses=problem_responses(404))
async def get_bulk_job(job_id: PathId, staff: ProductReader, session: DbSession) -> BulkJobOut:
    """A bulk job's status, progress and, once done, its result."""
    return bulk.job_out(await bulk.get_visible_job(session, staff, job_id))


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 413),
    openapi_extra=upload_body("PNG, JPEG or WebP, at most 5 MB"),
    max_body_size=media.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD,
)
async def upload_media(
    staff: ProductWriter, request: Request, session: DbSession, ctx: Ctx
) -> MediaOut:
    """Upload a product image. It is turned upright, stripped of metadata and stored as WebP
    variants (list, detail, zoom) plus a JPEG/PNG fallback; ``url`` (the fallback) is what
    product, SKU, detail and poster images take, ``image_set`` its variants."""
    upload = await read_upload(
        request, media.MAX_UPLOAD_BYTES, too_large=MediaTooLarge, invalid=MediaInvalid
    )
    data, filename = upload.data, upload.filename[:100]
    result = await catalog.store_image(session, get_storage(ctx, "media"), data)
    await record_audit(
        session,
        staff,
        "media.upload",
        f"media:{result.key}",
        {
            "url": result.url,
            "filename": filename,
            "bytes_received": len(data),
            "size": result.size,
            "width": result.width,
            "height": result.height,
        },
        origin_of(request),
    )
    return result


@router.post(
    "/media/videos",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 413),
    openapi_extra=upload_body("MP4, at most SHOPLET_MEDIA_MAX_VIDEO_BYTES (50 MB by default)"),
    max_body_size=media.MAX_VIDEO_CEILING + MULTIPART_OVERHEAD,
)
async def upload_video(
    staff: ProductWriter, request: Request, session: DbSession, ctx: Ctx
) -> VideoOut:
    """Upload a product video (MP4); ``url`` is what ``video_url`` takes. Served from
    ``/media`` with byte ranges."""
    limit = min(ctx.settings.media_max_video_bytes, media.MAX_VIDEO_CEILING)
    upload = await read_upload(request, limit, too_large=VideoTooLarge, invalid=VideoInvalid)
    data, filename = upload.data, upload.filename[:100]
    result = await catalog.save_video(session, get_storage(ctx, "media"), data)
    await record_audit(
        session,
        staff,
        "media.upload_video",
        f"media:{result.key}",
        {"url": result.url, "filename": filename, "size": result.size},
        origin_of(request),
    )
    return result


@router.post(
    "/products/{product_id}/model",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 404, 413),
    openapi_extra=upload_body(
        "glTF binary (.glb), version 2, everything embedded, at most 20 MB; optional form "
        "field ``alt`` (what the model shows, for screen readers)"
    ),
    max_body_size=model3d.MAX_MODEL_BYTES + MULTIPART_OVERHEAD,
)
async def upload_model(
    product_id: ProductId, staff: ProductWriter, request: Request, session: DbSession, ctx: Ctx
) -> ProductModelAdmin:
    """Give the product its 3D model (replacing any). The file is checked (header, parse,
    meshes, no external files, a product's size) and stored; the 360° sprite for the mini
    program is drawn by a job: poll ``GET`` for ``frames_done``."""
    upload = await read_upload(
        request, model3d.MAX_MODEL_BYTES, too_large=ModelTooLarge, invalid=ModelInvalid
    )
    result, _ = await service.save_model(
        session,
        get_storage(ctx, "media"),
        product_id,
        upload.data,
        alt=upload.fields.get("alt", ""),
    )
    await record_audit(
        session,
        staff,
        "product.model_upload",
        f"product:{product_id}",
        {
            "url": result.url,
            "filename": upload.filename[:100],
            "size": result.size,
            "triangles": result.triangles,
        },
        origin_of(request),
    )
    return result


@router.get("/products/{product_id}/model", responses=problem_responses(404))
async def get_model(
    product_id: ProductId, _: ProductReader, session: DbSession
) -> ProductModelAdmin:
    """The product's 3D model and the progress of its 360° sprite."""
    return await service.get_model(session, product_id)


@router.delete(
    "/products/{product_id}/model",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def delete_model(
    product_id: ProductId, staff: ProductWriter, request: Request, session: DbSession
) -> Response:
    """Take the 3D model off the product."""
    await service.remove_model(session, product_id)
    await record_audit(
        session, staff, "product.model_remove", f"product:{product_id}", {}, origin_of(request)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
