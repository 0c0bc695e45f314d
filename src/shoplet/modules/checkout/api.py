"""HTTP endpoints of checkout (tags checkout): preview, place an order, pay for it."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response, status

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.core.http_cache import NO_STORE
from shoplet.core.net import client_ip
from shoplet.integrations.setup import IntegrationsDep
from shoplet.modules.checkout import service
from shoplet.modules.checkout.errors import IdempotencyKeyRequired
from shoplet.modules.checkout.schemas import (
    CheckoutPreview,
    CheckoutPreviewRequest,
    OrderCreate,
    PaymentStart,
    PayRequest,
)
from shoplet.modules.members.public import CurrentMember
from shoplet.modules.orders.public import OrderDetail
from shoplet.modules.promotions.public import CouponOption
from shoplet.modules.risk import public as risk

router = APIRouter(tags=["checkout"])

# Printable ASCII without spaces: UUIDs, ULIDs, "cart-<ts>-<rand>", ...
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{8,64}$")
OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]


def _idempotency_key(value: str | None) -> str:
    if value is None or not IDEMPOTENCY_KEY.fullmatch(value):
        raise IdempotencyKeyRequired()
    return value


@router.post("/checkout/preview", responses=problem_responses(400, 401, 404, 409))
async def preview(
    body: CheckoutPreviewRequest,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    response: Response,
) -> CheckoutPreview:
    """Price the cart's selected lines (or ``items``) as an order would be; writes nothing."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.preview(
        session,
        ctx.pii,
        member_id=member.id,
        address_id=body.address_id,
        items=body.items,
        coupon_id=body.coupon_id,
        no_coupon=body.no_coupon,
        points=body.points,
        delivery=body.delivery,
        activity=body.activity,
        ctx=ctx,
    )


@router.post("/checkout/coupons", responses=problem_responses(401, 404))
async def coupons_for_cart(
    body: CheckoutPreviewRequest,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    response: Response,
) -> list[CouponOption]:
    """The shopper's coupons against the cart's selected lines (or ``items``): usable ones
    first (largest saving, then soonest expiry), then the others with the reason (未达门槛，
    差¥x / 不在使用范围 / 已过期 …). Writes nothing."""
    response.headers["Cache-Control"] = NO_STORE
    previewed = await service.preview(
        session,
        ctx.pii,
        member_id=member.id,
        address_id=body.address_id,
        items=body.items,
        no_coupon=True,
        activity=body.activity,
        ctx=ctx,
    )
    return previewed.coupons


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 401, 403, 404, 409),
)
async def place_order(  # noqa: PLR0917  (FastAPI dependencies)
    body: OrderCreate,
    member: CurrentMember,
    session: DbSession,
    ctx: Ctx,
    client: risk.RiskClient,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="8-64 printable characters, new for every order the shopper places; "
            "a retry with the same key returns the first order",
        ),
    ] = None,
) -> OrderDetail:
    """Place an order from the cart's selected lines (or ``items``): prices are recomputed on the
    server, the stock is held until the payment deadline (409 ``inventory.insufficient``; 403
    ``risk.challenge_required`` / ``risk.blocked`` from the risk engine)."""
    key = _idempotency_key(idempotency_key)
    await risk.guard(
        session,
        ctx,
        risk.RiskRequest(
            action="checkout",
            subject=f"member:{member.id}",
            member_id=member.id,
            ip=client.ip,
            device_id=client.device_id,
            user_agent=client.user_agent,
            grant=client.grant,
        ),
    )
    order, _created = await service.place_order(
        session, ctx, member_id=member.id, body=body, idempotency_key=key
    )
    return order


@router.post("/orders/{order_no}/pay", responses=problem_responses(400, 401, 404, 409, 502))
async def pay_order(
    *,
    order_no: OrderNo,
    body: PayRequest,
    member: CurrentMember,
    ctx: Ctx,
    integrations: IntegrationsDep,
    request: Request,
) -> PaymentStart:
    """Start paying an unpaid order with WeChat Pay (mini program JSAPI or H5)."""
    return await service.start_payment(
        ctx,
        integrations.wechat_pay,
        member=member,
        order_no=order_no,
        channel=body.channel,
        client_ip=client_ip(request),
    )
