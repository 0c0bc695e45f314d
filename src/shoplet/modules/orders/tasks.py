"""Orders handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``);
the console's CSV exports run as the job ``console.run_exports`` in ``exports.py``.

Handlers run in the event's own transaction with its idempotency marker, so a redelivered
event changes nothing. Jobs work one order per short transaction and are idempotent: every
change is a conditional update on the old status, so a second run (or another replica) finds
nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.experiments import public as experiments
from shoplet.modules.fulfillment import public as fulfillment
from shoplet.modules.members import public as members
from shoplet.modules.orders import exports, service  # noqa: F401  (exports registers its job)
from shoplet.modules.orders.events import (
    AFTERSALE_REFUNDED,
    ORDER_PAID,
    ORDER_REFUNDED,
    ORDER_SHIPPED,
)
from shoplet.modules.payments import public as payments

log = structlog.get_logger("shoplet.orders")

BATCH = 100
# Tests and scripts may set a clock for the jobs (``ctx.extras[CLOCK_KEY]``); else real UTC.
CLOCK_KEY = "orders.clock"


def clock_of(ctx: AppContext) -> Callable[[], datetime]:
    return cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))


@subscriber(payments.PAYMENT_SUCCEEDED, name="orders.mark_paid")
async def mark_paid(event: Event, session: AsyncSession) -> None:
    await service.handle_payment_succeeded(session, event.payload)


@subscriber(payments.REFUND_SUCCEEDED, name="orders.mark_refunded")
async def mark_refunded(event: Event, session: AsyncSession) -> None:
    await service.handle_refund_succeeded(session, event.payload)


@subscriber(payments.REFUND_FAILED, name="orders.note_refund_failed")
async def note_refund_failed(event: Event, session: AsyncSession) -> None:
    await service.handle_refund_failed(session, event.payload)


# Experiments sits below orders and may not import it, so orders hands its own paid and
# refunded orders to experiments' attribution (idempotent: one marker per event and handler).
@subscriber(ORDER_PAID, name="orders.experiments_on_paid")
async def experiments_on_paid(event: Event, session: AsyncSession) -> None:
    await experiments.record_order_paid(session, event.payload)


@subscriber(AFTERSALE_REFUNDED, name="orders.experiments_on_aftersale")
async def experiments_on_aftersale(event: Event, session: AsyncSession) -> None:
    await experiments.record_refund(
        session, str(event.payload["order_no"]), int(event.payload.get("amount") or 0)
    )


@subscriber(ORDER_REFUNDED, name="orders.experiments_on_refund")
async def experiments_on_refund(event: Event, session: AsyncSession) -> None:
    await experiments.record_refund(session, str(event.payload["order_no"]), None)


# Fulfillment sits below orders and may not import it, so orders hands it each shipped order
# (tracking subscription, WeChat 发货信息录入); idempotent: one shipment per order.
@subscriber(ORDER_SHIPPED, name="orders.track_shipment")
async def track_shipment(event: Event, session: AsyncSession) -> None:
    payload = event.payload
    # The shipment goes to whoever holds the order now: an account merged after the order
    # shipped has its survivor's id (held, so a merge cannot move rows past this one).
    member_id = await members.hold_surviving_member(session, int(payload["member_id"]))
    payer = await payments.mini_program_payer(session, str(payload["order_no"]))
    await fulfillment.track_shipment(
        session,
        order_no=str(payload["order_no"]),
        member_id=member_id,
        carrier=str(payload.get("carrier") or ""),
        tracking_no=str(payload.get("tracking_no") or ""),
        item_desc=str(payload.get("item_desc") or "商品"),
        receiver_contact=payload.get("receiver_contact"),
        transaction_id=payer[0] if payer else None,
        payer_openid=payer[1] if payer else None,
    )


@subscriber(fulfillment.SHIPMENT_SIGNED, name="orders.note_signed")
async def note_signed(event: Event, session: AsyncSession) -> None:
    await service.handle_shipment_signed(session, event.payload)


@periodic(every_seconds=30, name="orders.cancel_expired")
async def cancel_expired(ctx: AppContext) -> None:
    """Unpaid orders past their deadline: cancelled by the system, stock released (or handed
    back to its flash sale), the WeChat transaction closed."""
    now = utcnow()
    cancelled = 0
    seen: set[int] = set()
    while True:
        async with unit_of_work(ctx.sessionmaker) as session:
            ids = await service.expired_order_ids(session, now=now, limit=BATCH)
        fresh = [i for i in ids if i not in seen]
        for order_id in fresh:
            seen.add(order_id)
            try:
                async with unit_of_work(ctx.sessionmaker) as session:
                    cancelled += await service.cancel_expired(session, order_id, now=now)
            except Exception:
                # One bad order must not hold up the others; the next run retries it.
                log.exception("order_timeout_failed", order_id=order_id)
        if len(ids) < BATCH or not fresh:
            break
    if cancelled:
        log.info("orders_timed_out", count=cancelled)


@periodic(every_seconds=600, name="orders.auto_complete")
async def auto_complete(ctx: AppContext) -> None:
    """Shipped orders are received ``orders_auto_receive_days`` after shipping; received ones
    complete ``orders_auto_complete_days`` after receipt; a parcel the carrier reported signed
    for is received ``orders_auto_receive_after_signed_days`` after the signature."""
    now = clock_of(ctx)()
    for to_status, due in (
        ("received", service.due_for_receipt),
        ("completed", service.due_for_completion),
    ):
        seen: set[int] = set()
        while True:
            async with unit_of_work(ctx.sessionmaker) as session:
                ids = await due(session, ctx.settings, now=now, limit=BATCH)
            fresh = [i for i in ids if i not in seen]
            for order_id in fresh:
                seen.add(order_id)
                try:
                    async with unit_of_work(ctx.sessionmaker) as session:
                        await service.auto_advance(session, order_id, to_status, now=now)
                except Exception:
                    log.exception("order_auto_advance_failed", order_id=order_id, to=to_status)
            if len(ids) < BATCH or not fresh:
                break
