"""What a payment or refund outcome does to an order: committing stock, auto-refunds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.models import Order
from shoplet.modules.orders.states import AFTERSALE_ORDER_STATUSES
from shoplet.modules.payments import public as payments

from ._common import (
    AUTO_REFUND_REASON,
    PAYMENT,
    REPLACEMENT_SUFFIX,
    RESERVATION_GRACE,
    SYSTEM,
    _any_order,
    _move,
    _note,
    _order_payload,
    log,
)
from .aftersales import _aftersale_payload, _move_aftersale, _reload_aftersale

# -- payments --------------------------------------------------------------------------------


async def _commit_stock(session: AsyncSession, order: Order, now: datetime) -> bool:
    """Turn the hold into a sale. When the hold was released before the money arrived, take the
    units again (free stock) under a replacement ref; False when they are gone."""
    try:
        await inventory.commit(session, ref=order.order_no)
        return True
    except inventory.ReservationReleased:
        pass
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    ref = order.order_no + REPLACEMENT_SUFFIX
    try:
        await inventory.reserve(
            session,
            ref=ref,
            lines=sorted((ln.sku_id, ln.quantity) for ln in lines),
            expires_at=now + RESERVATION_GRACE,
        )
    except inventory.InsufficientStock:
        return False
    await inventory.commit(session, ref=ref)
    await _note(session, order, "库存保留已过期，支付后重新锁定库存", now=now)
    return True


async def _sales(session: AsyncSession, order: Order, sign: int) -> None:
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    units: dict[int, int] = defaultdict(int)
    for line in lines:
        units[line.product_id] += sign * line.quantity
    await catalog.record_sales(session, units)


async def _auto_refund(
    session: AsyncSession, order: Order, *, amount: int, reason: str, now: datetime
) -> None:
    refund_no = await payments.request_refund(
        session, order_no=order.order_no, aftersale_no=None, amount=amount, reason=reason
    )
    await _note(session, order, f"{reason}（退款单 {refund_no}）", now=now)


async def settle_without_payment(session: AsyncSession, order_no: str, *, reason: str) -> None:
    """An order with nothing to pay (``payable_total`` 0: goods paid entirely in points) is paid
    at once, in the transaction that placed it: pending -> paid, stock sold, sales counted,
    ``order.paid`` with no payment. Idempotent: an order no longer pending is left alone."""
    order = await _any_order(session, order_no)
    if order.status != "pending_payment":
        return
    if order.payable_total != 0:
        raise RuntimeError(f"order {order_no} has {order.payable_total} fen to pay")
    now = utcnow()
    if not await _move(
        session, order, "paid", actor=SYSTEM, reason=reason, now=now, values={"paid_at": now}
    ):
        return
    order = await _any_order(session, order_no)
    if not await _commit_stock(session, order, now):
        raise RuntimeError(f"order {order_no}: its stock hold is gone")
    await _sales(session, order, +1)
    await publish(
        session,
        ev.ORDER_PAID,
        _order_payload(order, payment_no=None, amount=0, paid_at=now),
        key=order_no,
    )


async def handle_payment_succeeded(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``payment.succeeded``: pending -> paid, stock sold, sales counted. Money for an order that
    is no longer payable (cancelled by its timeout, or paid already through another channel) is
    refunded automatically."""
    order_no = str(payload["order_no"])
    payment_no = str(payload["payment_no"])
    amount = int(payload["amount"])
    order = await repo.get_order(session, order_no)
    if order is None:
        log.error("payment_for_unknown_order", order_no=order_no, payment_no=payment_no)
        return
    now = utcnow()
    if order.status == "pending_payment":
        if amount != order.payable_total:
            log.error(
                "payment_amount_mismatch", order_no=order_no, amount=amount, due=order.payable_total
            )
        paid_at = _parse_time(payload.get("paid_at")) or now
        won = await _move(
            session,
            order,
            "paid",
            actor=PAYMENT,
            reason=f"微信支付 {payload.get('transaction_id') or payment_no}",
            now=now,
            values={"paid_at": paid_at, "payment_no": payment_no},
        )
        if won:
            order = await _any_order(session, order_no)
            if not order.is_virtual and not await _commit_stock(session, order, now):
                reason = "支付时库存已售罄，自动退款"
                await _move(
                    session,
                    order,
                    "cancelled",
                    actor=SYSTEM,
                    reason=reason,
                    now=now,
                    values={"cancelled_at": now, "cancel_reason": reason},
                )
                order = await _any_order(session, order_no)
                await _auto_refund(session, order, amount=amount, reason=reason, now=now)
                await publish(
                    session,
                    ev.ORDER_CANCELLED,
                    _order_payload(
                        order,
                        stock_source_ref=order.stock_source_ref,
                        reason=reason,
                        actor=SYSTEM,
                        lines=[],
                        returned_to_source=[],
                        refund_requested=True,
                    ),
                    key=order_no,
                )
                return
            if not order.is_virtual:
                await _sales(session, order, +1)
            await publish(
                session,
                ev.ORDER_PAID,
                _order_payload(order, payment_no=payment_no, amount=amount, paid_at=paid_at),
                key=order_no,
            )
            return
        order = await _any_order(session, order_no)
    if order.status == "cancelled":
        await _auto_refund(session, order, amount=amount, reason=AUTO_REFUND_REASON, now=now)
    elif order.payment_no is not None and order.payment_no != payment_no:
        await _auto_refund(session, order, amount=amount, reason="重复支付，自动退款", now=now)
    # Otherwise this very payment was applied already.


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


