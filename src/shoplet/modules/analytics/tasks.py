"""Analytics jobs: the daily RFM run, and the worker pass that works a run the console queued
(重新计算). Both are idempotent: a run upserts by customer and converges (service.py)."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.analytics import service

DAILY_JOB = "analytics.compute_rfm"
RUNS_JOB = "analytics.work_rfm_runs"


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
