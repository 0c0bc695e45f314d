"""Recommend handlers and jobs (the worker runs them; tests use ``drain_outbox`` / ``run_job``).

- ``recommend.order_paid`` on ``order.paid``: the order's co-purchases are counted at once
  (买了还买 learns between trainings) and the buyer's cached profile is dropped;
- ``recommend.train`` (every 24 hours, one replica at a time by the job lease): retrain every
  model from the last year of signals, with its progress in ``recommend_run``.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.orders import public as orders
from shoplet.modules.recommend import clicks, service

log = structlog.get_logger("shoplet.recommend.tasks")

TRAIN_JOB = "recommend.train"


@subscriber(orders.ORDER_PAID, name="recommend.order_paid")
async def order_paid(event: Event, session: AsyncSession) -> None:
    await service.record_paid_order(session, dict(event.payload))


@periodic(every_seconds=86_400, name=TRAIN_JOB)
async def train(ctx: AppContext) -> None:
    summary = await service.train(ctx.sessionmaker)
    log.info(
        TRAIN_JOB,
        run_id=summary.run_id,
        model=summary.model,
        shoppers=summary.shoppers,
        products=summary.products,
        interactions=summary.interactions,
        seconds=summary.seconds,
    )


@periodic(every_seconds=300, name="recommend.rollup_clicks")
async def rollup_clicks(ctx: AppContext) -> None:
    """Rewrite the last days of the click-through rollup (``recommend_daily``, ``clicks.py``)."""
    await clicks.rollup(ctx)
