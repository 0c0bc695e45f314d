"""Console routes of the orders module: orders, shipping, after-sales, CSV exports
(``exports.py``) and the dashboard (``dashboard.py``).

Thin: each route checks a permission (``staff.public``), calls the service and appends an audit
entry in the same transaction (so the entry and the change commit or roll back together).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, status
from starlette.responses import StreamingResponse

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId, QueryDay, day_range
from shoplet.core.schemas import Page
from shoplet.core.security import mask_phone
from shoplet.modules.fulfillment import public as fulfillment
from shoplet.modules.payments import public as payments
from shoplet.modules.staff.public import (
    PII_REVEAL,
    PiiRevealDenied,
    StaffIdentity,
    StepUpCheck,
    origin_of,
    record_audit,
    require_permission,
)

from . import dashboard, exports, waybills
from . import public as orders
from .errors import ExportNotReady
from .schemas import ConsoleOrder, ExportJobOut, ExportQueued, OrderExportCreate

SHANGHAI = ZoneInfo("Asia/Shanghai")

router = APIRouter()

OrderReader = Annotated[StaffIdentity, Depends(require_permission("orders:read"))]
Shipper = Annotated[StaffIdentity, Depends(require_permission("orders:ship"))]
AfterSaleHandler = Annotated[StaffIdentity, Depends(require_permission("aftersales:handle"))]

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
AfterSaleNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
Exporter = Annotated[StaffIdentity, Depends(require_permission("orders:export"))]
DashboardReader = Annotated[StaffIdentity, Depends(require_permission("dashboard:read"))]
JobId = PathId


def actor_of(staff: StaffIdentity) -> str:
    """How orders' timelines name a console actor (``staff:<username>``)."""
    return staff.username


# -- orders ----------------------------------------------------------------------------------


def _require_pii_reveal(staff: StaffIdentity) -> None:
    if PII_REVEAL not in staff.permissions:
        raise PiiRevealDenied(f"Your role ({staff.role}) lacks the {PII_REVEAL} permission")


def _require_step_up_for_refund(
    aftersale: orders.AfterSale, step_up: StepUpCheck, ctx: Ctx
) -> None:
    """Refunds from ``SHOPLET_STEP_UP_REFUND_THRESHOLD_FEN`` up need a fresh step-up. Checked
    after the service ran, inside the request's transaction: a refusal rolls everything back
    (the refund call to WeChat Pay is only scheduled on commit)."""
    if aftersale.amount >= ctx.settings.step_up_refund_threshold_fen:
        step_up.require()


def _is_phone_query(q: str | None) -> bool:
    """Orders find an 11-digit query by the phone's blind index, so it needs ``pii:reveal``."""
    return q is not None and q.strip().isdigit() and len(q.strip()) == 11


