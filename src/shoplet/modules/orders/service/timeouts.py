"""The orders jobs: unpaid orders past their deadline, automatic receipt and completion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import publish
from shoplet.core.settings import Settings
from shoplet.modules.orders import events as ev
from shoplet.modules.orders import repository as repo
from shoplet.modules.orders.errors import IllegalTransition
from shoplet.modules.orders.models import Order

from ._common import SYSTEM, _any_order, _cancel_unpaid, _move, _order_payload

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
    """Shipped orders to receive automatically: signed for by the receiver
    ``orders_auto_receive_after_signed_days`` ago (the carrier's word), or shipped
    ``orders_auto_receive_days`` ago whatever the carrier says."""
    signed_before = now - timedelta(days=settings.orders_auto_receive_after_signed_days)
    signed = await repo.due_signed_orders(session, before=signed_before, limit=limit)
    before = now - timedelta(days=settings.orders_auto_receive_days)
    shipped = await repo.due_orders(
        session, status="shipped", column=Order.shipped_at, before=before, limit=limit
    )
    return list(dict.fromkeys([*signed, *shipped]))[:limit]


async def handle_shipment_signed(
    session: AsyncSession, payload: Mapping[str, Any], *, now: datetime | None = None
) -> bool:
    """fulfillment's ``shipment.signed``: remember when the parcel was signed for, so the
    automatic receipt counts from there (only for an order still shipped, only once)."""
    signed_at = datetime.fromisoformat(str(payload["signed_at"]))
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    return await repo.record_signed(
        session, str(payload["order_no"]), signed_at=signed_at, now=now or utcnow()
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
