"""Profile jobs and handlers.

- ``analytics.work_profile_jobs`` (every 3 s): queued jobs (every profile, a rule tag's
  members, the clusters), each idempotent: profiles and tags converge when rerun.
- ``analytics.refresh_profiles`` (daily): queue a recompute of every profile (the 90-day
  figures and the event-derived fields move with time), then the clusters.
- ``analytics.profile_orders`` on ``order.paid`` / ``order.refunded``: the member's profile
  and tags, in the event's transaction.
- ``analytics.profile_promoters`` on social's ``distribution.promoter_changed``: the member's
  promoter status (newest wins) and profile (social role ``promoter``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.modules.analytics.profiles import service
from shoplet.modules.analytics.profiles.events import PROMOTER_CHANGED
from shoplet.modules.orders import public as orders

JOBS_JOB = "analytics.work_profile_jobs"
DAILY_JOB = "analytics.refresh_profiles"


@periodic(every_seconds=3, name=JOBS_JOB)
async def work_profile_jobs(ctx: AppContext) -> None:
    await service.work_open_jobs(ctx)


@periodic(every_seconds=86400, name=DAILY_JOB)
async def refresh_profiles_daily(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.request_job(session, "profiles", staff_id=None)
        await service.request_job(session, "clusters", staff_id=None)
    await service.work_open_jobs(ctx)


@subscriber(PROMOTER_CHANGED, name="analytics.profile_promoters")
async def profile_promoters(event: Event, session: AsyncSession) -> None:
    payload = event.payload
    member = payload.get("member_id")
    status = payload.get("status")
    if member is None or not isinstance(status, str):
        return
    at = payload.get("at")
    changed_at = datetime.fromisoformat(at) if isinstance(at, str) else event.occurred_at
    await service.on_promoter_changed(session, int(member), status, changed_at)


@subscriber(orders.ORDER_PAID, orders.ORDER_REFUNDED, name="analytics.profile_orders")
async def profile_orders(event: Event, session: AsyncSession) -> None:
    member = event.payload.get("member_id")
    if member is not None:
        await service.on_order_event(session, int(member))
