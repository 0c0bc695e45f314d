"""Orders business rules: placing an order with its stock, the state machine in action, after-sales,
and the reactions to payments.

Every status change is ``states.check_*`` (is it legal?) + a conditional UPDATE on the old
status (did we win the race?) + an ``orders_event`` row + an outbox event, all in the caller's
transaction (flush only). Stock follows the order in the same transaction: reserved when it is
placed, committed when it is paid, released (or handed back to its flash sale) when it is
cancelled, put back on the shelf when goods come back.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.pagination import decode_id_cursor, encode_id_cursor
from shoplet.core.security import PiiCipher, mask_name, mask_phone, mask_text
from shoplet.core.settings import Settings
from shoplet.modules.catalog import public as catalog
from shoplet.modules.inventory import public as inventory
from shoplet.modules.members.public import AddressSnapshot
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.errors import (
    AfterSaleAmountExceeded,
    AfterSaleNotAllowed,
    AfterSaleNotFound,
    IdempotencyConflict,
    IllegalTransition,
    InvalidAfterSaleItems,
    InvalidOrder,
    OrderNotFound,
)
from shoplet.modules.orders.models import AfterSale as AfterSaleRow
from shoplet.modules.orders.models import Order
from shoplet.modules.orders.models import OrderEvent as OrderEventRow
from shoplet.modules.orders.models import OrderLine as OrderLineRow
from shoplet.modules.orders.schemas import (
    AfterSale,
    AfterSaleCreate,
    AfterSaleReturnItem,
    OrderAddress,
    OrderAdmin,
    OrderDetail,
    OrderExportRow,
    OrderLine,
    OrderLineInput,
    OrderSummary,
    PayableOrder,
    SalesDay,
    SalesSummary,
    TimelineEntry,
    TopProduct,
)
from shoplet.modules.orders.states import (
    AFTERSALE_ORDER_STATUSES,
    OPEN_AFTERSALE_STATUSES,
    check_aftersale_transition,
    check_order_transition,
)
from shoplet.modules.payments import public as payments

log = structlog.get_logger("shoplet.orders")

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991
SYSTEM = "system"
# The stock hold outlives the payment deadline a little, so that the order's own timeout
# (which also closes the payment) normally releases it, not inventory's expiry sweep.
RESERVATION_GRACE = timedelta(minutes=10)
# After the stock hold was lost (released before the payment arrived), the units are taken
# again under this ref and committed at once.
REPLACEMENT_SUFFIX = ":paid"
AUTO_REFUND_REASON = "订单已取消，自动退款"
MAX_LIMIT = 50
NUMBER_ATTEMPTS = 5
DESCRIPTION_MAX = 100


def member_actor(member_id: int) -> str:
    return f"member:{member_id}"


def staff_actor(username: str) -> str:
    return username if username.startswith(("staff:", "system")) else f"staff:{username}"


def _number(prefix: str, now: datetime) -> str:
    """``20261126`` (China date) + 10 random digits; the unique index catches the rare clash."""
    return f"{prefix}{now.astimezone(CHINA):%Y%m%d}{secrets.randbelow(10**10):010d}"


# -- building responses ----------------------------------------------------------------------


def _address(pii: PiiCipher, order: Order, *, reveal: bool) -> OrderAddress:
    data = orjson.loads(pii.decrypt(order.address_encrypted))
    recipient, phone, detail = data["recipient"], data["phone"], data["detail"]
    if not reveal:
        recipient, phone, detail = mask_name(recipient), mask_phone(phone), mask_text(detail)
    return OrderAddress(
        recipient=recipient,
        phone=phone,
        province=data["province"],
        city=data["city"],
        district=data["district"],
        region_code=data["region_code"],
        detail=detail,
        postal_code=data.get("postal_code"),
        is_masked=not reveal,
    )


def _line(row: OrderLineRow) -> OrderLine:
    return OrderLine.model_validate(row)


def _summary_fields(order: Order, lines: Sequence[OrderLineRow]) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "status": order.status,
        "source": order.source,
        "items_total": order.items_total,
        "shipping_fee": order.shipping_fee,
        "discount_total": order.discount_total,
        "payable_total": order.payable_total,
        "refunded_total": order.refunded_total,
        "item_count": sum(line.quantity for line in lines),
        "lines": [_line(line) for line in lines],
        "created_at": order.created_at,
        "expires_at": order.expires_at,
    }


def _aftersale(row: AfterSaleRow, order_no: str) -> AfterSale:
    return AfterSale(
        aftersale_no=row.aftersale_no,
        order_no=order_no,
        member_id=row.member_id,
        kind=row.kind,  # type: ignore[arg-type]
        reason=row.reason,
        amount=row.amount,
        items=[AfterSaleReturnItem(**item) for item in row.items or []],
        status=row.status,  # type: ignore[arg-type]
        reject_reason=row.reject_reason,
        return_carrier=row.return_carrier,
        return_tracking_no=row.return_tracking_no,
        refund_no=row.refund_no,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _timeline(
    events: Sequence[OrderEventRow], aftersale_nos: Mapping[int, str]
) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            aftersale_no=aftersale_nos.get(e.aftersale_id) if e.aftersale_id else None,
            from_status=e.from_status,
            to_status=e.to_status,
            actor=e.actor,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e in events
    ]


def _detail_fields(
    pii: PiiCipher | None,
    order: Order,
    lines: Sequence[OrderLineRow],
    events: Sequence[OrderEventRow],
    aftersales: Sequence[AfterSaleRow],
    *,
    reveal: bool,
) -> dict[str, Any]:
    return {
        **_summary_fields(order, lines),
        "address": _address(pii, order, reveal=reveal) if pii is not None else None,
        "remark": order.remark,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "received_at": order.received_at,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
        "carrier": order.carrier,
        "tracking_no": order.tracking_no,
        "timeline": _timeline(events, {a.id: a.aftersale_no for a in aftersales}),
        "aftersales": [_aftersale(a, order.order_no) for a in aftersales],
    }


async def _load_detail_parts(
    session: AsyncSession, order: Order
) -> tuple[list[OrderLineRow], list[OrderEventRow], list[AfterSaleRow]]:
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    events = await repo.events_for(session, order.id)
    aftersales = await repo.aftersales_for(session, [order.id])
    return lines, events, aftersales


async def _detail(session: AsyncSession, pii: PiiCipher, order: Order) -> OrderDetail:
    lines, events, aftersales = await _load_detail_parts(session, order)
    return OrderDetail(**_detail_fields(pii, order, lines, events, aftersales, reveal=False))


async def _admin(
    session: AsyncSession, pii: PiiCipher | None, order: Order, *, reveal: bool
) -> OrderAdmin:
    lines, events, aftersales = await _load_detail_parts(session, order)
    return OrderAdmin(
        **_detail_fields(pii, order, lines, events, aftersales, reveal=reveal),
        member_id=order.member_id,
        payment_no=order.payment_no,
        stock_source_ref=order.stock_source_ref,
    )


# -- placing an order ------------------------------------------------------------------------


def _check_order_input(
    lines: Sequence[OrderLineInput],
    *,
    items_total: int,
    shipping_fee: int,
    discount_total: int,
    payable_total: int,
) -> None:
    if not lines:
        raise InvalidOrder("an order needs at least one line")
    if len({line.sku_id for line in lines}) != len(lines):
        raise InvalidOrder("one line per SKU")
    for line in lines:
        if line.quantity < 1 or line.unit_price < 0:
            raise InvalidOrder(f"SKU {line.sku_id}: quantity >= 1 and a price >= 0")
        if not 0 <= line.discount <= line.unit_price * line.quantity:
            raise InvalidOrder(f"SKU {line.sku_id}: discount outside 0..line total")
    if items_total != sum(line.unit_price * line.quantity for line in lines):
        raise InvalidOrder("items_total is not the sum of the lines")
    if discount_total != sum(line.discount for line in lines):
        raise InvalidOrder("discount_total is not the sum of the line discounts")
    if shipping_fee < 0 or payable_total != items_total - discount_total + shipping_fee:
        raise InvalidOrder("payable_total must be items_total - discount_total + shipping_fee")


def _event_row(
    order_id: int,
    from_status: str | None,
    to_status: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    aftersale_id: int | None = None,
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "aftersale_id": aftersale_id,
        "from_status": from_status,
        "to_status": to_status,
        "actor": actor[:120],
        "reason": reason[:200] if reason else None,
        "created_at": now,
    }


async def find_by_idempotency_key(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    member_id: int,
    idempotency_key: str,
    request_hash: str,
) -> OrderDetail | None:
    """The order an earlier request with this key placed (a retry), or None. Raises
    :class:`IdempotencyConflict` when that request was a different one."""
    order = await repo.get_order_by_key(session, member_id, idempotency_key)
    if order is None:
        return None
    if order.request_hash != request_hash:
        raise IdempotencyConflict(order_no=order.order_no)
    return await _detail(session, pii, order)


async def create_order(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    member_id: int,
    lines: Sequence[OrderLineInput],
    items_total: int,
    shipping_fee: int,
    discount_total: int,
    payable_total: int,
    address: AddressSnapshot,
    remark: str | None,
    idempotency_key: str,
    request_hash: str,
    expires_at: datetime,
    source: str = "cart",
    stock_source_ref: str | None = None,
) -> tuple[OrderDetail, bool]:
    """Place an order and hold its stock, all or nothing: ``(order, created)``.

    Idempotent per (member, ``idempotency_key``): a retry with the same ``request_hash`` gets the
    first order (``created`` False), even when both requests run at once; another hash is a 409
    ``orders.idempotency_conflict``. Stock is reserved under ref = order no. (409
    ``inventory.insufficient`` when short: the caller rolls back, nothing is written) or, with
    ``stock_source_ref`` (a flash sale), moved out of that reservation.
    """
    _check_order_input(
        lines,
        items_total=items_total,
        shipping_fee=shipping_fee,
        discount_total=discount_total,
        payable_total=payable_total,
    )
    now = utcnow()
    values: dict[str, Any] = {
        "member_id": member_id,
        "status": "pending_payment",
        "source": source,
        "items_total": items_total,
        "shipping_fee": shipping_fee,
        "discount_total": discount_total,
        "payable_total": payable_total,
        "refunded_total": 0,
        "address_encrypted": pii.encrypt(orjson.dumps(dataclasses.asdict(address)).decode()),
        "phone_index": pii.blind_index(address.phone),
        "region_code": address.region_code,
        "remark": remark or None,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash,
        "stock_source_ref": stock_source_ref,
        "created_at": now,
        "expires_at": expires_at,
        "updated_at": now,
    }
    order_id: int | None = None
    for _ in range(NUMBER_ATTEMPTS):
        values["order_no"] = _number("", now)
        order_id = await repo.insert_order_if_new(session, values)
        if order_id is not None:
            break
        # Either this key was used (a retry, maybe a concurrent one: the insert waited for it)
        # or, very rarely, the random order no. was taken: then draw another.
        existing = await find_by_idempotency_key(
            session,
            pii,
            member_id=member_id,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        if existing is not None:
            return existing, False
    if order_id is None:
        raise RuntimeError("could not draw a free order number")
    order_no: str = values["order_no"]
    line_rows = [
        {
            "order_id": order_id,
            "sku_id": line.sku_id,
            "product_id": line.product_id,
            "title": line.title[:200],
            "spec_text": line.spec_text[:200],
            "image": line.image,
            "unit_price": line.unit_price,
            "quantity": line.quantity,
            "line_total": line.unit_price * line.quantity,
            "discount": line.discount,
            "payable": line.unit_price * line.quantity - line.discount,
        }
        for line in lines
    ]
    await repo.insert_lines(session, line_rows)
    actor = member_actor(member_id)
    event = _event_row(order_id, None, "pending_payment", actor=actor, reason="下单", now=now)
    await repo.insert_events(session, [event])
    await publish(
        session,
        ev.ORDER_CREATED,
        {
            "order_no": order_no,
            "member_id": member_id,
            "source": source,
            "stock_source_ref": stock_source_ref,
            "items_total": items_total,
            "shipping_fee": shipping_fee,
            "discount_total": discount_total,
            "payable_total": payable_total,
            "expires_at": expires_at,
            "lines": [{"sku_id": ln.sku_id, "quantity": ln.quantity} for ln in lines],
        },
        key=order_no,
    )
    # Stock last: the stock rows stay locked (PostgreSQL) from here to the commit only.
    stock_lines = sorted((line.sku_id, line.quantity) for line in lines)
    if stock_source_ref is None:
        await inventory.reserve(
            session, ref=order_no, lines=stock_lines, expires_at=expires_at + RESERVATION_GRACE
        )
    else:
        for sku_id, quantity in stock_lines:
            await inventory.transfer_reservation(
                session,
                from_ref=stock_source_ref,
                to_ref=order_no,
                sku_id=sku_id,
                quantity=quantity,
            )
    order = Order(id=order_id, **values)
    line_objs = [OrderLineRow(**row) for row in line_rows]
    event_obj = OrderEventRow(**event)
    detail = OrderDetail(**_detail_fields(pii, order, line_objs, [event_obj], [], reveal=False))
    return detail, True


# -- reading ---------------------------------------------------------------------------------


async def _member_order(session: AsyncSession, member_id: int, order_no: str) -> Order:
    order = await repo.get_order(session, order_no, member_id=member_id)
    if order is None:
        raise OrderNotFound(order_no=order_no)
    return order


async def _any_order(session: AsyncSession, order_no: str) -> Order:
    order = await repo.get_order(session, order_no)
    if order is None:
        raise OrderNotFound(order_no=order_no)
    return order


def _clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


async def get_order_detail(
    session: AsyncSession, pii: PiiCipher, *, member_id: int, order_no: str
) -> OrderDetail:
    """A member's own order; another member's is 404 ``orders.not_found`` (never 403)."""
    return await _detail(session, pii, await _member_order(session, member_id, order_no))


async def list_member_orders(
    session: AsyncSession, *, member_id: int, status: str | None, cursor: str | None, limit: int
) -> tuple[list[OrderSummary], str | None]:
    limit = _clamp(limit)
    rows = await repo.list_member_orders(
        session, member_id, status=status, before_id=decode_id_cursor(cursor), limit=limit + 1
    )
    page = rows[:limit]
    lines = await repo.lines_for(session, [o.id for o in page])
    items = [OrderSummary(**_summary_fields(o, lines[o.id])) for o in page]
    return items, encode_id_cursor(page[-1].id) if len(rows) > limit else None


async def get_payable_order(
    session: AsyncSession, *, member_id: int, order_no: str
) -> PayableOrder:
    order = await _member_order(session, member_id, order_no)
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    title = lines[0].title if lines else order.order_no
    units = sum(line.quantity for line in lines)
    suffix = f" 等{units}件" if len(lines) > 1 else ""
    description = title[: DESCRIPTION_MAX - len(suffix)] + suffix
    return PayableOrder(
        order_no=order.order_no,
        member_id=order.member_id,
        payable_total=order.payable_total,
        status=order.status,
        expires_at=order.expires_at,
        description=description,
    )


# -- transitions -----------------------------------------------------------------------------


async def _move(
    session: AsyncSession,
    order: Order,
    to_status: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    values: Mapping[str, Any] | None = None,
    expected: str | None = None,
) -> bool:
    """``order.status -> to_status`` if still ``order.status``; appends the timeline row."""
    from_status = expected or order.status
    check_order_transition(from_status, to_status)
    won = await repo.transition_order(
        session,
        order.id,
        from_status=from_status,
        to_status=to_status,
        values={**(values or {}), "updated_at": now},
    )
    if won:
        await repo.insert_events(
            session,
            [_event_row(order.id, from_status, to_status, actor=actor, reason=reason, now=now)],
        )
    return won


async def _move_or_raise(
    session: AsyncSession,
    order: Order,
    to_status: str,
    *,
    actor: str,
    reason: str | None,
    now: datetime,
    values: Mapping[str, Any] | None = None,
) -> Order:
    if not await _move(
        session, order, to_status, actor=actor, reason=reason, now=now, values=values
    ):
        # Lost a race: say what the order became.
        current = await _any_order(session, order.order_no)
        raise IllegalTransition(
            f"an order cannot go from {current.status} to {to_status}",
            from_status=current.status,
            to_status=to_status,
        )
    return await _any_order(session, order.order_no)


async def _note(
    session: AsyncSession,
    order: Order,
    reason: str,
    *,
    now: datetime,
    actor: str = SYSTEM,
    aftersale: AfterSaleRow | None = None,
) -> None:
    status = aftersale.status if aftersale is not None else order.status
    await repo.insert_events(
        session,
        [
            _event_row(
                order.id,
                status,
                status,
                actor=actor,
                reason=reason,
                now=now,
                aftersale_id=aftersale.id if aftersale is not None else None,
            )
        ],
    )


def _order_payload(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "member_id": order.member_id,
        "source": order.source,
        "status": order.status,
        "payable_total": order.payable_total,
        "refunded_total": order.refunded_total,
        **extra,
    }


async def _give_back_stock(
    session: AsyncSession, order: Order, lines: Sequence[OrderLineRow], reason: str
) -> list[dict[str, int]]:
    """Units held for an unpaid order go back: to free stock, or to the flash sale's hold.
    Returns what went back to the hold (the flash sale returns exactly that to its counter)."""
    if order.stock_source_ref is None:
        await inventory.release(session, ref=order.order_no, reason=reason)
        return []
    returned = []
    for line in sorted(lines, key=lambda ln: ln.sku_id):
        try:
            await inventory.transfer_reservation(
                session,
                from_ref=order.order_no,
                to_ref=order.stock_source_ref,
                sku_id=line.sku_id,
                quantity=line.quantity,
            )
        except inventory.InsufficientStock:
            # The order's hold expired into free stock already: nothing left to hand back.
            log.warning("flash_hold_already_released", order_no=order.order_no, sku=line.sku_id)
            continue
        returned.append({"sku_id": line.sku_id, "quantity": line.quantity})
    return returned


async def _cancel_unpaid(
    session: AsyncSession, order: Order, *, actor: str, reason: str, now: datetime
) -> Order:
    """pending_payment -> cancelled, stock back, WeChat transaction closed (after commit).

    The conditional update decides the single winner, so the stock goes back exactly once even
    when the shopper, the timeout job and a payment race."""
    order = await _move_or_raise(
        session,
        order,
        "cancelled",
        actor=actor,
        reason=reason,
        now=now,
        values={"cancelled_at": now, "cancel_reason": reason[:200]},
    )
    lines = (await repo.lines_for(session, [order.id]))[order.id]
    returned = await _give_back_stock(session, order, lines, reason)
    await payments.close_for_order(session, order_no=order.order_no)
    await publish(
        session,
        ev.ORDER_CANCELLED,
        _order_payload(
            order,
            stock_source_ref=order.stock_source_ref,
            reason=reason,
            actor=actor,
            lines=[{"sku_id": ln.sku_id, "quantity": ln.quantity} for ln in lines],
            returned_to_source=returned,
        ),
        key=order.order_no,
    )
    return order


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
            actor=SYSTEM,
            reason=f"微信支付 {payload.get('transaction_id') or payment_no}",
            now=now,
            values={"paid_at": paid_at, "payment_no": payment_no},
        )
        if won:
            order = await _any_order(session, order_no)
            if not await _commit_stock(session, order, now):
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
            session, order, f"退款成功 {amount / 100:.2f} 元（{payload.get('refund_no')}）", now=now
        )
        return
    aftersale = await repo.get_aftersale(session, str(aftersale_no), order_id=order.id)
    if aftersale is None:
        log.error("refund_for_unknown_aftersale", order_no=order_no, aftersale_no=aftersale_no)
        return
    if not await _move_aftersale(
        session, order, aftersale, "refunded", actor=SYSTEM, reason="退款成功", now=now
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
    was_shipped = order.shipped_at is not None
    if await _move(session, order, "refunded", actor=SYSTEM, reason="全额退款", now=now):
        order = await _any_order(session, order_no)
        if not was_shipped:
            # Sold but never sent: the units are on the shelf again.
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


# -- jobs ------------------------------------------------------------------------------------


async def expired_order_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    return await repo.expired_pending(session, now=now, limit=limit)


async def cancel_expired(session: AsyncSession, order_id: int, *, now: datetime) -> bool:
    """Cancel one unpaid order past its deadline; False when it was paid or cancelled meanwhile."""
    order = await repo.get_order_by_id(session, order_id)
    if order is None or order.status != "pending_payment" or order.expires_at > now:
        return False
    try:
        await _cancel_unpaid(session, order, actor=SYSTEM, reason="超时未支付", now=now)
    except IllegalTransition:
        return False
    return True


async def due_for_receipt(
    session: AsyncSession, settings: Settings, *, now: datetime, limit: int
) -> list[int]:
    before = now - timedelta(days=settings.orders_auto_receive_days)
    return await repo.due_orders(
        session, status="shipped", column=Order.shipped_at, before=before, limit=limit
    )


async def due_for_completion(
    session: AsyncSession, settings: Settings, *, now: datetime, limit: int
) -> list[int]:
    before = now - timedelta(days=settings.orders_auto_complete_days)
    return await repo.due_orders(
        session, status="received", column=Order.received_at, before=before, limit=limit
    )


async def auto_advance(
    session: AsyncSession, order_id: int, to_status: str, *, now: datetime
) -> bool:
    """shipped -> received (auto-confirmed) or received -> completed, by the system."""
    order = await repo.get_order_by_id(session, order_id)
    expected = {"received": "shipped", "completed": "received"}[to_status]
    if order is None or order.status != expected:
        return False
    column = "received_at" if to_status == "received" else "completed_at"
    reason = "自动确认收货" if to_status == "received" else "交易完成"
    if not await _move(
        session, order, to_status, actor=SYSTEM, reason=reason, now=now, values={column: now}
    ):
        return False
    order = await _any_order(session, order.order_no)
    event_type = ev.ORDER_RECEIVED if to_status == "received" else ev.ORDER_COMPLETED
    await publish(session, event_type, _order_payload(order), key=order.order_no)
    return True


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
    order = await _member_order(session, member_id, order_no)
    now = utcnow()
    if order.status not in AFTERSALE_ORDER_STATUSES:
        raise AfterSaleNotAllowed(
            f"no after-sale on a {order.status} order", order_status=order.status
        )
    window = timedelta(days=settings.orders_aftersale_window_days)
    if order.received_at is not None and order.received_at + window < now:
        raise AfterSaleNotAllowed("the after-sale window has closed", order_status=order.status)
    if data.kind == "return_refund" and order.shipped_at is None:
        raise AfterSaleNotAllowed(
            "nothing was shipped: ask for a refund only", order_status=order.status
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


# -- console ---------------------------------------------------------------------------------


async def list_orders_admin(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    status: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[OrderAdmin], str | None]:
    """Newest first; ``q`` is an order no. or a full phone number (matched by blind index)."""
    limit = _clamp(limit)
    order_no = phone_index = None
    if q is not None and q.strip():
        q = q.strip()
        order_no = q
        if q.isdigit() and len(q) == 11:
            phone_index = pii.blind_index(q)
    elif q is not None:
        q = None
    rows = await repo.list_orders(
        session,
        status=status,
        order_no=order_no,
        phone_index=phone_index,
        before_id=decode_id_cursor(cursor),
        limit=limit + 1,
    )
    page = rows[:limit]
    ids = [o.id for o in page]
    lines = await repo.lines_for(session, ids)
    aftersales: dict[int, list[AfterSaleRow]] = defaultdict(list)
    for a in await repo.aftersales_for(session, ids):
        aftersales[a.order_id].append(a)
    items = [
        OrderAdmin(
            **_detail_fields(pii, o, lines[o.id], [], aftersales[o.id], reveal=False),
            member_id=o.member_id,
            payment_no=o.payment_no,
            stock_source_ref=o.stock_source_ref,
        )
        for o in page
    ]
    return items, encode_id_cursor(page[-1].id) if len(rows) > limit else None


async def get_order_admin(
    session: AsyncSession, pii: PiiCipher, order_no: str, *, reveal: bool = False
) -> OrderAdmin:
    return await _admin(session, pii, await _any_order(session, order_no), reveal=reveal)


async def export_rows(
    session: AsyncSession,
    pii: PiiCipher,
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    after_id: int | None,
    batch: int,
) -> list[OrderExportRow]:
    """One row per order line (address in clear, for shipping), keyset on the line id: pass the
    last row's ``id`` as ``after_id`` for the next batch."""
    out = []
    addresses: dict[int, OrderAddress] = {}
    for order, line in await repo.export_rows(
        session,
        status=status,
        since=since,
        until=until,
        after_id=after_id,
        batch=max(1, min(batch, 1000)),
    ):
        address = addresses.get(order.id)
        if address is None:
            address = addresses[order.id] = _address(pii, order, reveal=True)
        out.append(
            OrderExportRow(
                id=line.id,
                order_no=order.order_no,
                status=order.status,
                source=order.source,
                member_id=order.member_id,
                created_at=order.created_at,
                paid_at=order.paid_at,
                shipped_at=order.shipped_at,
                items_total=order.items_total,
                shipping_fee=order.shipping_fee,
                discount_total=order.discount_total,
                payable_total=order.payable_total,
                refunded_total=order.refunded_total,
                recipient=address.recipient,
                phone=address.phone,
                address=f"{address.province}{address.city}{address.district}{address.detail}",
                region_code=order.region_code,
                remark=order.remark,
                carrier=order.carrier,
                tracking_no=order.tracking_no,
                sku_id=line.sku_id,
                title=line.title,
                spec_text=line.spec_text,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_payable=line.payable,
            )
        )
    return out


