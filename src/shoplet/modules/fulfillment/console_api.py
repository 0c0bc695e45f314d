"""Console routes of fulfillment: an order's tracking timeline, 物流设置 (carriers, key
status), an order's printed e-waybill label, and 重试 for a failed tracking subscription or
WeChat 发货信息录入. Batch printing starts from the orders list
(orders' console route, which ships the orders with the numbers printed here)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response

from shoplet.core.context import Ctx
from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.modules.fulfillment import carriers, service
from shoplet.modules.fulfillment.schemas import (
    Carrier,
    CarrierCode,
    CarrierCreate,
    CarrierList,
    CarrierReorder,
    CarrierUpdate,
    LogisticsSettings,
    ShippingCarrier,
    Tracking,
)
from shoplet.modules.staff.public import (
    StaffIdentity,
    origin_of,
    record_audit,
    require_permission,
)

router = APIRouter()

OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^\d+$")]
Reader = Annotated[StaffIdentity, Depends(require_permission("orders:read"))]
Shipper = Annotated[StaffIdentity, Depends(require_permission("orders:ship"))]


@router.get("/orders/{order_no}/tracking", responses=problem_responses(404))
async def order_tracking(order_no: OrderNo, *, staff: Reader, session: DbSession) -> Tracking:
    """An order's parcel and its carrier timeline (newest first)."""
    return await service.tracking_for_order(session, order_no)


@router.get("/orders/{order_no}/waybill", responses=problem_responses(404))
async def order_waybill(order_no: OrderNo, *, staff: Shipper, session: DbSession) -> Response:
    """The e-waybill label printed for an order (the carrier's image)."""
    waybill = await service.waybill_label(session, order_no)
    return Response(
        waybill.label, media_type=waybill.label_type, headers={"Cache-Control": "private"}
    )


@router.get("/logistics/settings")
async def logistics_settings(*, staff: Shipper, session: DbSession, ctx: Ctx) -> LogisticsSettings:
    """物流设置: the provider, whether its key is set (never the key), the carriers."""
    return await service.logistics_settings(session, ctx)


CodePath = Annotated[CarrierCode, Path(description="the carrier's Kuaidi100 company code")]


def _audited(body: CarrierCreate | CarrierUpdate) -> dict[str, object]:
    """What the audit log keeps of a change: never the account password, only that it moved."""
    data = body.model_dump(exclude_unset=True, exclude={"account_secret"})
    if body.account_secret is not None:
        state = "set" if body.account_secret else "cleared"
        data["account_secret"] = state  # pragma: allowlist secret
    return data


@router.get("/logistics/carriers")
async def list_carriers(*, staff: Shipper, session: DbSession, ctx: Ctx) -> CarrierList:
    """物流公司: the shop's carriers in order, and the known ones that may still be added."""
    return await carriers.list_carriers(session, ctx.settings)


@router.get("/logistics/carriers/enabled")
async def list_shipping_carriers(
    *, staff: Shipper, session: DbSession, ctx: Ctx
) -> list[ShippingCarrier]:
    """The carriers a shipment may use (enabled, in order) for the 发货 and 批量打印面单 dialogs:
    read through the cache, no account details."""
    return await carriers.shipping_carriers(session, ctx.settings)


@router.post("/logistics/carriers", status_code=201, responses=problem_responses(400, 409))
async def create_carrier(
    body: CarrierCreate, *, staff: Shipper, request: Request, session: DbSession, ctx: Ctx
) -> Carrier:
    """Add a carrier Shoplet knows (a Kuaidi100 code), optionally with its e-waybill account."""
    created = await carriers.create_carrier(session, ctx.settings, ctx.pii, body)
    await record_audit(
        session,
        staff,
        "fulfillment.carrier_create",
        f"carrier:{body.code}",
        _audited(body),
        origin_of(request),
    )
    return created


@router.patch("/logistics/carriers/{code}", responses=problem_responses(404))
async def update_carrier(
    code: CodePath,
    body: CarrierUpdate,
    *,
    staff: Shipper,
    request: Request,
    session: DbSession,
    ctx: Ctx,
) -> Carrier:
    """Enable or disable a carrier, rename it, or set its e-waybill account and tracking."""
    updated = await carriers.update_carrier(session, ctx.settings, ctx.pii, code, body)
    await record_audit(
        session,
        staff,
        "fulfillment.carrier_update",
        f"carrier:{code}",
        _audited(body),
        origin_of(request),
    )
    return updated


@router.put("/logistics/carriers/order", responses=problem_responses(400))
async def reorder_carriers(
    body: CarrierReorder, *, staff: Shipper, request: Request, session: DbSession, ctx: Ctx
) -> CarrierList:
    """The carriers' new order (every code of the shop, once each)."""
    listed = await carriers.reorder_carriers(session, ctx.settings, body.codes)
    await record_audit(
        session,
        staff,
        "fulfillment.carrier_reorder",
        "carrier:*",
        {"codes": body.codes},
        origin_of(request),
    )
    return listed


RetryKind = Annotated[
    Literal["subscribe", "wechat"],
    Path(description="subscribe: the Kuaidi100 tracking subscription; wechat: 发货信息录入"),
]


@router.post("/orders/{order_no}/tracking/{kind}/retry", responses=problem_responses(404, 409))
async def retry_tracking_call(
    order_no: OrderNo, kind: RetryKind, *, staff: Shipper, request: Request, session: DbSession
) -> Tracking:
    """Queue a failed (or still waiting) tracking subscription or WeChat upload again now,
    with a fresh attempt budget; its job runs it within 15 s."""
    tracking = await service.retry_call(session, order_no, kind=kind)
    await record_audit(
        session,
        staff,
        "fulfillment.retry",
        f"order:{order_no}",
        {"kind": kind},
        origin_of(request),
    )
    return tracking
