"""Experiments jobs: ``experiments.reallocate`` (every minute) gives each running bandit
experiment new arm weights once its last allocation is ``SHOPLET_EXPERIMENTS_BANDIT_MINUTES``
old. Orders' events reach experiments through orders' own subscribers (orders sits above
experiments and calls :mod:`.public`; experiments may not import orders). The gray releases'
guardrail check is in ``flags/tasks.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import periodic
from shoplet.modules.experiments import service
from shoplet.modules.experiments.flags import tasks as flags_tasks  # noqa: F401

REALLOCATE_JOB = "experiments.reallocate"
CLOCK_KEY = "experiments.clock"


@periodic(every_seconds=60, name=REALLOCATE_JOB)
async def reallocate(ctx: AppContext) -> None:
    clock = cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))
    await service.reallocate(
        ctx.sessionmaker,
        now=clock(),
        every_minutes=ctx.settings.experiments_bandit_minutes,
        floor=ctx.settings.experiments_bandit_floor,
    )
