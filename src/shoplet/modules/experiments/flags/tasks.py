"""Gray releases' job: ``experiments.flag_releases`` checks every running release against its
guardrails (``guardrails.GuardrailSource``) and moves it one step or rolls it back. Each release
is checked in its own transaction, under its flag's row lock: idempotent, safe to rerun."""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.jobs import periodic

from . import repository, service
from .guardrails import GuardrailSource, PrometheusGuardrailSource
from .runtime import GUARDRAILS_KEY, bus_of

log = structlog.get_logger("shoplet.experiments.flags")

RELEASE_JOB = "experiments.flag_releases"


def guardrail_source(ctx: AppContext) -> GuardrailSource:
    """The process's source (kept, as it reads deltas between checks); tests put their own."""
    source: GuardrailSource | None = ctx.extras.get(GUARDRAILS_KEY)
    if source is None:
        source = ctx.extras[GUARDRAILS_KEY] = PrometheusGuardrailSource(ctx.metrics.registry)
    return source


@periodic(every_seconds=30, name=RELEASE_JOB)
async def check_releases(ctx: AppContext) -> None:
    async with read_session(ctx.sessionmaker) as session:
        running = await repository.running_release_ids(session)
    if not running:
        return
    reading = await guardrail_source(ctx).read()
    bus = bus_of(ctx)
    for release_id, key in running:
        async with unit_of_work(ctx.sessionmaker) as session:
            release = await service.advance_release(session, bus, key, reading, utcnow())
        if release is not None and release.status == "rolled_back":
            log.warning("flags.release_rolled_back", release=release_id, reason=release.reason)
