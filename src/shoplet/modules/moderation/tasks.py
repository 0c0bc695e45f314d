"""Moderation's job: texts WeChat did not answer at writing time and images to send to
``mediaCheckAsync``, each between two short transactions (``service.run_checks``). WeChat pushes
the image verdicts to ``/api/v1/moderation/wechat/push``; the simulator pushes only when told
(tests), so in the embedded shop a review's photos wait for a person, as the demo expects."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.jobs import periodic
from shoplet.modules.moderation import service

CHECK_JOB = "moderation.machine_checks"


@periodic(every_seconds=10, name=CHECK_JOB)
async def machine_checks(ctx: AppContext) -> None:
    """Ask WeChat about what is still unchecked."""
    await service.run_checks(ctx)
