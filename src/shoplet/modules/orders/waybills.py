"""Batch e-waybills from the console's orders list: for each selected paid order, fulfillment
prints a waybill with the carrier (its number and label), then the order ships with that number.

Each order is handled on its own, in short transactions around the carrier call (no transaction
is held while the carrier answers); one refused order does not stop the others, and a reprint
of an order already printed returns the stored number without calling the carrier again.
"""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work
from shoplet.core.errors import ShopletError
from shoplet.integrations.logistics.carrier import CARRIER_NAMES
from shoplet.modules.fulfillment import public as fulfillment
from shoplet.modules.orders.errors import IllegalTransition
from shoplet.modules.orders.service import get_order_admin, ship_order
from shoplet.modules.staff.public import Origin, StaffIdentity, record_audit

LABEL_PATH = "/api/v1/console/orders/{order_no}/waybill"


async def print_and_ship(
    ctx: AppContext,
    *,
    order_nos: list[str],
    carrier_code: str,
    staff: StaffIdentity,
    actor: str,
    origin: Origin,
) -> fulfillment.WaybillBatchResult:
    # A carrier the shop does not have, or has switched off, is refused before any order is
    # touched (400 fulfillment.carrier_unsupported, 409 fulfillment.carrier_disabled).
    async with read_session(ctx.sessionmaker) as session:
        carrier = await fulfillment.require_enabled(session, ctx.settings, carrier_code)
    results: list[fulfillment.WaybillResult] = []
    for order_no in dict.fromkeys(order_nos):
        try:
            results.append(
                await _one(ctx, order_no, carrier, staff=staff, actor=actor, origin=origin)
            )
        except ShopletError as exc:
            results.append(
                fulfillment.WaybillResult(
                    order_no=order_no, ok=False, error_code=exc.code, error=exc.detail
                )
            )
    return fulfillment.WaybillBatchResult(results=results)


async def _one(
    ctx: AppContext,
    order_no: str,
    carrier: fulfillment.ShopCarrier,
    *,
    staff: StaffIdentity,
    actor: str,
    origin: Origin,
) -> fulfillment.WaybillResult:
    async with unit_of_work(ctx.sessionmaker) as session:
        order = await get_order_admin(session, ctx.pii, order_no, reveal=True)
    if order.status != "paid" or order.address is None:
        raise IllegalTransition(
            f"only a paid order is printed and shipped; this one is {order.status}",
            from_status=order.status,
            to_status="shipped",
        )
    address = order.address
    printed = await fulfillment.print_waybill(
        ctx,
        order_no=order_no,
        carrier_code=carrier.code,
        recipient=fulfillment.Party(
            name=address.recipient,
            mobile=address.phone,
            address=f"{address.province}{address.city}{address.district}{address.detail}",
        ),
        cargo="、".join(line.title for line in order.lines)[:40] or "商品",
    )
    async with unit_of_work(ctx.sessionmaker) as session:
        await ship_order(
            session,
            order_no=order_no,
            # The canonical name, which tracking resolves back to the code (a shop's own name
            # for the carrier is only for its lists).
            carrier=CARRIER_NAMES.get(printed.carrier_code, printed.carrier_code),
            tracking_no=printed.tracking_no,
            actor=actor,
            pii=ctx.pii,
        )
        await record_audit(
            session,
            staff,
            "order.ship",
            f"order:{order_no}",
            {"carrier": printed.carrier_code, "tracking_no": printed.tracking_no, "waybill": True},
            origin,
        )
    return fulfillment.WaybillResult(
        order_no=order_no,
        ok=True,
        carrier_code=printed.carrier_code,
        tracking_no=printed.tracking_no,
        label_url=LABEL_PATH.format(order_no=order_no),
    )
