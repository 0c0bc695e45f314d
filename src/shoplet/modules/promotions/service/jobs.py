"""Background jobs of promotions (issue to a segment, void the unused copies of a template):
the job row, its view, and the step guard every job shares.

A job row is worked by ``promotions.run_jobs`` (``tasks.py``, every two seconds, one run at a
time by its lease) in steps of one transaction each. A step first moves the row with a
conditional UPDATE ``WHERE cursor = :where_this_run_read_it`` (which also locks it), does its
page of work, and writes the new ``cursor``, ``progress`` and ``result`` in the same
transaction: a page is applied once even if two runs race, and a crash loses only the step it
was in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.modules.promotions import repository as repo
from shoplet.modules.promotions.errors import JobNotFound
from shoplet.modules.promotions.models import PromotionsJob
from shoplet.modules.promotions.schemas import Job

OPEN = ("queued", "running")


def job_view(job: PromotionsJob) -> Job:
    return Job(
        id=job.id,
        template_id=job.template_id,
        kind=job.kind,  # type: ignore[arg-type]
        status=job.status,  # type: ignore[arg-type]
        params=dict(job.params),
        progress=job.progress,
        total=max(job.total, job.progress),
        result=dict(job.result),
        error=job.error,
        created_by=job.created_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


async def new_job(
    session: AsyncSession,
    *,
    template_id: int,
    kind: str,
    params: dict[str, Any],
    total: int,
    result: dict[str, Any],
    actor: str,
) -> PromotionsJob:
    now = utcnow()
    job_id = await repo.insert_job(
        session,
        {
            "template_id": template_id,
            "kind": kind,
            "status": "queued",
            "params": params,
            "cursor": 0,
            "progress": 0,
            "total": total,
            "result": result,
            "error": None,
            "created_by": actor,
            "created_at": now,
            "started_at": None,
            "finished_at": None,
            "updated_at": now,
        },
    )
    job = await repo.get_job(session, job_id)
    if job is None:
        raise RuntimeError(f"job {job_id} vanished after its insert")
    return job


async def begin_step(session: AsyncSession, job_id: int) -> PromotionsJob | None:
    """The open job, locked for this step; None when it is finished or another run moved it
    (the caller looks again)."""
    job = await repo.get_job(session, job_id)
    if job is None or job.status not in OPEN:
        return None
    now = utcnow()
    values: dict[str, Any] = {"status": "running", "updated_at": now}
    if job.started_at is None:
        values["started_at"] = now
    if not await repo.advance_job(session, job_id, cursor_from=job.cursor, values=values):
        return None
    return job


async def end_step(
    session: AsyncSession,
    job: PromotionsJob,
    *,
    cursor: int | None,
    done: int,
    result: dict[str, Any],
) -> None:
    """Write the step's outcome: ``cursor`` None finishes the job."""
    now = utcnow()
    values: dict[str, Any] = {"progress": job.progress + done, "result": result, "updated_at": now}
    if cursor is None:
        values.update(status="done", finished_at=now, total=max(job.total, job.progress + done))
    else:
        values["cursor"] = cursor
    await repo.advance_job(session, job.id, cursor_from=job.cursor, values=values)


async def get_job(session: AsyncSession, template_id: int, job_id: int) -> Job:
    job = await repo.get_job(session, job_id)
    if job is None or job.template_id != template_id:
        raise JobNotFound(job_id=job_id)
    return job_view(job)


async def list_jobs(session: AsyncSession, template_id: int) -> list[Job]:
    return [job_view(j) for j in await repo.list_jobs(session, template_id, limit=20)]
