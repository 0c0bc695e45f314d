"""Offline codes' handler (the worker runs it; tests use ``drain_outbox``): on ``order.paid``,
an order of a shopper a code brought within the window counts for that code, once per order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import Event, subscriber
from shoplet.modules.orders import public as orders
from shoplet.modules.social.offline import service


@subscriber(orders.ORDER_PAID, name="social.offline_conversion")
async def offline_conversion(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)
