"""Flash-sale jobs and handlers (the worker runs them; tests use ``run_job`` / ``drain_outbox``).

- ``flashsale.consume`` turns accepted buy requests (stream entries) into orders;
- ``flashsale.warm_up`` loads campaigns into Redis before they start (and rebuilds lost ones);
- ``flashsale.sync_hand_backs`` puts units of failed requests and cancelled orders back on the
  live counter when the inline hand-back did not happen (crash, Redis briefly away);
- ``flashsale.settle`` gives the unsold units of ended campaigns back to free stock;
- ``flashsale.reconcile`` compares Redis and the database, repairs, reports.

All idempotent: a second run, or a run on another replica, changes nothing more.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.flashsale import service
from shoplet.modules.orders import public as orders

CONSUME_JOB = "flashsale.consume"
WARM_UP_JOB = "flashsale.warm_up"
SYNC_JOB = "flashsale.sync_hand_backs"
SETTLE_JOB = "flashsale.settle"
RECONCILE_JOB = "flashsale.reconcile"


@subscriber(orders.ORDER_CANCELLED, name="flashsale.return_units")
async def return_units(event: Event, session: AsyncSession) -> None:
    await service.handle_order_cancelled(session, event.payload)


@periodic(every_seconds=1, name=CONSUME_JOB)
async def consume(ctx: AppContext) -> None:
    await service.consume(ctx)


@periodic(every_seconds=5, name=WARM_UP_JOB)
async def warm_up(ctx: AppContext) -> None:
    await service.warm_up(ctx)


@periodic(every_seconds=5, name=SYNC_JOB)
async def sync_hand_backs(ctx: AppContext) -> None:
    await service.sync_hand_backs(ctx)


@periodic(every_seconds=10, name=SETTLE_JOB)
async def settle(ctx: AppContext) -> None:
    await service.settle(ctx)


@periodic(every_seconds=60, name=RECONCILE_JOB)
async def reconcile(ctx: AppContext) -> None:
    await service.reconcile(ctx)
