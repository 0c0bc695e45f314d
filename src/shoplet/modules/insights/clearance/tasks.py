"""Clearance jobs: ``insights.clearance_trials`` stops the trials whose target date has come
(hourly; each stop is conditional, so replicas running it at once stop a trial once)."""

from __future__ import annotations

from shoplet.core.context import AppContext
from shoplet.core.jobs import periodic

from . import trials

TRIALS_JOB = "insights.clearance_trials"


@periodic(every_seconds=3600, name=TRIALS_JOB)
async def stop_due_trials(ctx: AppContext) -> None:
    await trials.stop_due_trials(ctx)
