"""Invoicing's jobs and handlers: submit pending invoices to the provider (retried with
backoff), and replace an order's invoice after a refund (red-letter, then a new one)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.invoicing import service
from shoplet.modules.orders import public as orders

log = structlog.get_logger("shoplet.invoicing")

BATCH = 100
ISSUE_JOB = "invoicing.issue_invoices"


@periodic(every_seconds=15, name=ISSUE_JOB)
async def issue_invoices(ctx: AppContext) -> None:
    """Submit pending invoices (new ones, red-letter ones, retries after their backoff)."""
    now = service.clock_of(ctx)()
    async with unit_of_work(ctx.sessionmaker) as session:
        ids = await service.due_invoices(session, now=now, limit=BATCH)
    for invoice_id in ids:
        try:
            await service.issue_one(ctx, invoice_id, now=now)
        except Exception:
            log.exception("invoicing_issue_crashed", invoice_id=invoice_id)


@subscriber(orders.ORDER_REFUNDED, orders.AFTERSALE_REFUNDED, name="invoicing.on_refund")
async def on_refund(event: Event, session: AsyncSession) -> None:
    await service.on_refund(session, str(event.payload["order_no"]))
