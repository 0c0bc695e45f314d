"""The worker's jobs. ``wecom.link_members`` links customers whose unionid has since become a
member's (each link one conditional ``UPDATE … WHERE member_id IS NULL``).
``wecom.send_welcomes`` sends the welcome codes the add callbacks queued (every two seconds:
a code is valid for 20). ``wecom.sync_groups`` refreshes every customer group from WeCom
(callbacks keep them current in between). ``wecom.fetch_broadcast_results`` records what each
群发 delivered. Each runs at most once at a time across replicas (the job lease) and converges
when run again."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.wecom import service

LINK_JOB = "wecom.link_members"
WELCOME_JOB = "wecom.send_welcomes"
GROUPS_JOB = "wecom.sync_groups"
RESULTS_JOB = "wecom.fetch_broadcast_results"


@periodic(every_seconds=600, name=LINK_JOB)
async def link_members(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.link_members(session)


@periodic(every_seconds=2, name=WELCOME_JOB)
async def send_welcomes(ctx: AppContext) -> None:
    client = service.client_of(ctx)
    if client is not None:
        await service.send_due_welcomes(ctx, client, now=service.clock_of(ctx)())


@periodic(every_seconds=3600, name=GROUPS_JOB)
async def sync_groups(ctx: AppContext) -> None:
    client = service.client_of(ctx)
    if client is not None:
        await service.sync_groups(ctx, client, now=service.clock_of(ctx)())


@periodic(every_seconds=300, name=RESULTS_JOB)
async def fetch_broadcast_results(ctx: AppContext) -> None:
    client = service.client_of(ctx)
    if client is not None:
        await service.fetch_results(ctx, client, now=service.clock_of(ctx)())
