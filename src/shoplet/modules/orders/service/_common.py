"""What the orders use cases share: actors, building responses, loading an order and moving it
through the state machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import publish
from shoplet.core.security import PiiCipher, mask_name, mask_phone, mask_text
from shoplet.modules.inventory import public as inventory
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.errors import IllegalTransition, OrderNotFound
from shoplet.modules.orders.models import AfterSale as AfterSaleRow
from shoplet.modules.orders.models import Order
from shoplet.modules.orders.models import OrderEvent as OrderEventRow
from shoplet.modules.orders.models import OrderLine as OrderLineRow
from shoplet.modules.orders.schemas import (
    ActorKind,
    AfterSale,
    AfterSaleReturnItem,
    OrderAddress,
    OrderAdmin,
    OrderDetail,
    OrderLine,
    TimelineEntry,
)
from shoplet.modules.orders.states import check_order_transition
from shoplet.modules.payments import public as payments
from shoplet.modules.staff import public as staff

log = structlog.get_logger("shoplet.orders")

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991
SYSTEM = "system"
# A step WeChat Pay's notify drove (paid, refunded): the timeline names it 「微信支付」.
PAYMENT = "wechatpay"
# The stock hold outlives the payment deadline a little, so that the order's own timeout
# (which also closes the payment) normally releases it, not inventory's expiry sweep.
RESERVATION_GRACE = timedelta(minutes=10)
# After the stock hold was lost (released before the payment arrived), the units are taken
# again under this ref and committed at once.
REPLACEMENT_SUFFIX = ":paid"
AUTO_REFUND_REASON = "订单已取消，自动退款"
MAX_LIMIT = 50
DESCRIPTION_MAX = 100


def member_actor(member_id: int) -> str:
    return f"member:{member_id}"


def staff_actor(username: str) -> str:
    return username if username.startswith(("staff:", "system")) else f"staff:{username}"


ACTOR_NAMES = {SYSTEM: "系统", PAYMENT: "微信支付", "member": "买家", "staff": "商家"}


def actor_kind(actor: str) -> ActorKind:
    """``staff`` / ``member`` / ``payment`` / ``system`` of a stored actor string."""
    if actor.startswith("staff:"):
        return "staff"
    if actor.startswith("member:"):
        return "member"
    if actor == PAYMENT:
        return "payment"
    return "system"


def staff_usernames(events: Sequence[OrderEventRow]) -> set[str]:
    """The usernames of the staff who acted on these timeline rows."""
    return {e.actor.removeprefix("staff:") for e in events if actor_kind(e.actor) == "staff"}


def actor_name(actor: str, staff_names: Mapping[str, str] | None) -> str:
    """Who acted, as people read it: a staff member's display name (the console; ``None``:
    the shopper's view, where every staff member is 「商家」), 「买家」, 「微信支付」 or
    「系统」. Never a raw ``member:22``."""
    kind = actor_kind(actor)
    if kind == "staff" and staff_names is not None:
        username = actor.removeprefix("staff:")
        return staff_names.get(username, username)
    if kind in ("staff", "member"):
        return ACTOR_NAMES[kind]
    return ACTOR_NAMES[PAYMENT] if kind == "payment" else ACTOR_NAMES[SYSTEM]


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
        "is_virtual": order.is_virtual,
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
    events: Sequence[OrderEventRow],
    aftersale_nos: Mapping[int, str],
    staff_names: Mapping[str, str] | None = None,
) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            aftersale_no=aftersale_nos.get(e.aftersale_id) if e.aftersale_id else None,
            from_status=e.from_status,
            to_status=e.to_status,
            actor=e.actor,
            actor_kind=actor_kind(e.actor),
            actor_name=actor_name(e.actor, staff_names),
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
    staff_names: Mapping[str, str] | None = None,
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
        "timeline": _timeline(
            events, {a.id: a.aftersale_no for a in aftersales}, staff_names=staff_names
        ),
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
    """The shopper's own order: their own address in clear (staff views stay masked)."""
    lines, events, aftersales = await _load_detail_parts(session, order)
    return OrderDetail(**_detail_fields(pii, order, lines, events, aftersales, reveal=True))


async def _admin(
    session: AsyncSession, pii: PiiCipher | None, order: Order, *, reveal: bool
) -> OrderAdmin:
    lines, events, aftersales = await _load_detail_parts(session, order)
    names = await staff.staff_display_names(session, staff_usernames(events))
    return OrderAdmin(
        **_detail_fields(pii, order, lines, events, aftersales, reveal=reveal, staff_names=names),
        member_id=order.member_id,
        payment_no=order.payment_no,
        stock_source_ref=order.stock_source_ref,
    )


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
        "shipping_fee": order.shipping_fee,
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
