"""Stores' subscribers: an order cancelled or refunded before its pickup frees its code (its
units went back to the store's hold with the order's own cancellation, in orders); a paid
扫码购 order is handed over at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.events import Event, subscriber
from shoplet.modules.orders import public as orders
from shoplet.modules.stores import service


@subscriber(orders.ORDER_CANCELLED, name="stores.order_cancelled")
async def order_cancelled(event: Event, session: AsyncSession) -> None:
    await service.cancel_store_order(session, str(event.payload["order_no"]))


@subscriber(orders.ORDER_REFUNDED, name="stores.order_refunded")
async def order_refunded(event: Event, session: AsyncSession) -> None:
    await service.cancel_store_order(session, str(event.payload["order_no"]))


@subscriber(orders.ORDER_PAID, name="stores.order_paid")
async def order_paid(event: Event, session: AsyncSession) -> None:
    await service.hand_over_scanned(session, str(event.payload["order_no"]), now=utcnow())
