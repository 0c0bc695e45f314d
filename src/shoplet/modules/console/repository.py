"""Console queries: staff accounts and the audit log. Services call these and only flush."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, literal, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import UTCDateTime

from .models import AuditLog, ExportJob, Staff


async def get_staff(session: AsyncSession, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def get_staff_by_username(session: AsyncSession, username: str) -> Staff | None:
    result = await session.execute(select(Staff).where(Staff.username == username))
    return result.scalar_one_or_none()


async def add_staff(session: AsyncSession, staff: Staff) -> Staff:
    session.add(staff)
    await session.flush()
    return staff


async def list_staff(session: AsyncSession, *, after_id: int | None, limit: int) -> list[Staff]:
    query = select(Staff).order_by(Staff.id).limit(limit)
    if after_id is not None:
        query = query.where(Staff.id > after_id)
    return list((await session.execute(query)).scalars())


async def lock_active_owners(session: AsyncSession) -> list[Staff]:
    """Row-lock every active owner (ordered by id), so two concurrent demotions cannot both pass
    the last-owner check."""
    query = (
        select(Staff)
        .where(Staff.role == "owner", Staff.is_active.is_(True))
        .order_by(Staff.id)
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def count_failed_login(
    session: AsyncSession, staff_id: int, *, now: datetime, threshold: int, lock_until: datetime
) -> tuple[int, datetime | None]:
    """Count one failed sign-in atomically; lock the account when the count reaches ``threshold``.

    A lock that has expired starts a fresh count. Returns the new count and lock time.
    """
    expired = and_(Staff.locked_until.is_not(None), Staff.locked_until <= now)
    new_count = case((expired, 1), else_=Staff.failed_logins + 1)
    new_lock = case(
        (new_count >= threshold, literal(lock_until, UTCDateTime())),
        (expired, null()),
        else_=Staff.locked_until,
    )
    stmt = (
        update(Staff)
        .where(Staff.id == staff_id)
        .values(failed_logins=new_count, locked_until=new_lock)
        .returning(Staff.failed_logins, Staff.locked_until)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).one()
    return int(row[0]), row[1]


async def claim_totp_step(session: AsyncSession, staff_id: int, step: int) -> bool:
    """Accept TOTP ``step`` only if it is newer than every step accepted before (atomic)."""
    result = await session.execute(
        update(Staff)
        .where(Staff.id == staff_id, Staff.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def add_audit(session: AsyncSession, entry: AuditLog) -> AuditLog:
    session.add(entry)
    await session.flush()
    return entry


async def list_audit(
    session: AsyncSession,
    *,
    staff_id: int | None,
    action: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if staff_id is not None:
        query = query.where(AuditLog.staff_id == staff_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    return (await session.execute(query)).scalars().all()


# -- exports ---------------------------------------------------------------------------------


def _rowcount(result: object) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count


async def count_open_exports(session: AsyncSession, staff_id: int, statuses: Sequence[str]) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(ExportJob)
        .where(ExportJob.staff_id == staff_id, ExportJob.status.in_(statuses))
    )
    return count or 0


async def add_export(session: AsyncSession, job: ExportJob) -> ExportJob:
    session.add(job)
    await session.flush()
    return job


async def get_export(session: AsyncSession, job_id: int) -> ExportJob | None:
    """The export as stored now (not a copy the session's identity map may hold)."""
    return await session.get(ExportJob, job_id, populate_existing=True)


async def list_exports(
    session: AsyncSession, *, staff_id: int | None, before_id: int | None, limit: int
) -> list[ExportJob]:
    """Newest first; ``staff_id``: only that staff member's exports with masked phones."""
    query = select(ExportJob).order_by(ExportJob.id.desc()).limit(limit)
    if staff_id is not None:
        query = query.where(ExportJob.staff_id == staff_id, ExportJob.mask_phones.is_(True))
    if before_id is not None:
        query = query.where(ExportJob.id < before_id)
    return list((await session.execute(query)).scalars())


async def start_export(
    session: AsyncSession, job: ExportJob, *, total: int, file_key: str, now: datetime
) -> bool:
    """Queued → running (one run wins); the job is refreshed when it did."""
    started = await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status == "queued")
        .values(status="running", total=total, started_at=now, updated_at=now, file_key=file_key)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(started) != 1:
        return False
    await session.refresh(job)
    return True


async def advance_export(
    session: AsyncSession,
    job: ExportJob,
    *,
    rows: int,
    cursor_id: int | None,
    size: int,
    now: datetime,
) -> bool:
    """Count one more part of a running export, if no other run counted it meanwhile."""
    advanced = await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job.id, ExportJob.status == "running", ExportJob.parts == job.parts)
        .values(
            parts=job.parts + 1,
            cursor_id=cursor_id,
            progress=job.progress + rows,
            # Orders placed after the count: the total grows rather than lie.
            total=max(job.total, job.progress + rows),
            size_bytes=job.size_bytes + size,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(advanced) == 1


async def finish_export(session: AsyncSession, job_id: int, *, now: datetime) -> None:
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == "running")
        .values(status="done", total=ExportJob.progress, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def fail_export(
    session: AsyncSession, job_id: int, *, error: str, open_statuses: Sequence[str], now: datetime
) -> None:
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status.in_(open_statuses))
        .values(status="failed", error=error, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def finished_exports_before(
    session: AsyncSession, cutoff: datetime, *, limit: int
) -> list[tuple[int, str | None, int]]:
    """``(id, file_key, parts)`` of exports finished before ``cutoff`` that still have files."""
    rows = await session.execute(
        select(ExportJob.id, ExportJob.file_key, ExportJob.parts)
        .where(
            ExportJob.status.in_(("done", "failed")),
            ExportJob.finished_at < cutoff,
            ExportJob.file_key.is_not(None),
        )
        .order_by(ExportJob.id)
        .limit(limit)
    )
    return [(job_id, file_key, parts) for job_id, file_key, parts in rows]


async def expire_export(session: AsyncSession, job_id: int, *, now: datetime) -> None:
    await session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id)
        .values(status="expired", file_key=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def next_open_export(session: AsyncSession, open_statuses: Sequence[str]) -> int | None:
    job_id: int | None = await session.scalar(
        select(ExportJob.id)
        .where(ExportJob.status.in_(open_statuses))
        .order_by(ExportJob.id)
        .limit(1)
    )
    return job_id
