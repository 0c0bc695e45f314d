"""Live-session handlers and jobs (the worker runs them; tests use ``drain_outbox`` /
``run_job``):

- ``live.count_sale`` on ``order.paid``: a paid order of a shopper who watched, with a product
  of the session's shelf, counts for the session (once per order);
- ``live.remind`` every minute: 开播提醒 for sessions starting within five minutes, once each.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.orders import public as orders

from . import service

REMIND_JOB = "live.remind"


@subscriber(orders.ORDER_PAID, name="live.count_sale")
async def count_sale(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, dict(event.payload))


@periodic(every_seconds=60, name=REMIND_JOB)
async def remind(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.send_reminders(session)
