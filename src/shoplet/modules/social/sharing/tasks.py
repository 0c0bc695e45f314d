"""Sharing's handler (the worker runs it; tests use ``drain_outbox``): ``social.share_converted``
on ``order.paid`` — an order of a shopper a sharer brought within the window counts for that
link, once per order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import Event, subscriber
from shoplet.modules.orders import public as orders
from shoplet.modules.social.sharing import service


@subscriber(orders.ORDER_PAID, name="social.share_conversion")
async def share_conversion(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)
