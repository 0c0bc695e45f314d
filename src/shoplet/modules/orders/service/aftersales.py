"""After-sales: requests, returns, approval, rejection and their refunds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.settings import Settings
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members import public as members
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.errors import (
    AfterSaleAmountExceeded,
    AfterSaleNotAllowed,
    AfterSaleNotFound,
    AfterSaleOnHold,
    IllegalTransition,
    InvalidAfterSaleItems,
    OrderNotFound,
)
from shoplet.modules.orders.models import AfterSale as AfterSaleRow
from shoplet.modules.orders.models import Order
from shoplet.modules.orders.models import OrderLine as OrderLineRow
from shoplet.modules.orders.schemas import AfterSale, AfterSaleCreate
from shoplet.modules.orders.states import (
    AFTERSALE_ORDER_STATUSES,
    OPEN_AFTERSALE_STATUSES,
    check_aftersale_transition,
)
from shoplet.modules.payments import public as payments

from ._common import _aftersale, _clamp, _event_row, _member_order, member_actor, staff_actor
from .placing import _number

# -- after-sales -----------------------------------------------------------------------------


def _aftersale_payload(order: Order, aftersale: AfterSaleRow) -> dict[str, Any]:
    return {
        "aftersale_no": aftersale.aftersale_no,
        "order_no": order.order_no,
        "member_id": order.member_id,
        "kind": aftersale.kind,
        "status": aftersale.status,
        "amount": aftersale.amount,
        "refund_no": aftersale.refund_no,
        "payable_total": order.payable_total,
    }


async def _reload_aftersale(session: AsyncSession, aftersale: AfterSaleRow) -> AfterSaleRow:
    row = await repo.get_aftersale(session, aftersale.aftersale_no)
    if row is None:  # pragma: no cover - rows are never deleted
        raise AfterSaleNotFound(aftersale_no=aftersale.aftersale_no)
    return row


async def _move_aftersale(
    session: AsyncSession,
    order: Order,
    aftersale: AfterSaleRow,
    to_status: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    values: Mapping[str, Any] | None = None,
    expected: str | None = None,
) -> bool:
    from_status = expected or aftersale.status
    check_aftersale_transition(from_status, to_status)
    won = await repo.transition_aftersale(
        session,
        aftersale.id,
        from_status=from_status,
        to_status=to_status,
        values={**(values or {}), "updated_at": now},
    )
    if won:
        if from_status in OPEN_AFTERSALE_STATUSES and to_status not in OPEN_AFTERSALE_STATUSES:
            await repo.release_aftersale_claim(session, order.id, aftersale.amount)
        await repo.insert_events(
            session,
            [
                _event_row(
                    order.id,
                    from_status,
                    to_status,
                    actor=actor,
                    reason=reason,
                    now=now,
                    aftersale_id=aftersale.id,
                )
            ],
        )
    return won


async def _move_aftersale_or_raise(
    session: AsyncSession,
    order: Order,
    aftersale: AfterSaleRow,
    to_status: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    values: Mapping[str, Any] | None = None,
    expected: str | None = None,
) -> AfterSaleRow:
    if not await _move_aftersale(
        session,
        order,
        aftersale,
        to_status,
        actor=actor,
        reason=reason,
        now=now,
        values=values,
        expected=expected,
    ):
        current = await _reload_aftersale(session, aftersale)
        raise IllegalTransition(
            f"an after-sale cannot go from {current.status} to {to_status}",
            from_status=current.status,
            to_status=to_status,
        )
    return await _reload_aftersale(session, aftersale)


def _returnable(
    lines: Sequence[OrderLineRow], aftersales: Sequence[AfterSaleRow]
) -> dict[int, int]:
    """Units per SKU not yet claimed by a live return."""
    left: dict[int, int] = defaultdict(int)
    for line in lines:
        left[line.sku_id] += line.quantity
    for a in aftersales:
        if a.kind == "return_refund" and a.status not in ("rejected", "cancelled"):
            for item in a.items or []:
                left[int(item["sku_id"])] -= int(item["quantity"])
    return {sku_id: n for sku_id, n in left.items() if n > 0}


def _check_items_amount(
    lines: Sequence[OrderLineRow],
    left: Mapping[int, int],
    items: Sequence[Mapping[str, int]],
    amount: int,
) -> None:
    """A return of part of the order refunds at most what those units were paid: each line's
    ``payable`` (its price less its share of every promotion and coupon, as allocated when the
    order was placed) spread over its units so that the returns of a line add up to its payable
    exactly (``floor(payable × returned / quantity)`` before and after). Returning every unit
    left is bounded by the order's headroom only (it may include shipping)."""
    returning = {int(i["sku_id"]): int(i["quantity"]) for i in items}
    if all(returning.get(sku_id, 0) >= n for sku_id, n in left.items()):
        return
    by_sku = {line.sku_id: line for line in lines}
    cap = 0
    for sku_id, quantity in returning.items():
        line = by_sku[sku_id]
        before = line.quantity - left.get(sku_id, 0)
        after = before + quantity
        cap += line.payable * after // line.quantity - line.payable * before // line.quantity
    if amount > cap:
        raise AfterSaleAmountExceeded(
            f"these items were paid {cap} fen: at most that can be refunded", available=cap
        )


