"""Scheduled jobs of the cart module (``cart.<verb>``), run by the worker.

``cart.purge_guest_carts`` deletes guest cart lines nobody touched for 30 days (a guest who
comes back later starts a fresh cart; members' carts are kept). Idempotent: it converges however
often or late it runs.
"""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.cart import service

log = structlog.get_logger("shoplet.cart.tasks")

PURGE_GUEST_CARTS = "cart.purge_guest_carts"


@periodic(every_seconds=3600, name=PURGE_GUEST_CARTS)
async def purge_guest_carts(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        deleted = await service.purge_guest_carts(session)
    if deleted:
        log.info(PURGE_GUEST_CARTS, deleted=deleted)
