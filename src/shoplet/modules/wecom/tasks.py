"""The worker's job: ``wecom.link_members`` links customers whose unionid has since become a
member's (a shopper who adds the staff member in the store and signs in to the mini program
later). Callbacks are applied as they arrive; tagging a segment runs in the request (at most
``service.MAX_TAG_CONTACTS`` customers). Each link is one conditional ``UPDATE … WHERE
member_id IS NULL``, so workers running the job at once link a customer once."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic
from shoplet.modules.wecom import service

LINK_JOB = "wecom.link_members"


@periodic(every_seconds=600, name=LINK_JOB)
async def link_members(ctx: AppContext) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await service.link_members(session)
