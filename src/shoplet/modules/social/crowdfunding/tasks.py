"""Crowdfunding handlers and jobs (the worker runs them; tests use ``drain_outbox`` /
``run_job``); ``social/tasks.py`` imports this file so they register.

- ``social.pledge_paid`` on ``order.paid``: count the pledge, or refund money that came late;
- ``social.pledge_cancelled`` on ``order.cancelled``: an unpaid pledge's units go back;
- ``social.crowdfunding_settle``: campaigns past their deadline succeed (orders ship) or fail
  (every paid pledge refunded).

Only orders with ``source = "crowdfunding"``; all idempotent (conditional status changes).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.orders import public as orders
from shoplet.modules.social.crowdfunding import service

SETTLE_JOB = "social.crowdfunding_settle"


@subscriber(orders.ORDER_PAID, name="social.pledge_paid")
async def pledge_paid(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)


@subscriber(orders.ORDER_CANCELLED, name="social.pledge_cancelled")
async def pledge_cancelled(event: Event, session: AsyncSession) -> None:
    await service.handle_order_cancelled(session, event.payload)


@periodic(every_seconds=5, name=SETTLE_JOB)
async def settle(ctx: AppContext) -> None:
    await service.settle_campaigns(ctx)
