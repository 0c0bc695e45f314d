"""Bargain handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``).

- ``social.bargain_paid`` on ``order.paid``: the bargain is paid;
- ``social.bargain_cancelled`` on ``order.cancelled``: its subsidy goes back to the budget;
- ``social.bargain_expire``: open bargains past their deadline close.

Only orders with ``source = "bargain"``; all idempotent (conditional status changes).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.orders import public as orders
from shoplet.modules.social.bargain import service

EXPIRE_JOB = "social.bargain_expire"


@subscriber(orders.ORDER_PAID, name="social.bargain_paid")
async def bargain_paid(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)


@subscriber(orders.ORDER_CANCELLED, name="social.bargain_cancelled")
async def bargain_cancelled(event: Event, session: AsyncSession) -> None:
    await service.handle_order_cancelled(session, event.payload)


@periodic(every_seconds=30, name=EXPIRE_JOB)
async def expire(ctx: AppContext) -> None:
    await service.expire_bargains(ctx)
