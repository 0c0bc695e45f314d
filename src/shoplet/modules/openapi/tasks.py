"""Open-platform jobs: webhook deliveries (queued from the outbox, sent by the worker) and the
retention of the access log, idempotency answers, tokens and old deliveries."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.openapi import cobrand, service, webhooks
from shoplet.modules.orders import public as orders

log = structlog.get_logger("shoplet.openapi")

PURGE_JOB = "openapi.purge_old_records"
DELIVER_JOB = "openapi.deliver_webhooks"


@subscriber(*webhooks.SOURCES, name="openapi.queue_webhooks")
async def queue_webhooks(event: Event, session: AsyncSession) -> None:
    """One delivery per subscription to the event (in the handler's transaction)."""
    await webhooks.queue_event(session, event)


@subscriber(orders.ORDER_PAID, name="openapi.attribute_cobrand")
async def attribute_cobrand(event: Event, session: AsyncSession) -> None:
    """A paid order that used partner items: a redemption per app and ``cobrand.redeemed``."""
    await cobrand.attribute(session, event)


@subscriber(orders.ORDER_REFUNDED, orders.AFTERSALE_REFUNDED, name="openapi.cobrand_refunds")
async def cobrand_refunds(event: Event, session: AsyncSession) -> None:
    """Refunds lower the attributed net revenue."""
    await cobrand.record_refund(session, event)


@periodic(every_seconds=2, name=DELIVER_JOB)
async def deliver_webhooks(ctx: AppContext) -> None:
    """POST due deliveries (new ones, retries whose wait is over, and claims whose worker
    died), batch after batch until none is due."""
    clock = webhooks.clock_of(ctx)
    while True:
        done = await webhooks.deliver(ctx, now=clock())
        if len(done) < webhooks.BATCH:
            return


@periodic(every_seconds=3600, name=PURGE_JOB)
async def purge_old_records(ctx: AppContext) -> None:
    removed = await service.purge_old_records(ctx.sessionmaker)
    if any(removed.values()):
        log.info("openapi_records_purged", **removed)
