"""The worker's job: ``campaigns.run_due`` runs every due campaign (materialise its audience
when its time has come, make the due touches). Several workers may run it at once: each touch
and each frequency cap is claimed by one conditional statement (``running.run``)."""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.campaigns import running

log = structlog.get_logger("shoplet.campaigns")

RUN_JOB = "campaigns.run_due"


@periodic(every_seconds=30, name=RUN_JOB)
async def run_due(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        ids = await running.due_campaigns(session)
    for campaign_id in ids:
        try:
            await running.run(ctx, campaign_id)
        except Exception:
            log.exception("campaign_run_crashed", campaign_id=campaign_id)
