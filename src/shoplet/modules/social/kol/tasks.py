"""KOL job: ``social.kol_analyse`` once a day (idempotent: each run stands alone)."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.jobs import periodic
from shoplet.modules.social.kol import service

ANALYSE_JOB = "social.kol_analyse"


@periodic(every_seconds=86400, name=ANALYSE_JOB)
async def analyse(ctx: AppContext) -> None:
    await service.run_analysis(ctx, triggered_by="schedule")
