"""Forecast jobs: ``insights.forecast_daily`` queues the day's run (idempotent: one per
Asia/Shanghai day) and works it; ``insights.forecast_runs`` works a run the console queued,
writing progress after every batch."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic

from . import service

DAILY_JOB = "insights.forecast_daily"
RUNS_JOB = "insights.forecast_runs"


@periodic(every_seconds=3600, name=DAILY_JOB)
async def forecast_daily(ctx: AppContext) -> None:
    """Hourly check that today's run exists (a new day queues one), then work open runs."""
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.request_run(session, requested_by="schedule", again=False)
    await service.work_open_runs(ctx)


@periodic(every_seconds=5, name=RUNS_JOB)
async def forecast_runs(ctx: AppContext) -> None:
    await service.work_open_runs(ctx)