def _check_not_on_hold(order: Order) -> None:
    """An order on a ship hold (a group not complete, a crowdfunding campaign not settled) is
    refunded in full by its play if the play fails: an after-sale refund before then would pay
    the money back twice (409 ``orders.aftersale_on_hold``)."""
    if order.ship_hold is not None:
        raise AfterSaleOnHold(order_no=order.order_no, hold=order.ship_hold)


async def request_aftersale(
    session: AsyncSession,
    settings: Settings,
    *,
    member_id: int,
    order_no: str,
    data: AfterSaleCreate,
) -> AfterSale:
    """A shopper asks for money back (and to send goods back). Allowed on paid, shipped, and —
    within ``orders_aftersale_window_days`` of receipt — received or completed orders; the
    amount may not exceed what was paid minus what was refunded minus other open requests."""
    await members.hold_member(session, member_id)
    order = await _member_order(session, member_id, order_no)
    now = utcnow()
    if order.status not in AFTERSALE_ORDER_STATUSES:
        raise AfterSaleNotAllowed(
            f"no after-sale on a {order.status} order", order_status=order.status
        )
    _check_not_on_hold(order)
    window = timedelta(days=settings.orders_aftersale_window_days)
    if order.received_at is not None and order.received_at + window < now:
        raise AfterSaleNotAllowed("the after-sale window has closed", order_status=order.status)
    if data.kind == "return_refund" and order.shipped_at is None and order.received_at is None:
        raise AfterSaleNotAllowed(
            "nothing was shipped or handed over: ask for a refund only",
            order_status=order.status,
        )
    if data.kind == "refund_only" and data.items:
        raise InvalidAfterSaleItems("a refund-only request takes no items")
    # Requests of one order share one amount limit: the claim is one conditional UPDATE on the
    # order row (released when the request closes), which also serialises what follows.
    if not await repo.claim_aftersale_amount(session, order.id, data.amount):
        available = max(await repo.refund_headroom(session, order.id), 0)
        raise AfterSaleAmountExceeded(
            f"at most {available} fen can still be requested", available=available
        )
    aftersales = await repo.aftersales_for(session, [order.id])
    items: list[dict[str, int]] = []
    if data.kind == "return_refund":
        lines = (await repo.lines_for(session, [order.id]))[order.id]
        left = _returnable(lines, aftersales)
        if data.items:
            wanted: dict[int, int] = defaultdict(int)
            for item in data.items:
                wanted[item.sku_id] += item.quantity
            for sku_id, quantity in wanted.items():
                if quantity > left.get(sku_id, 0):
                    raise InvalidAfterSaleItems(
                        f"SKU {sku_id}: {left.get(sku_id, 0)} unit(s) can be returned",
                        sku_id=sku_id,
                    )
            items = [{"sku_id": s, "quantity": q} for s, q in sorted(wanted.items())]
        else:
            if not left:
                raise InvalidAfterSaleItems("every unit of this order is being returned already")
            items = [{"sku_id": s, "quantity": q} for s, q in sorted(left.items())]
        _check_items_amount(lines, left, items, data.amount)
    row = AfterSaleRow(
        aftersale_no=_number("AS", now),
        order_id=order.id,
        member_id=member_id,
        kind=data.kind,
        reason=data.reason,
        amount=data.amount,
        items=items,
        status="requested",
        created_at=now,
        updated_at=now,
    )
    row = await repo.insert_aftersale(session, row)
    await repo.insert_events(
        session,
        [
            _event_row(
                order.id,
                None,
                "requested",
                actor=member_actor(member_id),
                reason=data.reason,
                now=now,
                aftersale_id=row.id,
            )
        ],
    )
    await publish(session, ev.AFTERSALE_REQUESTED, _aftersale_payload(order, row), key=order_no)
    return _aftersale(row, order.order_no)


async def _member_aftersale(
    session: AsyncSession, member_id: int, order_no: str, aftersale_no: str
) -> tuple[Order, AfterSaleRow]:
    order = await _member_order(session, member_id, order_no)
    aftersale = await repo.get_aftersale(session, aftersale_no, order_id=order.id)
    if aftersale is None:
        raise AfterSaleNotFound(aftersale_no=aftersale_no)
    return order, aftersale


async def _staff_aftersale(session: AsyncSession, aftersale_no: str) -> tuple[Order, AfterSaleRow]:
    aftersale = await repo.get_aftersale(session, aftersale_no)
    if aftersale is None:
        raise AfterSaleNotFound(aftersale_no=aftersale_no)
    order = await repo.get_order_by_id(session, aftersale.order_id)
    if order is None:  # pragma: no cover - rows are never deleted
        raise OrderNotFound()
    return order, aftersale


