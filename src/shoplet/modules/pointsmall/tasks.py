"""Points-mall handlers (the worker runs them; tests use ``drain_outbox``).

- ``pointsmall.order_paid`` on ``order.paid``: the exchange is paid;
- ``pointsmall.order_cancelled`` on ``order.cancelled``: units back to the mall's stock and the
  shopper's limit (the points come back through loyalty's own handler);
- ``pointsmall.order_refunded`` on ``order.refunded``: the exchange is refunded.

Only orders with ``source = "pointsmall"``; idempotent: each is a conditional status change.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.events import Event, subscriber
from shoplet.modules.orders import public as orders
from shoplet.modules.pointsmall import service


@subscriber(orders.ORDER_PAID, name="pointsmall.order_paid")
async def order_paid(event: Event, session: AsyncSession) -> None:
    await service.handle_order_event(session, "paid", event.payload)


@subscriber(orders.ORDER_CANCELLED, name="pointsmall.order_cancelled")
async def order_cancelled(event: Event, session: AsyncSession) -> None:
    await service.handle_order_event(session, "cancelled", event.payload)


@subscriber(orders.ORDER_REFUNDED, name="pointsmall.order_refunded")
async def order_refunded(event: Event, session: AsyncSession) -> None:
    await service.handle_order_event(session, "refunded", event.payload)
