"""Working the promotions jobs to the end (``promotions.run_jobs`` in ``tasks.py``)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import read_session, unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.modules.promotions import repository as repo

from .jobs import OPEN, begin_step, end_step
from .segments import issue_step

log = structlog.get_logger("shoplet.promotions.jobs")

VOID_PAGE = 500


async def void_step(session: AsyncSession, job_id: int) -> bool:
    """Void the next page of unused copies; True once the job is finished (or not open)."""
    job = await begin_step(session, job_id)
    if job is None:
        fresh = await repo.get_job(session, job_id)
        return fresh is None or fresh.status not in OPEN
    voided, last = await repo.void_unused_page(
        session,
        job.template_id,
        after_id=job.cursor,
        limit=VOID_PAGE,
        reason=str(job.params["reason"]),
        actor=job.created_by,
        now=utcnow(),
    )
    result = {"voided": int(job.result.get("voided", 0)) + voided}
    await end_step(session, job, cursor=last, done=voided, result=result)
    return last is None


async def job_step(ctx: AppContext, job_id: int) -> bool:
    async with unit_of_work(ctx.sessionmaker) as session:
        job = await repo.get_job(session, job_id)
        if job is None or job.status not in OPEN:
            return True
        if job.kind == "void_unused":
            return await void_step(session, job_id)
        return await issue_step(session, job_id)


async def run_job(ctx: AppContext, job_id: int) -> None:
    """Work job ``job_id`` to the end; an error fails it (its last step rolled back)."""
    try:
        while not await job_step(ctx, job_id):
            pass
    except ShopletError as exc:
        log.warning("promotions_job_failed", job_id=job_id, code=exc.code)
        await _fail(ctx, job_id, f"{exc.code}: {exc.detail}")
    except Exception as exc:
        log.exception("promotions_job_failed", job_id=job_id)
        await _fail(ctx, job_id, f"{type(exc).__name__}: the job failed")


async def _fail(ctx: AppContext, job_id: int, error: str) -> None:
    async with unit_of_work(ctx.sessionmaker) as session:
        await repo.fail_job(session, job_id, error[:500], utcnow())


async def run_open_jobs(ctx: AppContext) -> None:
    """Every waiting job, oldest first, resuming any a dead worker left running."""
    while True:
        async with read_session(ctx.sessionmaker) as session:
            job_id = await repo.next_open_job(session)
        if job_id is None:
            return
        await run_job(ctx, job_id)