async def count_export_rows(
    session: AsyncSession,
    *,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
) -> int:
    """How many rows :func:`export_rows` yields in all for these filters (progress bars)."""
    return await repo.count_export_rows(session, status=status, since=since, until=until)


async def sales_summary(
    session: AsyncSession, *, since: datetime, until: datetime, top: int = 10
) -> SalesSummary:
    """Paid orders in [since, until) per China calendar day: GMV (payable totals), orders,
    paying shoppers and refunds; and the best-selling products by units."""
    rows = await repo.paid_orders_between(session, since=since, until=until)
    days: dict[date, list[tuple[int, int, int]]] = defaultdict(list)
    for paid_at, total, refunded, member_id in rows:
        days[paid_at.astimezone(CHINA).date()].append((total, refunded, member_id))
    first, last = (
        since.astimezone(CHINA).date(),
        (until - timedelta(microseconds=1)).astimezone(CHINA).date(),
    )
    out_days = []
    day = first
    while day <= last:
        entries = days.get(day, [])
        out_days.append(
            SalesDay(
                date=day,
                gmv=sum(e[0] for e in entries),
                orders=len(entries),
                paying_members=len({e[2] for e in entries}),
                refunded=sum(e[1] for e in entries),
            )
        )
        day += timedelta(days=1)
    gmv = sum(r[1] for r in rows)
    products = await repo.top_products(session, since=since, until=until, limit=max(1, top))
    return SalesSummary(
        since=since,
        until=until,
        gmv=gmv,
        orders=len(rows),
        paying_members=len({r[3] for r in rows}),
        average_order_value=gmv // len(rows) if rows else 0,
        days=out_days,
        top_products=[
            TopProduct(product_id=pid, title=title, units=units, amount=amount)
            for pid, title, units, amount in products
        ],
    )
