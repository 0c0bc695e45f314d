"""Cancelling, shipping and confirming receipt of an order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.security import PiiCipher
from shoplet.modules.orders import events as ev
from shoplet.modules.orders.errors import IllegalTransition
from shoplet.modules.orders.schemas import OrderAdmin, OrderDetail

from ._common import (
    _admin,
    _any_order,
    _cancel_unpaid,
    _detail,
    _member_order,
    _move_or_raise,
    _order_payload,
    member_actor,
    staff_actor,
)


async def cancel_order(
    session: AsyncSession, pii: PiiCipher, *, member_id: int, order_no: str, reason: str | None
) -> OrderDetail:
    """The shopper cancels an unpaid order (409 ``orders.illegal_transition`` otherwise)."""
    order = await _member_order(session, member_id, order_no)
    if order.status != "pending_payment":
        raise IllegalTransition(
            f"only an unpaid order can be cancelled; this one is {order.status}",
            from_status=order.status,
            to_status="cancelled",
        )
    order = await _cancel_unpaid(
        session, order, actor=member_actor(member_id), reason=reason or "买家取消", now=utcnow()
    )
    return await _detail(session, pii, order)


async def confirm_receipt(
    session: AsyncSession, pii: PiiCipher, *, member_id: int, order_no: str
) -> OrderDetail:
    order = await _member_order(session, member_id, order_no)
    now = utcnow()
    order = await _move_or_raise(
        session,
        order,
        "received",
        actor=member_actor(member_id),
        reason="确认收货",
        now=now,
        values={"received_at": now},
    )
    await publish(session, ev.ORDER_RECEIVED, _order_payload(order), key=order.order_no)
    return await _detail(session, pii, order)


async def ship_order(
    session: AsyncSession,
    *,
    order_no: str,
    carrier: str,
    tracking_no: str,
    actor: str,
    pii: PiiCipher | None = None,
) -> OrderAdmin:
    """paid -> shipped with the carrier and tracking no. (console). The answer's address is
    masked, or None when no ``pii`` cipher is passed."""
    order = await _any_order(session, order_no)
    if order.is_virtual:
        raise IllegalTransition(
            "a virtual order is not shipped", from_status=order.status, to_status="shipped"
        )
    now = utcnow()
    order = await _move_or_raise(
        session,
        order,
        "shipped",
        actor=staff_actor(actor),
        reason=f"{carrier} {tracking_no}",
        now=now,
        values={"shipped_at": now, "carrier": carrier[:50], "tracking_no": tracking_no[:50]},
    )
    await publish(
        session,
        ev.ORDER_SHIPPED,
        _order_payload(order, carrier=order.carrier, tracking_no=order.tracking_no),
        key=order.order_no,
    )
    return await _admin(session, pii, order, reveal=False)
