"""Analytics jobs and handlers.

- ``analytics.compute_rfm`` (daily) and ``analytics.work_rfm_runs`` (every 3 s): RFM runs; both
  idempotent (a run upserts by customer and converges, service.py).
- ``analytics.write_events`` (every second): the queued event batches into the columnar store
  (ingest.py; at least once, duplicates dropped by compaction).
- ``analytics.compact_events`` (hourly): each past day's files merged into one, and its funnel
  index written (eventstore.py).
- ``analytics.expire_events`` (daily): days past ``SHOPLET_ANALYTICS_EVENTS_RETENTION_DAYS``.
- ``analytics.order_events`` on ``order.paid``, ``order.shipped``, ``order.refunded``: the
  server-side events (never taken from a client), keyed by the outbox event's id.
- ``analytics.realtime_orders`` on ``order.paid``: the real-time overview's counters (orders in
  the last minute, GMV today by province), exactly once per outbox event.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.analytics import ingest, service
from shoplet.modules.analytics.behaviour import service as behaviour
from shoplet.modules.analytics.profiles import tasks as profiles_tasks  # noqa: F401
from shoplet.modules.analytics.replay import tasks as replay_tasks  # noqa: F401
from shoplet.modules.orders import public as orders

DAILY_JOB = "analytics.compute_rfm"
RUNS_JOB = "analytics.work_rfm_runs"
WRITE_EVENTS_JOB = "analytics.write_events"
COMPACT_EVENTS_JOB = "analytics.compact_events"
EXPIRE_EVENTS_JOB = "analytics.expire_events"

SERVER_EVENT_NAMES = {
    orders.ORDER_PAID: "order_paid",
    orders.ORDER_SHIPPED: "order_shipped",
    orders.ORDER_REFUNDED: "order_refunded",
}


@periodic(every_seconds=86400, name=DAILY_JOB)
async def compute_rfm_daily(ctx: AppContext) -> None:
    """Once a day: queue a run (unless one is open) and work it."""
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.request_run(session, trigger="schedule", staff_id=None)
    await service.work_open_runs(ctx)


@periodic(every_seconds=3, name=RUNS_JOB)
async def work_rfm_runs(ctx: AppContext) -> None:
    """Work the run the console queued, if any, reporting progress as it goes."""
    await service.work_open_runs(ctx)


@periodic(every_seconds=1, name=WRITE_EVENTS_JOB)
async def write_events(ctx: AppContext) -> None:
    """Write what the collector queued to the event store."""
    await ingest.flush(ctx)


@periodic(every_seconds=3600, name=COMPACT_EVENTS_JOB)
async def compact_events(ctx: AppContext) -> None:
    await service.compact_events(ctx)


@periodic(every_seconds=86400, name=EXPIRE_EVENTS_JOB)
async def expire_events(ctx: AppContext) -> None:
    await service.expire_events(ctx)


@subscriber(
    orders.ORDER_PAID, orders.ORDER_SHIPPED, orders.ORDER_REFUNDED, name="analytics.order_events"
)
async def order_events(event: Event, session: AsyncSession) -> None:
    queue = ingest.session_queue(session)
    if queue is None:  # a session from a sessionmaker the analytics start-up did not see
        return
    payload = event.payload
    member = payload.get("member_id")
    await queue.put(
        [
            ingest.server_row(
                event.id,
                SERVER_EVENT_NAMES[event.type],
                int(member) if member is not None else None,
                event.occurred_at,
                {
                    "order_no": str(payload.get("order_no", "")),
                    "amount": int(payload.get("amount") or payload.get("payable_total") or 0),
                },
            )
        ]
    )


@subscriber(orders.ORDER_PAID, name="analytics.realtime_orders")
async def realtime_orders(event: Event, session: AsyncSession) -> None:
    counters = behaviour.session_counters(session)
    if counters is None:  # a session from a sessionmaker the analytics start-up did not see
        return
    payload = event.payload
    order_no = str(payload.get("order_no", ""))
    lines = await orders.purchases(session, order_no=order_no, limit=1) if order_no else []
    await behaviour.record_paid(
        counters,
        event_id=event.id,
        order_no=order_no,
        amount=int(payload.get("payable_total") or payload.get("amount") or 0),
        region_code=lines[0].region_code if lines else None,
        paid_at=event.occurred_at,
    )