async def submit_return(
    session: AsyncSession,
    *,
    member_id: int,
    order_no: str,
    aftersale_no: str,
    carrier: str,
    tracking_no: str,
) -> AfterSale:
    """The shopper has sent the goods back: awaiting_return -> returned."""
    order, aftersale = await _member_aftersale(session, member_id, order_no, aftersale_no)
    aftersale = await _move_aftersale_or_raise(
        session,
        order,
        aftersale,
        "returned",
        actor=member_actor(member_id),
        reason=f"退货 {carrier} {tracking_no}",
        now=utcnow(),
        values={"return_carrier": carrier, "return_tracking_no": tracking_no},
    )
    return _aftersale(aftersale, order.order_no)


async def withdraw_aftersale(
    session: AsyncSession, *, member_id: int, order_no: str, aftersale_no: str
) -> AfterSale:
    """The shopper withdraws a request not yet refunded or sent back."""
    order, aftersale = await _member_aftersale(session, member_id, order_no, aftersale_no)
    aftersale = await _move_aftersale_or_raise(
        session,
        order,
        aftersale,
        "cancelled",
        actor=member_actor(member_id),
        reason="买家撤销",
        now=utcnow(),
    )
    return _aftersale(aftersale, order.order_no)


async def _start_refund(
    session: AsyncSession, order: Order, aftersale: AfterSaleRow, *, actor: str, now: datetime
) -> AfterSaleRow:
    refund_no = await payments.request_refund(
        session,
        order_no=order.order_no,
        aftersale_no=aftersale.aftersale_no,
        amount=aftersale.amount,
        reason=aftersale.reason[:80],
    )
    return await _move_aftersale_or_raise(
        session,
        order,
        aftersale,
        "refunding",
        actor=actor,
        reason=f"退款已提交 {refund_no}",
        now=now,
        values={"refund_no": refund_no},
    )


async def approve_aftersale(session: AsyncSession, *, aftersale_no: str, actor: str) -> AfterSale:
    """Staff approve: a refund-only request is refunded now; a return waits for the goods."""
    order, aftersale = await _staff_aftersale(session, aftersale_no)
    actor = staff_actor(actor)
    now = utcnow()
    to_status = "approved" if aftersale.kind == "refund_only" else "awaiting_return"
    aftersale = await _move_aftersale_or_raise(
        session, order, aftersale, to_status, actor=actor, reason="同意", now=now
    )
    await publish(
        session, ev.AFTERSALE_APPROVED, _aftersale_payload(order, aftersale), key=order.order_no
    )
    if aftersale.kind == "refund_only":
        aftersale = await _start_refund(session, order, aftersale, actor=actor, now=now)
    return _aftersale(aftersale, order.order_no)


async def reject_aftersale(
    session: AsyncSession, *, aftersale_no: str, reason: str, actor: str
) -> AfterSale:
    order, aftersale = await _staff_aftersale(session, aftersale_no)
    aftersale = await _move_aftersale_or_raise(
        session,
        order,
        aftersale,
        "rejected",
        actor=staff_actor(actor),
        reason=reason,
        now=utcnow(),
        values={"reject_reason": reason[:200]},
    )
    await publish(
        session, ev.AFTERSALE_REJECTED, _aftersale_payload(order, aftersale), key=order.order_no
    )
    return _aftersale(aftersale, order.order_no)


async def confirm_return_received(
    session: AsyncSession, *, aftersale_no: str, actor: str
) -> AfterSale:
    """Staff received the goods: back on the shelf (ref ``return:<aftersale no.>``, once per
    SKU even if retried), sales count reduced, refund requested."""
    order, aftersale = await _staff_aftersale(session, aftersale_no)
    actor = staff_actor(actor)
    now = utcnow()
    if aftersale.kind != "return_refund":
        raise IllegalTransition(
            "a refund-only request has no goods to receive",
            from_status=aftersale.status,
            to_status="returned",
        )
    if aftersale.status == "awaiting_return":
        # The parcel arrived before the shopper entered its tracking number.
        aftersale = await _move_aftersale_or_raise(
            session, order, aftersale, "returned", actor=actor, reason="商家已收到退货", now=now
        )
    check_aftersale_transition(aftersale.status, "refunding")
    products: dict[int, int] = defaultdict(int)
    lines = {ln.sku_id: ln for ln in (await repo.lines_for(session, [order.id]))[order.id]}
    for item in aftersale.items or []:
        sku_id, quantity = int(item["sku_id"]), int(item["quantity"])
        await inventory.restock(
            session,
            sku_id=sku_id,
            quantity=quantity,
            ref=f"return:{aftersale.aftersale_no}",
            reason="退货入库",
        )
        products[lines[sku_id].product_id] -= quantity
    await catalog.record_sales(session, products)
    aftersale = await _start_refund(session, order, aftersale, actor=actor, now=now)
    return _aftersale(aftersale, order.order_no)


async def list_aftersales(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[AfterSale], str | None]:
    limit = _clamp(limit)
    rows = await repo.list_aftersales(
        session, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    items = [_aftersale(a, order_no) for a, order_no in page]
    return items, encode_id_cursor(page[-1][0].id) if len(rows) > limit else None
