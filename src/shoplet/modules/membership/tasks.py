"""Membership handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``).

- ``membership.growth_on_paid`` on ``order.paid``: growth for what was paid;
- ``membership.reverse_on_aftersale`` on ``aftersale.refunded``: the refund's share back;
- ``membership.reverse_on_refund`` on ``order.refunded``: whatever is left of the order's growth;
- plan orders: ``membership.plan_on_paid`` (``order.paid``: the period starts),
  ``membership.plan_on_cancel`` (``order.cancelled``), ``membership.plan_on_refund``
  (``aftersale.refunded`` / ``order.refunded``: the period is revoked);
- ``membership.remind_renewals`` (hourly): renewal reminders, once per member and end date;
- ``membership.evaluate_periods`` (hourly): tier-period warnings and downgrades, with the clock
  in ``ctx.extras[CLOCK_KEY]`` when a test or script sets one.

All idempotent: growth counts once per (reason, ref), periods move by conditional updates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.membership import service
from shoplet.modules.orders import public as orders

PERIODS_JOB = "membership.evaluate_periods"
REMIND_JOB = "membership.remind_renewals"
CLOCK_KEY = "membership.clock"


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    """The job's clock: ``ctx.extras[CLOCK_KEY]`` if set, else the real UTC time."""
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


@subscriber(orders.ORDER_PAID, name="membership.growth_on_paid")
async def growth_on_paid(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)


@subscriber(orders.AFTERSALE_REFUNDED, name="membership.reverse_on_aftersale")
async def reverse_on_aftersale(event: Event, session: AsyncSession) -> None:
    await service.handle_aftersale_refunded(session, event.payload)


@subscriber(orders.ORDER_REFUNDED, name="membership.reverse_on_refund")
async def reverse_on_refund(event: Event, session: AsyncSession) -> None:
    await service.handle_order_refunded(session, event.payload)


@periodic(every_seconds=3600, name=PERIODS_JOB)
async def evaluate_periods(ctx: AppContext) -> None:
    await service.evaluate_periods(ctx.sessionmaker, now=clock_of(ctx)())


@subscriber(orders.ORDER_PAID, name="membership.plan_on_paid")
async def plan_on_paid(event: Event, session: AsyncSession) -> None:
    await service.start_period(session, event.payload)


@subscriber(orders.ORDER_CANCELLED, name="membership.plan_on_cancel")
async def plan_on_cancel(event: Event, session: AsyncSession) -> None:
    await service.cancel_pending(session, event.payload)


@subscriber(orders.AFTERSALE_REFUNDED, orders.ORDER_REFUNDED, name="membership.plan_on_refund")
async def plan_on_refund(event: Event, session: AsyncSession) -> None:
    await service.revoke(session, event.payload)


@periodic(every_seconds=3600, name=REMIND_JOB)
async def remind_renewals(ctx: AppContext) -> None:
    await service.remind_renewals(ctx.sessionmaker, now=clock_of(ctx)())
