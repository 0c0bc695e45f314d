"""Console trade routes: orders, shipping, after-sales, shipping rules, payment reconciliation;
and the routers of exports, the dashboard and media uploads.

Thin: each route checks a permission, calls the owning module's ``public.py`` and appends an
audit entry in the same transaction (so the entry and the change commit or roll back together).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession, utcnow
from shoplet.core.errors import BadRequest, NotFound, problem_responses
from shoplet.core.schemas import Page, ResponseModel
from shoplet.core.security import mask_phone
from shoplet.integrations.wechat.pay import WeChatPayError
from shoplet.modules.checkout import public as checkout
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments
from shoplet.modules.payments.public import PaymentInfo, RefundInfo

from . import dashboard, exports, media
from .auth import PII_REVEAL, StaffIdentity, record_audit, require_permission
from .errors import PiiRevealDenied

SHANGHAI = ZoneInfo("Asia/Shanghai")

router = APIRouter()
router.include_router(exports.router)
router.include_router(dashboard.router)
router.include_router(media.router)

OrderReader = Annotated[StaffIdentity, Depends(require_permission("orders:read"))]
Shipper = Annotated[StaffIdentity, Depends(require_permission("orders:ship"))]
AfterSaleHandler = Annotated[StaffIdentity, Depends(require_permission("aftersales:handle"))]
# Shipping fees are part of what the shop charges: managed by whoever manages the catalogue
# (owners and operators), like prices.
ShippingManager = Annotated[StaffIdentity, Depends(require_permission("products:write"))]
# Money reports: owners and operators (the dashboard's audience), not support.
MoneyReader = Annotated[StaffIdentity, Depends(require_permission("dashboard:read"))]

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
AfterSaleNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


class ReconciliationNotFound(NotFound):
    code = "console.reconciliation_not_found"
    title = "No reconciliation for that day yet"


class ReconciliationUnavailable(BadRequest):
    code = "console.reconciliation_unavailable"
    title = "WeChat Pay has no bill for that day"


class ConsoleOrder(orders.OrderAdmin):
    """An order as the console shows it: the order, its timeline and after-sales, and the
    payments and refunds behind it (from payments' own records)."""

    payments: list[PaymentInfo]
    refunds: list[RefundInfo]
    paid_amount: int
    refunded_amount: int
    refunding_amount: int


class ReconciliationOut(ResponseModel):
    bill_date: date
    status: str
    summary: dict[str, Any]
    differences: list[dict[str, Any]]
    created_at: datetime


def actor_of(staff: StaffIdentity) -> str:
    """How orders' timelines name a console actor (``staff:<username>``)."""
    return staff.username


# -- orders ----------------------------------------------------------------------------------


def _require_pii_reveal(staff: StaffIdentity) -> None:
    if PII_REVEAL not in staff.permissions:
        raise PiiRevealDenied(f"Your role ({staff.role}) lacks the {PII_REVEAL} permission")


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
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[orders.OrderAdmin]:
    """Orders, newest first (addresses masked); filter by status, find by order no. or, with
    ``pii:reveal`` (recorded in the audit log), by phone."""
    if q is not None and _is_phone_query(q):
        _require_pii_reveal(staff)
        await record_audit(
            session, staff, "order.search_phone", None, {"phone": mask_phone(q.strip())}, request
        )
    items, next_cursor = await orders.list_orders_admin(
        session, ctx.pii, status=order_status, q=q, cursor=cursor, limit=limit
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
    order = await orders.get_order_admin(session, ctx.pii, order_no, reveal=reveal)
    if reveal:
        await record_audit(
            session,
            staff,
            "order.reveal_address",
            f"order:{order_no}",
            {"member_id": order.member_id},
            request,
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
    )
    await record_audit(
        session,
        staff,
        "order.ship",
        f"order:{order_no}",
        {"carrier": body.carrier, "tracking_no": body.tracking_no},
        request,
    )
    return order


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


@router.post("/aftersales/{aftersale_no}/approve", responses=problem_responses(404, 409))
async def approve_aftersale(
    aftersale_no: AfterSaleNo, staff: AfterSaleHandler, request: Request, session: DbSession
) -> orders.AfterSale:
    """Approve: a refund-only request is refunded now; a return waits for the goods."""
    aftersale = await orders.approve_aftersale(
        session, aftersale_no=aftersale_no, actor=actor_of(staff)
    )
    await record_audit(
        session,
        staff,
        "aftersale.approve",
        f"aftersale:{aftersale_no}",
        _aftersale_audit(aftersale),
        request,
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
        request,
    )
    return aftersale


@router.post("/aftersales/{aftersale_no}/confirm-return", responses=problem_responses(404, 409))
async def confirm_return(
    aftersale_no: AfterSaleNo, staff: AfterSaleHandler, request: Request, session: DbSession
) -> orders.AfterSale:
    """The returned goods arrived: back in stock, and the refund starts."""
    aftersale = await orders.confirm_return_received(
        session, aftersale_no=aftersale_no, actor=actor_of(staff)
    )
    await record_audit(
        session,
        staff,
        "aftersale.confirm_return",
        f"aftersale:{aftersale_no}",
        _aftersale_audit(aftersale),
        request,
    )
    return aftersale


# -- shipping rules --------------------------------------------------------------------------


@router.get("/shipping-rules")
async def get_shipping_rules(_: ShippingManager, session: DbSession) -> checkout.ShippingRulesView:
    """The shop's shipping fees: flat fee, free-shipping threshold, fees by region."""
    return checkout.shipping_rules_view(await checkout.get_shipping_rules(session))


@router.put("/shipping-rules", responses=problem_responses(400))
async def put_shipping_rules(
    body: checkout.ShippingRulesUpdate, staff: ShippingManager, request: Request, session: DbSession
) -> checkout.ShippingRulesView:
    """Replace the shipping rules; checkout prices new orders with them at once."""
    before = checkout.shipping_rules_view(await checkout.get_shipping_rules(session))
    rules = await checkout.update_shipping_rules(
        session, body.to_rules(), actor=f"staff:{staff.username}"
    )
    after = checkout.shipping_rules_view(rules)
    await record_audit(
        session,
        staff,
        "shipping_rules.update",
        "shipping_rules",
        {"before": before.model_dump(), "after": after.model_dump()},
        request,
    )
    return after


# -- payments --------------------------------------------------------------------------------


def _report(report: payments.ReconciliationReport) -> ReconciliationOut:
    return ReconciliationOut(
        bill_date=report.bill_date,
        status=report.status,
        summary=report.summary,
        differences=report.differences,
        created_at=report.created_at,
    )


@router.get("/payments/reconciliation", responses=problem_responses(404))
async def get_reconciliation(
    _: MoneyReader,
    session: DbSession,
    day: Annotated[date, Query(alias="date", description="China calendar day, YYYY-MM-DD")],
) -> ReconciliationOut:
    """A day's comparison of WeChat Pay's trade bill with Shoplet's payments and refunds."""
    report = await payments.get_reconciliation(session, day)
    if report is None:
        raise ReconciliationNotFound(f"no reconciliation for {day.isoformat()} yet")
    return _report(report)


@router.post("/payments/reconciliation", responses=problem_responses(400, 502))
async def run_reconciliation(
    staff: MoneyReader,
    request: Request,
    session: DbSession,
    ctx: Ctx,
    day: Annotated[date, Query(alias="date", description="China calendar day, YYYY-MM-DD")],
) -> ReconciliationOut:
    """Reconcile a day again now (after a late bill or a fix), replacing its report."""
    if day >= utcnow().astimezone(SHANGHAI).date():
        raise ReconciliationUnavailable("bills are published the day after, from 10:00")
    try:
        # payments runs its own short transactions around the WeChat Pay call.
        report = await payments.reconcile(ctx, day)
    except WeChatPayError as exc:
        if exc.verified and 400 <= exc.http_status < 500:
            raise ReconciliationUnavailable(exc.message, provider_code=exc.code) from exc
        raise payments.ProviderError(
            "WeChat Pay could not be reached", provider_code=exc.code
        ) from exc
    await record_audit(
        session,
        staff,
        "payments.reconcile",
        f"reconciliation:{day.isoformat()}",
        {"status": report.status, "differences": len(report.differences)},
        request,
    )
    return _report(report)
