"""Cancelling, shipping and confirming receipt of an order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.security import PiiCipher
from shoplet.core.settings import Settings
from shoplet.modules.catalog import public as catalog
from shoplet.modules.fulfillment import public as fulfillment
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.errors import IllegalTransition, OrderOnHold
from shoplet.modules.orders.models import Order
from shoplet.modules.orders.models import OrderLine as OrderLineRow
from shoplet.modules.orders.schemas import OrderAdmin, OrderDetail
from shoplet.modules.payments import public as payments

from ._common import (
    SYSTEM,
    _address,
    _admin,
    _any_order,
    _cancel_unpaid,
    _detail,
    _member_order,
    _move,
    _move_or_raise,
    _note,
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
    if order.status != "shipped":
        # paid -> received exists only for a hand-over at a store (confirm_handed_over).
        raise IllegalTransition(
            f"only a shipped order can be confirmed received; this one is {order.status}",
            from_status=order.status,
            to_status="received",
        )
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


async def confirm_handed_over(
    session: AsyncSession, *, order_no: str, staff_username: str, now: datetime
) -> str:
    """A store handed a paid pickup order over (自提核销): paid -> received, ``received_at``
    now, ``order.received`` published; the order then completes after
    ``orders_auto_complete_days`` like any received order. Only orders whose stock came from
    a store (``stock_source_ref`` ``store:<id>``) and that never shipped qualify; 409
    ``orders.illegal_transition`` otherwise, and for the loser of two hand-overs at once (the
    conditional update on ``paid`` picks one). Returns the new status."""
    order = await _any_order(session, order_no)
    ref = order.stock_source_ref or ""
    if order.status != "paid" or not ref.startswith("store:") or order.shipped_at is not None:
        raise IllegalTransition(
            f"only a paid store pickup can be handed over; this one is {order.status}",
            from_status=order.status,
            to_status="received",
        )
    order = await _move_or_raise(
        session,
        order,
        "received",
        actor=staff_actor(staff_username),
        reason="门店自提核销",
        now=now,
        values={"received_at": now},
    )
    await publish(session, ev.ORDER_RECEIVED, _order_payload(order), key=order.order_no)
    return order.status


async def ship_order(
    session: AsyncSession,
    *,
    order_no: str,
    carrier: str,
    tracking_no: str,
    actor: str,
    pii: PiiCipher | None = None,
    settings: Settings | None = None,
) -> OrderAdmin:
    """paid -> shipped with the carrier and tracking no. (console). The answer's address is
    masked, or None when no ``pii`` cipher is passed. With ``settings``, a carrier Shoplet
    knows must be one the shop ships with and has enabled (物流公司): 400
    ``fulfillment.carrier_unsupported`` / 409 ``fulfillment.carrier_disabled`` otherwise."""
    order = await _any_order(session, order_no)
    if order.ship_hold is not None and order.status == "paid":
        raise OrderOnHold(order_no=order_no, hold=order.ship_hold)
    if order.is_virtual:
        raise IllegalTransition(
            "a virtual order is not shipped", from_status=order.status, to_status="shipped"
        )
    if settings is not None:
        await fulfillment.check_shipping_carrier(session, settings, carrier)
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
    # What tracking needs besides the number: the receiver's masked phone (SF checks its last
    # four digits; WeChat's 发货信息录入 wants the mask) and a short description of the goods.
    lines = (await repo.lines_for(session, [order.id])).get(order.id, [])
    item_desc = "、".join(line.title for line in lines)[:120] or "商品"
    contact = _address(pii, order, reveal=False).phone if pii is not None else None
    await publish(
        session,
        ev.ORDER_SHIPPED,
        _order_payload(
            order,
            carrier=order.carrier,
            tracking_no=order.tracking_no,
            item_desc=item_desc,
            receiver_contact=contact,
        ),
        key=order.order_no,
    )
    return await _admin(session, pii, order, reveal=False)


# -- ship holds (group buys) ------------------------------------------------------------------


async def release_ship_hold(session: AsyncSession, order_nos: list[str], *, hold: str) -> int:
    """The hold's owner lets these orders ship (a group filled up): how many were released.
    Idempotent: orders no longer under ``hold`` are left alone."""
    return await repo.release_ship_hold(session, order_nos, hold, utcnow())


async def lock_held_orders(session: AsyncSession, order_nos: Sequence[str]) -> None:
    """Before giving up several held orders in one transaction (a failed group): lock them all,
    in id order, before any of them moves stock. A payment of one of them holds its order row
    and then takes the SKU's stock row; giving up another first would take the stock row and
    then wait for that order row, and the two would deadlock."""
    await repo.lock_orders(session, order_nos)


async def void_held_order(
    session: AsyncSession, order_no: str, *, hold: str, reason: str
) -> str | None:
    """The hold's owner gives up on an order under ``hold`` (its group failed or was full): an
    unpaid one is cancelled (stock back, WeChat transaction closed; money that still arrives is
    refunded by :func:`handle_payment_succeeded`); a paid one is cancelled, its units go back on
    the shelf and everything paid is refunded (``payments.request_refund``, ``refund.succeeded``
    follows). Returns the status this call cancelled the order from (``pending_payment`` or
    ``paid``), None when it changed nothing: exactly once, since each status change is
    conditional. An unpaid order paid while we look (the conditional update waited for the
    payment's transaction and lost) is taken again as paid."""
    for _ in range(2):
        order = await _any_order(session, order_no)
        if order.ship_hold != hold:
            return None
        if order.status == "pending_payment":
            if await _cancel_held(session, order, reason):
                return "pending_payment"
        elif order.status == "paid":
            if await _refund_held(session, order, reason):
                return "paid"
        else:
            return None
    return None


async def _cancel_held(session: AsyncSession, order: Order, reason: str) -> bool:
    now = utcnow()
    if not await _move(
        session,
        order,
        "cancelled",
        actor=SYSTEM,
        reason=reason,
        now=now,
        values={"cancelled_at": now, "cancel_reason": reason[:200]},
    ):
        return False
    order = await _any_order(session, order.order_no)
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    await inventory.release(session, ref=order.order_no, reason=reason)
    await payments.close_for_order(session, order_no=order.order_no)
    await publish(
        session,
        ev.ORDER_CANCELLED,
        _order_payload(
            order,
            stock_source_ref=None,
            reason=reason,
            actor=SYSTEM,
            lines=[{"sku_id": ln.sku_id, "quantity": ln.quantity} for ln in lines],
            returned_to_source=[],
        ),
        key=order.order_no,
    )
    return True


async def _refund_held(session: AsyncSession, order: Order, reason: str) -> bool:
    now = utcnow()
    order_no = order.order_no
    if not await _move(
        session,
        order,
        "cancelled",
        actor=SYSTEM,
        reason=reason,
        now=now,
        values={"cancelled_at": now, "cancel_reason": reason[:200]},
    ):
        return False
    order = await _any_order(session, order_no)
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    for line in lines:
        await inventory.restock(
            session,
            sku_id=line.sku_id,
            quantity=line.quantity,
            ref=f"void:{order_no}",
            reason=reason[:60],
        )
    await catalog.record_sales(session, _units(lines, -1))
    refund_no = await payments.request_refund(
        session, order_no=order_no, aftersale_no=None, amount=order.payable_total, reason=reason
    )
    await _note(session, order, f"{reason}（退款单 {refund_no}）", now=now)
    await publish(
        session,
        ev.ORDER_CANCELLED,
        _order_payload(
            order,
            stock_source_ref=None,
            reason=reason,
            actor=SYSTEM,
            lines=[],
            returned_to_source=[],
            refund_requested=True,
        ),
        key=order_no,
    )
    return True


def _units(lines: list[OrderLineRow], sign: int) -> dict[int, int]:
    units: dict[int, int] = defaultdict(int)
    for line in lines:
        units[line.product_id] += sign * line.quantity
    return dict(units)
