"""The alerts job: ``insights.evaluate_alerts`` every minute evaluates each active monitor's
last closed bucket (an hourly monitor once per hour, a daily one once per shop day: the check
row per (monitor, bucket) makes reruns no-ops) and then sends the due notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from shoplet.core.context import AppContext
from shoplet.core.db import utcnow
from shoplet.core.jobs import periodic

from . import evaluation

EVALUATE_JOB = "insights.evaluate_alerts"
# Tests put a clock here to replay a simulated day.
CLOCK_KEY = "insights.alerts.clock"


@periodic(every_seconds=60, name=EVALUATE_JOB)
async def evaluate_alerts(ctx: AppContext) -> None:
    clock = cast("Callable[[], datetime]", ctx.extras.get(CLOCK_KEY, utcnow))
    now = clock()
    await evaluation.evaluate_all(ctx, now)
    await evaluation.deliver_due(ctx, now)
