"""Live-session handlers and jobs (the worker runs them; tests use ``drain_outbox`` /
``run_job``):

- ``live.count_sale`` on ``order.paid``: a paid order of a shopper who watched, with a product
  of the session's shelf, counts for the session (once per order);
- ``live.remind`` every minute: 开播提醒 for sessions starting within five minutes, once each;
- ``live.record`` every few seconds: the push/pull recorder (new segments of live sessions,
  then the replay of ended ones, ``service/recording.py``);
- ``live.fetch_wechat_replay`` every minute: WeChat's replay of ended 小程序直播 sessions.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.events import Event, subscriber
from shoplet.core.jobs import periodic
from shoplet.integrations.wechat.live import LiveReplayClient
from shoplet.modules.orders import public as orders

from . import service
from .service import recording

REMIND_JOB = "live.remind"
RECORD_JOB = "live.record"
WECHAT_REPLAY_JOB = "live.fetch_wechat_replay"


@subscriber(orders.ORDER_PAID, name="live.count_sale")
async def count_sale(event: Event, session: AsyncSession) -> None:
    await service.handle_order_paid(session, dict(event.payload))


@periodic(every_seconds=60, name=REMIND_JOB)
async def remind(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.send_reminders(session)


@periodic(every_seconds=4, name=RECORD_JOB)
async def record(ctx: AppContext) -> None:
    http = ctx.extras.get(recording.HTTP_KEY)
    if isinstance(http, httpx.AsyncClient):
        await service.record(ctx, http)


@periodic(every_seconds=60, name=WECHAT_REPLAY_JOB)
async def fetch_wechat_replay(ctx: AppContext) -> None:
    client = ctx.extras.get(recording.REPLAY_CLIENT_KEY)
    if isinstance(client, LiveReplayClient):
        await service.fetch_wechat_replays(ctx, client)
