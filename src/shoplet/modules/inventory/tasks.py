"""Inventory jobs (the worker schedules them): give back stock whose reservation expired."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shoplet.core.db import unit_of_work, utcnow
from shoplet.modules.inventory import service

log = structlog.get_logger("shoplet.inventory")

RELEASE_EXPIRED_TASK = "inventory.release_expired"


async def release_expired_reservations(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime | None = None,
    batch: int = 100,
) -> int:
    """Release every reservation past its TTL, one short transaction per reference.

    Safe to run on several workers at once: :func:`service.release` is idempotent, so a reference
    two workers pick up is released once. Returns the units released by this run."""
    now = now or utcnow()
    released = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            refs = await service.expired_reservation_refs(session, now=now, limit=batch)
        for ref in refs:
            async with unit_of_work(sessionmaker) as session:
                released += await service.release(session, ref=ref, reason="expired")
        if len(refs) < batch:
            break
    if released:
        log.info("reservations_expired", units=released)
    return released
