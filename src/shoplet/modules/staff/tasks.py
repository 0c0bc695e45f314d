"""Staff background jobs: the audit chain's hourly signed checkpoint (sign-in locks expire by
time, not by a job)."""

from __future__ import annotations

import structlog

from shoplet.core.context import AppContext
from shoplet.core.db import unit_of_work
from shoplet.core.jobs import periodic

from . import audit

log = structlog.get_logger("shoplet.audit")

CHECKPOINT_JOB = "staff.checkpoint_audit_chain"


@periodic(every_seconds=3600, name=CHECKPOINT_JOB)
async def checkpoint_audit_chain(ctx: AppContext) -> None:
    """Verify the chain since the last checkpoint and sign its last link (docs/audit.md)."""
    async with unit_of_work(ctx.sessionmaker) as session:
        outcome = await audit.make_checkpoint(session, ctx.settings)
    if outcome.checkpoint is not None:
        log.info("audit_checkpoint_signed", seq=outcome.checkpoint.seq)