async def handle_refund_succeeded(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``refund.succeeded``: the after-sale is refunded; the order is refunded once the refunds
    cover what was paid (goods never shipped go back on the shelf then)."""
    order_no = str(payload["order_no"])
    amount = int(payload["amount"])
    aftersale_no = payload.get("aftersale_no")
    order = await repo.get_order(session, order_no)
    if order is None:
        log.error("refund_for_unknown_order", order_no=order_no, refund_no=payload.get("refund_no"))
        return
    now = utcnow()
    if not aftersale_no:
        if order.status == "cancelled":
            await repo.add_refunded(session, order.id, amount, now)
        await _note(
            session,
            order,
            f"退款成功 {amount / 100:.2f} 元（{payload.get('refund_no')}）",
            now=now,
            actor=PAYMENT,
        )
        return
    aftersale = await repo.get_aftersale(session, str(aftersale_no), order_id=order.id)
    if aftersale is None:
        log.error("refund_for_unknown_aftersale", order_no=order_no, aftersale_no=aftersale_no)
        return
    if not await _move_aftersale(
        session, order, aftersale, "refunded", actor=PAYMENT, reason="退款成功", now=now
    ):
        return
    totals = await repo.add_refunded(session, order.id, amount, now)
    aftersale = await _reload_aftersale(session, aftersale)
    await publish(
        session, ev.AFTERSALE_REFUNDED, _aftersale_payload(order, aftersale), key=order_no
    )
    order = await _any_order(session, order_no)
    if totals is None or totals[0] < totals[1] or order.status not in AFTERSALE_ORDER_STATUSES:
        return
    # Goods that left the shop (shipped, or handed over at a store) stay with the shopper
    # unless returned: a return restocks through its after-sale, never here.
    goods_left = order.shipped_at is not None or order.received_at is not None
    if await _move(session, order, "refunded", actor=PAYMENT, reason="全额退款", now=now):
        order = await _any_order(session, order_no)
        if not goods_left and not order.is_virtual:
            # Sold but never sent or handed over: the units are on the shelf again, in the
            # shop's free (central) stock — a store pickup's units too, not its store's hold.
            lines = (await repo.lines_for(session, [order.id]))[order.id]
            for line in lines:
                await inventory.restock(
                    session,
                    sku_id=line.sku_id,
                    quantity=line.quantity,
                    ref=f"refund:{order_no}",
                    reason="未发货全额退款",
                )
            await _sales(session, order, -1)
        await publish(session, ev.ORDER_REFUNDED, _order_payload(order), key=order_no)


async def handle_refund_failed(session: AsyncSession, payload: Mapping[str, Any]) -> None:
    """``refund.failed``: say so on the timeline; the after-sale stays ``refunding`` for staff."""
    order = await repo.get_order(session, str(payload["order_no"]))
    if order is None:
        return
    aftersale = None
    if payload.get("aftersale_no"):
        aftersale = await repo.get_aftersale(session, str(payload["aftersale_no"]))
    error = str(payload.get("error") or "")[:120]
    await _note(
        session,
        order,
        f"退款失败（{payload.get('refund_no')}）{error}",
        now=utcnow(),
        aftersale=aftersale,
    )
