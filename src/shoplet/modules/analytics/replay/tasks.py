"""Jobs of session replay: ``analytics.expire_replays`` (daily) deletes recordings past
``SHOPLET_ANALYTICS_REPLAY_RETENTION_DAYS``."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.jobs import periodic
from shoplet.modules.analytics.replay import service

EXPIRE_REPLAYS_JOB = "analytics.expire_replays"


@periodic(every_seconds=86400, name=EXPIRE_REPLAYS_JOB)
async def expire_replays(ctx: AppContext) -> None:
    await service.expire(ctx)
