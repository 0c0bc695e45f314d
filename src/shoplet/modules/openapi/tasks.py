"""Open-platform jobs: the retention of the access log, idempotency answers and tokens."""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.jobs import periodic
from shoplet.modules.openapi import service

log = structlog.get_logger("shoplet.openapi")

PURGE_JOB = "openapi.purge_old_records"


@periodic(every_seconds=3600, name=PURGE_JOB)
async def purge_old_records(ctx: AppContext) -> None:
    removed = await service.purge_old_records(ctx.sessionmaker)
    if any(removed.values()):
        log.info("openapi_records_purged", **removed)
