"""Console routes for codes, voiding, jobs and the coupon of an order (mounted by
``console_api.py`` beside the template routes).

- ``/coupon-templates/{id}/codes``: generate a batch (one-time codes or a shared code), list
  batches with redeemed counts, export one as CSV (streamed), disable one;
- ``/coupons/{id}/void`` and ``/coupon-templates/{id}/void-unused`` (a job);
- ``/coupon-templates/{id}/jobs``: segment issues and voids with their progress;
- ``/orders/{order_no}/coupon`` and ``/orders/{order_no}/promotions``: the coupon and the
  store-wide promotions an order was placed with, as snapshotted (``orders:read``);
- ``/members/{id}/coupons``: one member's coupons by wallet tab (the member page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import StreamingResponse

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.params import PathId
from shoplet.core.schemas import Page
from shoplet.modules.promotions import service
from shoplet.modules.promotions.schemas import (
    AppliedCouponOut,
    CodeBatch,
    CodeBatchCreate,
    Coupon,
    CouponClaim,
    Job,
    OrderPromotion,
    VoidRequest,
    WalletTab,
)
from shoplet.modules.promotions.service.codes import check_export, export_csv
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

router = APIRouter(tags=["console-coupons"])

CouponManager = Annotated[StaffIdentity, Depends(require_permission("promotions:manage"))]
OrderReader = Annotated[StaffIdentity, Depends(require_permission("orders:read"))]
OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]
T = "/coupon-templates/{template_id}"


def _actor(staff: StaffIdentity) -> str:
    return f"staff:{staff.id}"


@router.post(
    f"{T}/codes", status_code=status.HTTP_201_CREATED, responses=problem_responses(400, 404, 409)
)
async def create_code_batch(
    template_id: PathId,
    body: CodeBatchCreate,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> CodeBatch:
    """``{"kind": "one_time", "count": N}`` or ``{"kind": "shared", "code": "SPRING2027"}``
    (400 ``promotions.invalid_code_batch``, 409 ``.code_taken``, ``.template_not_active``)."""
    batch = await service.create_batch(session, template_id, body, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "promotions.codes_create",
        f"coupon_template:{template_id}",
        {"batch_id": batch.id, "kind": batch.kind, "count": batch.count, "code": batch.code},
        origin_of(request),
    )
    return batch


@router.get(f"{T}/codes", responses=problem_responses(400, 404))
async def list_code_batches(
    template_id: PathId,
    _: CouponManager,
    session: DbSession,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[CodeBatch]:
    """A template's code batches, newest first, with how many were redeemed."""
    items, next_cursor = await service.list_batches(
        session, template_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    f"{T}/codes/{{batch_id}}/export",
    responses={**problem_responses(404), 200: {"content": {"text/csv": {}}}},
    response_class=StreamingResponse,
)
async def export_code_batch(
    *,
    template_id: PathId,
    batch_id: PathId,
    staff: CouponManager,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> StreamingResponse:
    """The batch's codes as CSV (兑换码, 状态, 使用时间), streamed page by page."""
    await check_export(session, template_id, batch_id)
    await record_audit(
        session,
        staff,
        "promotions.codes_export",
        f"coupon_code_batch:{batch_id}",
        None,
        origin_of(request),
    )
    return StreamingResponse(
        export_csv(ctx.sessionmaker, batch_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="codes-{batch_id}.csv"'},
    )


@router.post(f"{T}/codes/{{batch_id}}/disable", responses=problem_responses(404))
async def disable_code_batch(
    template_id: PathId,
    batch_id: PathId,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> CodeBatch:
    """Every code of the batch stops working; coupons already redeemed stay."""
    batch = await service.disable_batch(session, template_id, batch_id)
    await record_audit(
        session,
        staff,
        "promotions.codes_disable",
        f"coupon_code_batch:{batch_id}",
        None,
        origin_of(request),
    )
    return batch


@router.get("/members/{member_id}/coupons", responses=problem_responses(400))
async def member_coupons(
    member_id: PathId,
    _: CouponManager,
    session: DbSession,
    *,
    tab: Annotated[WalletTab, Query()] = "usable",
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Coupon]:
    """One member's coupons of a wallet tab, newest first: what the shopper sees in 我的优惠券
    (``usable``, ``used`` or held by an unpaid order, ``expired`` or void)."""
    items, next_cursor = await service.list_my_coupons(
        session, member_id=member_id, tab=tab, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/coupons/{coupon_id}/void", responses=problem_responses(400, 404, 409))
async def void_coupon(
    coupon_id: PathId,
    body: VoidRequest,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> CouponClaim:
    """Void an unused coupon (409 ``promotions.coupon_not_voidable`` once locked or used)."""
    voided = await service.void_coupon(session, coupon_id, reason=body.reason, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "promotions.coupon_void",
        f"coupon:{coupon_id}",
        {"reason": body.reason},
        origin_of(request),
    )
    return voided


@router.post(
    f"{T}/void-unused",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(400, 404, 409),
)
async def void_unused(
    template_id: PathId,
    body: VoidRequest,
    staff: CouponManager,
    request: Request,
    session: DbSession,
) -> Job:
    """Stop the template and queue a job voiding every unused copy (poll ``/jobs/{id}``)."""
    job = await service.void_unused(session, template_id, reason=body.reason, actor=_actor(staff))
    await record_audit(
        session,
        staff,
        "promotions.void_unused",
        f"coupon_template:{template_id}",
        {"job_id": job.id, "reason": body.reason, "total": job.total},
        origin_of(request),
    )
    return job


@router.get(f"{T}/jobs", responses=problem_responses(404))
async def list_jobs(template_id: PathId, _: CouponManager, session: DbSession) -> list[Job]:
    """The template's last 20 jobs, newest first."""
    return await service.list_jobs(session, template_id)


@router.get(f"{T}/jobs/{{job_id}}", responses=problem_responses(404))
async def get_job(template_id: PathId, job_id: PathId, _: CouponManager, session: DbSession) -> Job:
    """One job with its progress and result."""
    return await service.get_job(session, template_id, job_id)


@router.get("/orders/{order_no}/coupon", responses=problem_responses(404))
async def order_coupon(
    order_no: OrderNo, _: OrderReader, session: DbSession
) -> AppliedCouponOut | None:
    """The coupon the order used, as snapshotted when it was placed (null: none)."""
    return await service.order_coupon(session, order_no, member_id=None)


@router.get("/orders/{order_no}/promotions", responses=problem_responses(404))
async def order_promotions(
    order_no: OrderNo, _: OrderReader, session: DbSession
) -> list[OrderPromotion]:
    """The store-wide promotions the order was placed with, as snapshotted then, each with its
    share per line (404 ``orders.not_found`` for an unknown order)."""
    return await service.order_promotions(session, order_no, member_id=None)
