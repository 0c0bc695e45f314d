"""HTTP endpoints of the orders module for shoppers (tags orders). Placing and paying an order are
checkout's (``POST /orders``, ``POST /orders/{order_no}/pay``); the console's routes are in
``console_api.py``. Another member's order answers 404 ``orders.not_found``, never 403.
The order list and an order's page read from a replica when one is configured
(``core.replicas``: the shopper's own writes are always visible)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.replicas import ReplicaDbSession
from shoplet.core.schemas import Page
from shoplet.modules.members import public as members
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.orders import service
from shoplet.modules.orders.schemas import (
    AfterSale,
    AfterSaleCreate,
    ListStatus,
    OrderCancel,
    OrderDetail,
    OrderSummary,
    ReturnShipment,
)
from shoplet.modules.risk import public as risk

router = APIRouter(tags=["orders"])

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]
AfterSaleNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^AS\d+$")]


@router.get("/orders", responses=problem_responses(400, 401))
async def list_orders(
    *,
    member: CurrentMember,
    session: ReplicaDbSession,
    response: Response,
    status_filter: Annotated[
        ListStatus | None,
        Query(alias="status", description="an order status, or after_sale (has a request)"),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> Page[OrderSummary]:
    """The signed-in shopper's orders, newest first (keyset pages)."""
    response.headers["Cache-Control"] = NO_STORE
    items, next_cursor = await service.list_member_orders(
        session, member_id=member.id, status=status_filter, cursor=cursor, limit=limit
    )
    return Page[OrderSummary](items=items, next_cursor=next_cursor)


@router.get("/orders/{order_no}", responses=problem_responses(401, 404))
async def get_order(
    order_no: OrderNo,
    member: CurrentMember,
    session: ReplicaDbSession,
    ctx: Ctx,
    response: Response,
) -> OrderDetail:
    """One order: lines, amounts, masked address, timeline and after-sales."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.get_order_detail(session, ctx.pii, member_id=member.id, order_no=order_no)


@router.post("/orders/{order_no}/cancel", responses=problem_responses(401, 404, 409))
async def cancel_order(
    order_no: OrderNo,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    body: Annotated[OrderCancel | None, Body()] = None,
) -> OrderDetail:
    """Cancel an unpaid order; its stock is released at once."""
    return await service.cancel_order(
        session,
        ctx.pii,
        member_id=member.id,
        order_no=order_no,
        reason=body.reason if body is not None else None,
    )


@router.post("/orders/{order_no}/confirm-receipt", responses=problem_responses(401, 404, 409))
async def confirm_receipt(
    order_no: OrderNo, member: CurrentMember, session: DbSession, ctx: Ctx
) -> OrderDetail:
    """The shopper has received a shipped order."""
    return await service.confirm_receipt(session, ctx.pii, member_id=member.id, order_no=order_no)


@router.post(
    "/orders/{order_no}/aftersales",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 409),
)
async def request_aftersale(  # noqa: PLR0917  (FastAPI dependencies)
    order_no: OrderNo,
    body: AfterSaleCreate,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
) -> AfterSale:
    """Ask for a refund (``refund_only``) or to return goods for a refund (``return_refund``).
    The risk engine may block it (403 ``risk.blocked``) or queue it for review in the console
    (unusual refund patterns: many refunds a day, a large refund from a new account)."""
    await risk.guard(
        session,
        ctx,
        risk.RiskRequest(
            action="refund",
            subject=f"member:{member.id}",
            member_id=member.id,
            ip=client.ip,
            device_id=client.device_id,
            user_agent=client.user_agent,
            grant=client.grant,
            amount=body.amount,
            account_created_at=await members.get_member_since(session, member.id),
        ),
    )
    return await service.request_aftersale(
        session, ctx.settings, member_id=member.id, order_no=order_no, data=body
    )


@router.post(
    "/orders/{order_no}/aftersales/{aftersale_no}/return",
    responses=problem_responses(401, 404, 409),
)
async def submit_return(
    order_no: OrderNo,
    aftersale_no: AfterSaleNo,
    body: ReturnShipment,
    member: CurrentMember,
    session: DbSession,
) -> AfterSale:
    """The goods of an approved return are on their way back (carrier and tracking no.)."""
    return await service.submit_return(
        session,
        member_id=member.id,
        order_no=order_no,
        aftersale_no=aftersale_no,
        carrier=body.carrier,
        tracking_no=body.tracking_no,
    )


@router.post(
    "/orders/{order_no}/aftersales/{aftersale_no}/cancel",
    responses=problem_responses(401, 404, 409),
)
async def withdraw_aftersale(
    order_no: OrderNo, aftersale_no: AfterSaleNo, member: CurrentMember, session: DbSession
) -> AfterSale:
    """Withdraw a request that is not being refunded yet (nor its goods sent back)."""
    return await service.withdraw_aftersale(
        session, member_id=member.id, order_no=order_no, aftersale_no=aftersale_no
    )
