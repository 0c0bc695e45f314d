"""Fulfillment's jobs: tracking subscriptions and WeChat uploads still to make (new ones and
failures waiting for their backoff). Each shipment is one attempt in its own short
transactions, the outside call between them; a conditional update on the attempt number keeps
two replicas from recording one attempt twice."""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.fulfillment import service

log = structlog.get_logger("shoplet.fulfillment")

BATCH = 100
SUBSCRIBE_JOB = "fulfillment.subscribe_tracking"
UPLOAD_JOB = "fulfillment.upload_wechat_shipping"


@periodic(every_seconds=15, name=SUBSCRIBE_JOB)
async def subscribe_tracking(ctx: AppContext) -> None:
    """Subscribe shipped parcels to Kuaidi100's pushes (retried with backoff)."""
    now = service.clock_of(ctx)()
    async with unit_of_work(ctx.sessionmaker) as session:
        ids = await service.due_subscriptions(session, now=now, limit=BATCH)
    for shipment_id in ids:
        try:
            await service.subscribe_one(ctx, shipment_id, now=now)
        except Exception:
            log.exception("fulfillment_subscribe_crashed", shipment_id=shipment_id)


@periodic(every_seconds=15, name=UPLOAD_JOB)
async def upload_wechat_shipping(ctx: AppContext) -> None:
    """Tell WeChat that mini-program orders paid with WeChat Pay shipped (retried)."""
    now = service.clock_of(ctx)()
    async with unit_of_work(ctx.sessionmaker) as session:
        ids = await service.due_wechat_uploads(session, now=now, limit=BATCH)
    for shipment_id in ids:
        try:
            await service.upload_one(ctx, shipment_id, now=now)
        except Exception:
            log.exception("fulfillment_upload_crashed", shipment_id=shipment_id)
