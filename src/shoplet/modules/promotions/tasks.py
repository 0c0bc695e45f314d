"""Promotions handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``).

- ``promotions.mark_used`` on ``order.paid``: the order's locked coupon becomes used;
- ``promotions.return_on_cancel`` on ``order.cancelled`` and ``promotions.return_on_refund`` on
  ``order.refunded`` (published only when refunds cover the whole order): the coupon is unused
  again while within its window, else expired;
- ``promotions.release_units_on_cancel`` / ``release_units_on_refund``: the order's applied
  promotions are marked returned and their units no longer count against per-shopper limits;
- ``promotions.expire_coupons`` marks unused coupons past their window expired;
- ``promotions.run_jobs`` works segment issues and voids (``service/jobs.py``);
- ``promotions.issue_member_gifts`` (daily): birthday and tier-exclusive coupons
  (``service/gifts.py``), the clock from ``ctx.extras[GIFTS_CLOCK_KEY]`` when set;
  ``promotions.exclusive_on_upgrade`` on ``membership.tier_changed``: the new tier's pack;
- ``promotions.product_changed`` / ``.products_imported`` on catalog's announcements: the
  product page's tags read the product's category and SKUs again (``service/tags.py``).

All idempotent: the state moves are conditional updates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.catalog.public import PRODUCT_CHANGED, PRODUCTS_IMPORTED
from shoplet.modules.membership import public as membership
from shoplet.modules.orders import public as orders
from shoplet.modules.promotions import service

EXPIRE_JOB = "promotions.expire_coupons"
JOBS_JOB = "promotions.run_jobs"
GIFTS_JOB = "promotions.issue_member_gifts"
GIFTS_CLOCK_KEY = "promotions.gifts_clock"


@subscriber(orders.ORDER_PAID, name="promotions.mark_used")
async def mark_used(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, event.payload)


@subscriber(orders.ORDER_CANCELLED, name="promotions.return_on_cancel")
async def return_on_cancel(event: Event, session: AsyncSession) -> None:
    await service.give_back(session, str(event.payload["order_no"]))


@subscriber(orders.ORDER_REFUNDED, name="promotions.return_on_refund")
async def return_on_refund(event: Event, session: AsyncSession) -> None:
    await service.give_back(session, str(event.payload["order_no"]))


@subscriber(orders.ORDER_CANCELLED, name="promotions.release_units_on_cancel")
async def release_units_on_cancel(event: Event, session: AsyncSession) -> None:
    await service.give_back_units(session, str(event.payload["order_no"]))


@subscriber(orders.ORDER_REFUNDED, name="promotions.release_units_on_refund")
async def release_units_on_refund(event: Event, session: AsyncSession) -> None:
    await service.give_back_units(session, str(event.payload["order_no"]))


@periodic(every_seconds=600, name=EXPIRE_JOB)
async def expire_coupons(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.expire_due(session)


@periodic(every_seconds=2, name=JOBS_JOB)
async def run_jobs(ctx: AppContext) -> None:
    """Work every waiting issue or void job (``service/jobs.py``), oldest first."""
    await service.run_open_jobs(ctx)


@subscriber(PRODUCT_CHANGED, name="promotions.product_changed")
async def product_changed(event: Event, session: AsyncSession) -> None:
    """A product's category or SKUs may have changed: its tags read it again."""
    service.product_changed(session, [int(event.payload["product_id"])])


@subscriber(PRODUCTS_IMPORTED, name="promotions.products_imported")
async def products_imported(event: Event, session: AsyncSession) -> None:
    service.product_changed(session, [int(p) for p in event.payload.get("product_ids", [])])


@subscriber(membership.TIER_CHANGED, name="promotions.exclusive_on_upgrade")
async def exclusive_on_upgrade(event: Event, session: AsyncSession) -> None:
    await service.handle_tier_changed(session, dict(event.payload))


@periodic(every_seconds=86400, name=GIFTS_JOB)
async def issue_member_gifts(ctx: AppContext) -> None:
    """Once a day (re-runs give nothing twice): birthday and exclusive coupons."""
    clock = cast("Callable[[], datetime]", ctx.extras.get(GIFTS_CLOCK_KEY, utcnow))
    await service.issue_member_gifts(ctx.sessionmaker, now=clock())
