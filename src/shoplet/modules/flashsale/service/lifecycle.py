"""The campaign jobs: warming a campaign's stock into Redis before it starts, settling it after it
ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.events import publish
from shoplet.modules.flashsale import events as ev
from shoplet.modules.flashsale import repository as repo
from shoplet.modules.flashsale.models import Campaign, CampaignItem
from shoplet.modules.flashsale.runtime import FlashRuntime, runtime_of
from shoplet.modules.inventory import public as inventory

from ._common import _ms, campaign_info, hold_ref, log

# -- warm-up and settlement (jobs) -----------------------------------------------------------


async def _warm(
    runtime: FlashRuntime,
    session: AsyncSession,
    campaign: Campaign,
    items: Sequence[CampaignItem],
) -> bool:
    """Load or refresh the campaign in the store; True when it was not there (first warm-up,
    or Redis lost it: the counters and buyers are then rebuilt from the database). Edges are
    told when anything they keep changed."""
    store = runtime.store
    fresh = not await store.is_warm(campaign.id)
    bought: dict[str, int] = {}
    in_orders: dict[int, int] = defaultdict(int)
    if fresh:
        bought = await repo.bought_units(session, campaign.id)
        units = await repo.units_by_status(session, [campaign.id])
        for (_c, sku, status), n in units.items():
            if status in ("created", "released"):  # units that left the campaign
                in_orders[sku] += n
    info = campaign_info(campaign, items).model_dump_json().encode()
    changed = fresh or await store.info(campaign.id) != info
    await store.warm(
        campaign.id,
        starts_ms=_ms(campaign.starts_at),
        ends_ms=_ms(campaign.ends_at),
        is_open=campaign.status == "scheduled",
        info=info,
        items=[
            (i.sku_id, i.stock - in_orders.get(i.sku_id, 0), i.per_shopper_limit) for i in items
        ],
        bought=bought,
    )
    if changed:
        # Edges drop their copy of the campaign (window, prices, limits) at once.
        await runtime.signal(f"campaign:{campaign.id}")
    return fresh


async def warm_up(ctx: AppContext) -> list[int]:
    """Load campaigns starting within ``warm_lead_seconds`` into the store; refresh the ones
    already there (idempotent; rebuilds a campaign Redis lost). Returns the ids warmed now."""
    runtime = runtime_of(ctx)
    now = utcnow()
    until = now + timedelta(seconds=runtime.settings.warm_lead_seconds)
    warmed: list[int] = []
    async with unit_of_work(ctx.sessionmaker) as session:
        campaigns = await repo.campaigns_to_warm(session, now=now, until=until)
        items = await repo.items_of(session, [c.id for c in campaigns])
        for campaign in campaigns:
            if await _warm(runtime, session, campaign, items[campaign.id]):
                warmed.append(campaign.id)
            if campaign.warmed_at is None:
                campaign.warmed_at = now
    for campaign_id in warmed:
        log.info("flashsale.warmed", campaign_id=campaign_id)
    return warmed


async def settle(ctx: AppContext) -> list[int]:
    """Campaigns that ended (or were cancelled) and whose stream is drained: the unsold units go
    back to free stock, the live keys expire after ``retention_seconds``. Idempotent."""
    runtime = runtime_of(ctx)
    settings = runtime.settings
    now = utcnow()
    grace = timedelta(seconds=settings.settle_grace_seconds)
    async with read_session(ctx.sessionmaker) as session:
        due = await repo.campaigns_to_settle(session, now=now)
    settled: list[int] = []
    for candidate in due:
        if candidate.status == "scheduled" and now < candidate.ends_at + grace:
            continue
        if candidate.warmed_at is not None:
            backlog = await runtime.store.backlog(candidate.id)
            if backlog:
                log.info("flashsale.settle_waits", campaign_id=candidate.id, backlog=backlog)
                continue
        async with unit_of_work(ctx.sessionmaker) as session:
            campaign = await repo.lock_campaign(session, candidate.id)
            if campaign is None or campaign.settled_at is not None:
                continue
            items = (await repo.items_of(session, [campaign.id]))[campaign.id]
            units = await repo.units_by_status(session, [campaign.id])
            report = []
            for item in sorted(items, key=lambda i: i.sku_id):
                released = await inventory.release(
                    session, ref=hold_ref(campaign.id, item.sku_id), reason="flash sale over"
                )
                report.append(
                    {
                        "sku_id": item.sku_id,
                        "stock": item.stock,
                        "sold": units.get((campaign.id, item.sku_id, "created"), 0),
                        "released": released,
                    }
                )
            campaign.settled_at = now
            campaign.updated_at = now
            await publish(
                session,
                ev.CAMPAIGN_SETTLED,
                {"campaign_id": campaign.id, "items": report},
                key=str(campaign.id),
            )
        if candidate.warmed_at is not None:
            await runtime.store.close(candidate.id, expire_seconds=settings.retention_seconds)
            await runtime.signal(f"campaign:{candidate.id}")
        settled.append(candidate.id)
        log.info("flashsale.settled", campaign_id=candidate.id)
    return settled
