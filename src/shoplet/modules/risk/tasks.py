"""The worker's job ``risk.refit_anomaly``: once the newest anomaly model is a day old, fit a
new one on the sampled ordinary traffic (anomaly.py); every process picks it up on its next
policy refresh. Hourly, so a day-old model is replaced within the hour; several workers never
run it at once (the job's lease)."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work, utcnow
from shoplet.core.jobs import periodic

from . import anomaly

REFIT_JOB = "risk.refit_anomaly"


@periodic(every_seconds=3600, name=REFIT_JOB)
async def refit_anomaly(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await anomaly.refit_if_due(session, now=utcnow())