@router.get("/orders", responses=problem_responses(400, 403))
async def list_orders(
    staff: OrderReader,
    session: DbSession,
    ctx: Ctx,
    *,
    request: Request,
    order_status: Annotated[orders.ListStatus | None, Query(alias="status")] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=32, description="an order no. or a full phone number"),
    ] = None,
    created_from: QueryDay = None,
    created_to: QueryDay = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[orders.OrderAdmin]:
    """Orders, newest first (addresses masked); filter by status and by the days they were
    placed (``created_from`` .. ``created_to``, Asia/Shanghai days, both included), find by order
    no. or, with ``pii:reveal`` (recorded in the audit log), by phone."""
    since, until = day_range(created_from, created_to)
    if q is not None and _is_phone_query(q):
        _require_pii_reveal(staff)
        await record_audit(
            session,
            staff,
            "order.search_phone",
            None,
            {"phone": mask_phone(q.strip())},
            origin_of(request),
        )
    items, next_cursor = await orders.list_orders_admin(
        session,
        ctx.pii,
        status=order_status,
        q=q,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/members/{member_id}/orders", responses=problem_responses(400, 403))
async def list_member_orders(
    member_id: PathId,
    _: OrderReader,
    session: DbSession,
    ctx: Ctx,
    *,
    order_status: Annotated[orders.ListStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[orders.OrderAdmin]:
    """One member's orders, newest first (addresses masked), for the member page's 订单 tab."""
    items, next_cursor = await orders.list_orders_admin(
        session,
        ctx.pii,
        status=order_status,
        q=None,
        member_id=member_id,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/orders/{order_no}", responses=problem_responses(403, 404))
async def get_order(
    order_no: OrderNo,
    staff: OrderReader,
    *,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    step_up: StepUpCheck,
    reveal: Annotated[
        bool,
        Query(
            description="show the full address and phone: needs pii:reveal, recorded in the "
            "audit log"
        ),
    ] = False,
) -> ConsoleOrder:
    """One order with its timeline, after-sales, payments and refunds."""
    if reveal:
        _require_pii_reveal(staff)
        step_up.require()  # showing the full address and phone needs a fresh step-up
    order = await orders.get_order_admin(session, ctx.pii, order_no, reveal=reveal)
    if reveal:
        await record_audit(
            session,
            staff,
            "order.reveal_address",
            f"order:{order_no}",
            {"member_id": order.member_id},
            origin_of(request),
        )
    amounts = await payments.amounts_for_order(session, order_no)
    return ConsoleOrder(
        **order.model_dump(),
        payments=await payments.payments_for_order(session, order_no),
        refunds=await payments.refunds_for_order(session, order_no),
        paid_amount=amounts.paid,
        refunded_amount=amounts.refunded,
        refunding_amount=amounts.refunding,
    )


@router.post("/orders/{order_no}/ship", responses=problem_responses(404, 409))
async def ship_order(
    order_no: OrderNo,
    body: orders.Shipment,
    *,
    staff: Shipper,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> orders.OrderAdmin:
    """Mark a paid order shipped with the carrier and tracking number."""
    order = await orders.ship_order(
        session,
        order_no=order_no,
        carrier=body.carrier,
        tracking_no=body.tracking_no,
        actor=actor_of(staff),
        pii=ctx.pii,
        settings=ctx.settings,
    )
    await record_audit(
        session,
        staff,
        "order.ship",
        f"order:{order_no}",
        {"carrier": body.carrier, "tracking_no": body.tracking_no},
        origin_of(request),
    )
    return order


@router.post("/orders/waybills", responses=problem_responses(400))
async def print_waybills(
    body: fulfillment.WaybillBatch, *, staff: Shipper, request: Request, ctx: Ctx
) -> fulfillment.WaybillBatchResult:
    """批量打印电子面单: print an e-waybill for each selected paid order with one carrier and
    ship it with the number printed; each order's own outcome (a refused one stops no other)."""
    return await waybills.print_and_ship(
        ctx,
        order_nos=body.order_nos,
        carrier_code=body.carrier_code,
        staff=staff,
        actor=actor_of(staff),
        origin=origin_of(request),
    )


# -- after-sales -----------------------------------------------------------------------------


@router.get("/aftersales", responses=problem_responses(400))
async def list_aftersales(
    _: AfterSaleHandler,
    session: DbSession,
    *,
    aftersale_status: Annotated[orders.AfterSaleStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[orders.AfterSale]:
    """After-sale requests, newest first; ``status=requested`` is the to-do list."""
    items, next_cursor = await orders.list_aftersales(
        session, status=aftersale_status, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


def _aftersale_audit(aftersale: orders.AfterSale, **extra: Any) -> dict[str, Any]:
    return {
        "order_no": aftersale.order_no,
        "kind": aftersale.kind,
        "amount": aftersale.amount,
        "status": aftersale.status,
        **extra,
    }


@router.post("/aftersales/{aftersale_no}/approve", responses=problem_responses(403, 404, 409))
async def approve_aftersale(
    aftersale_no: AfterSaleNo,
    staff: AfterSaleHandler,
    *,
    step_up: StepUpCheck,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> orders.AfterSale:
    """Approve: a refund-only request is refunded now (from the step-up threshold up, with a
    fresh step-up); a return waits for the goods."""
    aftersale = await orders.approve_aftersale(
        session, aftersale_no=aftersale_no, actor=actor_of(staff)
    )
    if aftersale.kind == "refund_only":
        _require_step_up_for_refund(aftersale, step_up, ctx)
    await record_audit(
        session,
        staff,
        "aftersale.approve",
        f"aftersale:{aftersale_no}",
        _aftersale_audit(aftersale),
        origin_of(request),
    )
    return aftersale


@router.post("/aftersales/{aftersale_no}/reject", responses=problem_responses(404, 409))
async def reject_aftersale(
    aftersale_no: AfterSaleNo,
    body: orders.AfterSaleReject,
    staff: AfterSaleHandler,
    request: Request,
    session: DbSession,
) -> orders.AfterSale:
    """Refuse an after-sale request, with the reason the shopper will see."""
    aftersale = await orders.reject_aftersale(
        session, aftersale_no=aftersale_no, reason=body.reason, actor=actor_of(staff)
    )
    await record_audit(
        session,
        staff,
        "aftersale.reject",
        f"aftersale:{aftersale_no}",
        _aftersale_audit(aftersale, reason=body.reason),
        origin_of(request),
    )
    return aftersale


@router.post(
    "/aftersales/{aftersale_no}/confirm-return", responses=problem_responses(403, 404, 409)
)
async def confirm_return(
    aftersale_no: AfterSaleNo,
    staff: AfterSaleHandler,
    *,
    step_up: StepUpCheck,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> orders.AfterSale:
    """The returned goods arrived: back in stock, and the refund starts (from the step-up
    threshold up, with a fresh step-up)."""
    aftersale = await orders.confirm_return_received(
        session, aftersale_no=aftersale_no, actor=actor_of(staff)
    )
    _require_step_up_for_refund(aftersale, step_up, ctx)
    await record_audit(
        session,
        staff,
        "aftersale.confirm_return",
        f"aftersale:{aftersale_no}",
        _aftersale_audit(aftersale),
        origin_of(request),
    )
    return aftersale


# -- exports ---------------------------------------------------------------------------------


@router.post(
    "/exports/orders",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 403, 409),
)
async def create_order_export(
    body: OrderExportCreate,
    staff: Exporter,
    step_up: StepUpCheck,
    request: Request,
    session: DbSession,
) -> ExportQueued:
    """Queue a CSV export of orders (one row per order line); poll its status for progress.
    An export with full phone numbers (a role with ``pii:reveal``) needs a step-up grant."""
    if exports.reveals_phones(staff):
        step_up.require()
    job = await exports.request_order_export(session, staff, body)
    await record_audit(
        session,
        staff,
        "export.create",
        f"export:{job.id}",
        {"kind": job.kind, "filters": job.filters, "phones_masked": job.mask_phones},
        origin_of(request),
    )
    return ExportQueued(
        job_id=job.id, status="queued", status_url=f"/api/v1/console/exports/{job.id}"
    )


@router.get("/exports", responses=problem_responses(400))
async def list_exports(
    staff: Exporter,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ExportJobOut]:
    """Exports, newest first: an owner sees everyone's, others their own."""
    jobs, next_cursor = await exports.list_jobs(session, staff, cursor=cursor, limit=limit)
    return Page(items=[exports.job_out(job) for job in jobs], next_cursor=next_cursor)


@router.get("/exports/{job_id}", responses=problem_responses(404))
async def get_export(job_id: JobId, staff: Exporter, session: DbSession) -> ExportJobOut:
    """An export's status and progress; ``download_url`` once it is done."""
    return exports.job_out(await exports.get_visible_job(session, staff, job_id))


@router.get(
    "/exports/{job_id}/download",
    responses={
        **problem_responses(403, 404, 409),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
    },
    response_class=StreamingResponse,
)
async def download_export(
    job_id: JobId,
    staff: Exporter,
    *,
    step_up: StepUpCheck,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> StreamingResponse:
    """The export's CSV (UTF-8 with BOM), to the staff member who asked for it or an owner;
    a file with full phone numbers needs a step-up grant."""
    job = await exports.get_visible_job(session, staff, job_id)
    if job.status != "done" or job.file_key is None:
        raise ExportNotReady(f"the export is {job.status}")
    if not job.mask_phones:
        step_up.require()
    await record_audit(
        session,
        staff,
        "export.download",
        f"export:{job.id}",
        {"rows": job.progress, "phones_masked": job.mask_phones},
        origin_of(request),
    )
    # The audit entry must be stored before any byte leaves (DbSession commits after return,
    # and a streaming body is sent after that).
    stamp = (job.finished_at or job.created_at).astimezone(SHANGHAI).strftime("%Y%m%d-%H%M%S")
    ascii_name = f"orders-{job.id}-{stamp}.csv"
    utf8_name = quote(f"订单导出-{job.id}-{stamp}.csv")
    return StreamingResponse(
        exports.stream_export(ctx, job.file_key, job.parts),
        media_type=exports.CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"
            ),
            "Content-Length": str(job.size_bytes),
            "Cache-Control": "no-store",
        },
    )


# -- dashboard -------------------------------------------------------------------------------


@router.get("/dashboard")
async def get_dashboard(
    _: DashboardReader,
    session: DbSession,
    low_stock_threshold: Annotated[
        int, Query(ge=0, le=100_000)
    ] = dashboard.DEFAULT_LOW_STOCK_THRESHOLD,
) -> dashboard.Dashboard:
    """Sales today and yesterday, the 30-day trend, best sellers and SKUs running out."""
    return await dashboard.build_dashboard(session, threshold=low_stock_threshold)
