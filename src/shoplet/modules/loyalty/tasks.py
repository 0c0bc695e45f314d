"""Loyalty handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``).

- ``loyalty.earn`` on ``order.completed``: the goods paid earn a batch of points;
- ``loyalty.reverse_aftersale`` on ``aftersale.refunded``: points earned are taken back in
  proportion to the refund (only once the order earned);
- ``loyalty.order_refunded`` on ``order.refunded``: the rest of what it earned is taken back and
  points spent on it come back;
- ``loyalty.order_cancelled`` on ``order.cancelled``: points spent on it come back;
- ``loyalty.expire_points`` (every 10 minutes): what is left of batches past expiry goes;
- ``loyalty.notify_expiring`` (daily): one 积分即将过期 subscribe message per member and batch
  expiring within 7 days (``expiry_notice.py``).

All idempotent: each effect is a ledger entry with a unique (kind, ref).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.loyalty import expiry_notice, service
from shoplet.modules.orders import public as orders

EXPIRE_JOB = "loyalty.expire_points"
NOTIFY_EXPIRING_JOB = "loyalty.notify_expiring"


@subscriber(orders.ORDER_COMPLETED, name="loyalty.earn")
async def earn(event: Event, session: AsyncSession) -> None:
    await service.earn_for_order(session, event.payload)


@subscriber(orders.AFTERSALE_REFUNDED, name="loyalty.reverse_aftersale")
async def reverse_aftersale(event: Event, session: AsyncSession) -> None:
    await service.reverse_for_refund(
        session,
        order_no=str(event.payload["order_no"]),
        refund_ref=f"refund:{event.payload['aftersale_no']}",
        amount=int(event.payload["amount"]),
    )


@subscriber(orders.ORDER_REFUNDED, name="loyalty.order_refunded")
async def order_refunded(event: Event, session: AsyncSession) -> None:
    order_no = str(event.payload["order_no"])
    await service.reverse_for_refund(
        session, order_no=order_no, refund_ref=f"refund:{order_no}", amount=None
    )
    await service.give_back_spent(session, order_no)


@subscriber(orders.ORDER_CANCELLED, name="loyalty.order_cancelled")
async def order_cancelled(event: Event, session: AsyncSession) -> None:
    await service.give_back_spent(session, str(event.payload["order_no"]))


@periodic(every_seconds=600, name=EXPIRE_JOB)
async def expire_points(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.expire_due(session)


@periodic(every_seconds=86400, name=NOTIFY_EXPIRING_JOB)
async def notify_expiring(ctx: AppContext) -> None:
    await expiry_notice.notify_expiring(ctx)
