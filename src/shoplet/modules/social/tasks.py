"""Group-buy handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``).

- ``social.seat_paid`` on ``order.paid``: claim the seat, complete the group, or refund;
- ``social.seat_cancelled`` on ``order.cancelled``: an unpaid seat goes;
- ``social.expire``: groups past their deadline fail and their paid members are refunded;
- ``social.notify_group_succeeded`` / ``social.notify_group_failed`` on social's own
  ``groupbuy.group_succeeded`` / ``groupbuy.group_failed``: one 拼团结果 subscribe message per
  member (``notices.py``).

Only orders with ``source = "groupbuy"``; all idempotent (conditional status changes).
Crowdfunding's handlers and settle job live in ``crowdfunding/tasks.py``, registered by the
import below.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.orders import public as orders
from shoplet.modules.social import events as ev
from shoplet.modules.social import expiry, notices, service
from shoplet.modules.social.bargain import tasks as bargain_tasks  # noqa: F401
from shoplet.modules.social.crowdfunding import tasks as crowdfunding_tasks  # noqa: F401
from shoplet.modules.social.distribution import tasks as distribution_tasks  # noqa: F401
from shoplet.modules.social.kol import tasks as kol_tasks  # noqa: F401 - the daily analysis
from shoplet.modules.social.offline import tasks as offline_tasks  # noqa: F401 - its subscriber
from shoplet.modules.social.sharing import tasks as sharing_tasks  # noqa: F401 - its subscriber

EXPIRE_JOB = "social.expire"


@subscriber(orders.ORDER_PAID, name="social.seat_paid")
async def seat_paid(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)


@subscriber(orders.ORDER_CANCELLED, name="social.seat_cancelled")
async def seat_cancelled(event: Event, session: AsyncSession) -> None:
    await service.handle_order_cancelled(session, event.payload)


@subscriber(ev.GROUP_SUCCEEDED, name="social.notify_group_succeeded")
async def notify_group_succeeded(event: Event, session: AsyncSession) -> None:
    await notices.notify_group_result(session, event.payload, succeeded=True)


@subscriber(ev.GROUP_FAILED, name="social.notify_group_failed")
async def notify_group_failed(event: Event, session: AsyncSession) -> None:
    await notices.notify_group_result(session, event.payload, succeeded=False)


@periodic(every_seconds=5, name=EXPIRE_JOB)
async def expire(ctx: AppContext) -> None:
    await expiry.expire_groups(ctx)
