"""Scheduled jobs of the members module (``members.<verb>``), run by the worker.

``members.purge_expired_credentials`` deletes dead SMS codes and long-expired refresh tokens; it
is idempotent and safe to run on several workers at once.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.members import service

log = structlog.get_logger("shoplet.members.tasks")

PURGE_EXPIRED_CREDENTIALS = "members.purge_expired_credentials"


async def purge_expired_credentials(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with unit_of_work(sessionmaker) as session:
        codes, tokens = await service.purge_expired_credentials(session)
    log.info(PURGE_EXPIRED_CREDENTIALS, login_codes=codes, refresh_tokens=tokens)
    return codes + tokens


@periodic(every_seconds=3600, name=PURGE_EXPIRED_CREDENTIALS)
async def purge_expired_credentials_job(ctx: AppContext) -> None:
    await purge_expired_credentials(ctx.sessionmaker)
