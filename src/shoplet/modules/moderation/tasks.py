"""Moderation's job: texts WeChat did not answer at writing time and images to send to
``mediaCheckAsync``, each between two short transactions (``service.run_checks``). In the
embedded shop the simulator then pushes its verdicts, as WeChat would a few seconds later."""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.jobs import periodic
from shoplet.modules.moderation import service

log = structlog.get_logger("shoplet.moderation")

CHECK_JOB = "moderation.machine_checks"


@periodic(every_seconds=10, name=CHECK_JOB)
async def machine_checks(ctx: AppContext) -> None:
    """Ask WeChat about what is still unchecked."""
    calls = await service.run_checks(ctx)
    integrations = service.integrations_of(ctx)
    simulator = integrations.content_security_simulator if integrations else None
    if calls and simulator is not None and ctx.settings.env == "embedded":
        await simulator.push()
