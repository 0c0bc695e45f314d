"""Queries of forecasts: runs (claimed with conditional updates), stored series (upserted on
``(kind, ref_id)``), replenishment settings (upserted on ``sku_id``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ForecastRun, ForecastSeries, ReplenishmentSetting

OPEN_STATUSES = ("queued", "running")


def _insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


# Runs


async def queue_run(session: AsyncSession, *, day: date, requested_by: str, now: datetime) -> None:
    """The day's run, queued unless it exists (the unique ``day`` decides, atomically)."""
    await session.execute(
        _insert(session, ForecastRun)
        .values(
            day=day, status="queued", total=0, done=0, requested_by=requested_by, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["day"])
    )


async def requeue_finished_run(
    session: AsyncSession, *, day: date, requested_by: str, now: datetime
) -> None:
    """Run the day's finished run again (the console's 重新计算); an open run is left alone."""
    await session.execute(
        update(ForecastRun)
        .where(ForecastRun.day == day, ForecastRun.status.not_in(OPEN_STATUSES))
        .values(
            status="queued",
            done=0,
            total=0,
            error=None,
            requested_by=requested_by,
            created_at=now,
            started_at=None,
            finished_at=None,
        )
    )


async def run_of_day(session: AsyncSession, day: date) -> ForecastRun | None:
    return (await session.scalars(select(ForecastRun).where(ForecastRun.day == day))).one_or_none()


async def get_run(session: AsyncSession, run_id: int) -> ForecastRun | None:
    return await session.get(ForecastRun, run_id)


async def latest_run(session: AsyncSession) -> ForecastRun | None:
    stmt = select(ForecastRun).order_by(ForecastRun.day.desc()).limit(1)
    return (await session.scalars(stmt)).one_or_none()


async def open_run_ids(session: AsyncSession) -> list[int]:
    stmt = (
        select(ForecastRun.id).where(ForecastRun.status.in_(OPEN_STATUSES)).order_by(ForecastRun.id)
    )
    return [int(i) for i in (await session.scalars(stmt)).all()]


async def start_run(session: AsyncSession, run_id: int, *, total: int, now: datetime) -> bool:
    """Claim an open run (a run left ``running`` by a dead worker is resumed from scratch:
    its rows are upserts, so redoing them converges)."""
    result = await session.execute(
        update(ForecastRun)
        .where(ForecastRun.id == run_id, ForecastRun.status.in_(OPEN_STATUSES))
        .values(status="running", total=total, done=0, started_at=now)
    )
    return _rowcount(result) == 1


async def set_progress(session: AsyncSession, run_id: int, done: int) -> None:
    await session.execute(update(ForecastRun).where(ForecastRun.id == run_id).values(done=done))


async def finish_run(
    session: AsyncSession, run_id: int, *, error: str | None, now: datetime
) -> None:
    await session.execute(
        update(ForecastRun)
        .where(ForecastRun.id == run_id, ForecastRun.status == "running")
        .values(status="failed" if error else "done", error=error, finished_at=now)
    )


# Series


async def upsert_series(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = _insert(session, ForecastSeries).values(list(rows))
    columns = [k for k in rows[0] if k not in ("kind", "ref_id")]
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["kind", "ref_id"],
            set_={k: getattr(stmt.excluded, k) for k in columns},
        )
    )


async def delete_stale_series(session: AsyncSession, run_id: int) -> int:
    """Drop what the run did not write (a SKU with no sale left in the window)."""
    result = await session.execute(delete(ForecastSeries).where(ForecastSeries.run_id != run_id))
    return _rowcount(result)


async def get_series(session: AsyncSession, kind: str, ref_id: int) -> ForecastSeries | None:
    stmt = select(ForecastSeries).where(
        ForecastSeries.kind == kind, ForecastSeries.ref_id == ref_id
    )
    return (await session.scalars(stmt)).one_or_none()


async def list_series(
    session: AsyncSession, *, kind: str, after_id: int | None, limit: int
) -> list[ForecastSeries]:
    stmt = select(ForecastSeries).where(ForecastSeries.kind == kind)
    if after_id is not None:
        stmt = stmt.where(ForecastSeries.id > after_id)
    return list((await session.scalars(stmt.order_by(ForecastSeries.id).limit(limit))).all())


async def all_series(session: AsyncSession, kind: str) -> list[ForecastSeries]:
    stmt = select(ForecastSeries).where(ForecastSeries.kind == kind).order_by(ForecastSeries.ref_id)
    return list((await session.scalars(stmt)).all())


# Settings


async def settings_of(
    session: AsyncSession, sku_ids: Sequence[int]
) -> dict[int, ReplenishmentSetting]:
    if not sku_ids:
        return {}
    stmt = select(ReplenishmentSetting).where(ReplenishmentSetting.sku_id.in_(list(sku_ids)))
    return {row.sku_id: row for row in (await session.scalars(stmt)).all()}


async def upsert_setting(
    session: AsyncSession,
    *,
    sku_id: int,
    lead_time_days: int,
    service_level_permille: int,
    updated_by: str,
    now: datetime,
) -> None:
    values = {
        "lead_time_days": lead_time_days,
        "service_level_permille": service_level_permille,
        "updated_by": updated_by,
        "updated_at": now,
    }
    stmt = _insert(session, ReplenishmentSetting).values(sku_id=sku_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["sku_id"], set_=values))
